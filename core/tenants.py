"""Tenant operations: provisioning from tenant files, suspending and resuming."""
from dataclasses import dataclass

import sqlalchemy as sa

from core import audit
from core.extensions import db
from core.models import AuditEntry, Tenant, TenantRole, TenantStatus
from core.signals import tenant_settings_changed
from core.tenant_files import TenantFile, dumps, to_toml_dict

#: What a tenant file says that is not kept in `Tenant.settings` but in columns of its own.
IDENTITY_KEYS = ("slug", "name_ar", "name_en")


@dataclass
class ProvisionResult:
    tenant: Tenant
    outcome: str  # "created" | "updated" | "unchanged"
    changed_keys: list[str]


def settings_from(tenant_file: TenantFile) -> dict:
    """What the tenants table keeps as settings: the file less its identity columns, JSON-safe."""
    data = to_toml_dict(tenant_file.data)
    for key in IDENTITY_KEYS:
        data.pop(key, None)
    return data


def file_data(tenant: Tenant) -> dict:
    """The tenant as its tenant file says it: identity and settings (JSON-safe, as TOML gives it)."""
    return {"slug": tenant.slug, "name_ar": tenant.name_ar, "name_en": tenant.name_en, **(tenant.settings or {})}


def export(tenant: Tenant) -> str:
    """The tenant file that provisions this tenant as it is now (`wasl tenants export`)."""
    header = (f"Tenant file for {tenant.slug}, written by `wasl tenants export`.\n"
              "Check it with `wasl tenants check`; apply it with `wasl tenants provision`.")
    return dumps(file_data(tenant), header=header)


def changed_keys(before: dict, after: dict) -> list[str]:
    """Top-level keys whose value differs; a missing key, None and an empty list or table are the same."""
    def value(data, key):
        found = data.get(key)
        return None if found in (None, [], {}) else found

    return sorted(k for k in set(before) | set(after) if value(before, k) != value(after, k))


def provision(tenant_file: TenantFile) -> ProvisionResult:
    """Create the tenant or bring it in line with its file. Never deletes data; idempotent.

    The caller commits; run inside `cross_tenant_scope()` (this is platform work).
    """
    data = tenant_file.data
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == data["slug"]))
    new_settings = settings_from(tenant_file)
    if tenant is None:
        tenant = Tenant(slug=data["slug"], name_ar=data["name_ar"], name_en=data["name_en"],
                        status=TenantStatus.active, settings=new_settings)
        db.session.add(tenant)
        db.session.flush()
        audit.record("tenant.provision", tenant, tenant_id=tenant.id,
                     after={"slug": tenant.slug, "source": tenant_file.path})
        tenant_settings_changed.send(tenant)
        return ProvisionResult(tenant, "created", sorted(new_settings))
    before = {"name_ar": tenant.name_ar, "name_en": tenant.name_en, **(tenant.settings or {})}
    after = {"name_ar": data["name_ar"], "name_en": data["name_en"], **new_settings}
    changed = changed_keys(before, after)
    if not changed:
        return ProvisionResult(tenant, "unchanged", [])
    tenant.name_ar, tenant.name_en, tenant.settings = data["name_ar"], data["name_en"], new_settings
    audit.record("tenant.update", tenant, tenant_id=tenant.id,
                 before={k: before.get(k) for k in changed}, after={k: after.get(k) for k in changed})
    db.session.flush()
    tenant_settings_changed.send(tenant)
    return ProvisionResult(tenant, "updated", changed)


def _set_status(tenant: Tenant, status: TenantStatus, action: str) -> bool:
    if tenant.status == status:
        return False
    before = tenant.status
    tenant.status = status
    audit.record(action, tenant, tenant_id=tenant.id, before={"status": before}, after={"status": status.value})
    return True


def suspend(tenant: Tenant) -> bool:
    """Stop serving the tenant's pages (data is kept). Returns False if it already was suspended."""
    return _set_status(tenant, TenantStatus.suspended, "tenant.suspend")


def resume(tenant: Tenant) -> bool:
    return _set_status(tenant, TenantStatus.active, "tenant.resume")


def counts() -> dict[int, dict[str, int]]:
    """Members and audit entries per tenant id, two grouped queries. Run inside `cross_tenant_scope()`."""
    result: dict[int, dict[str, int]] = {}
    for name, query in (
        ("members", sa.select(TenantRole.tenant_id, sa.func.count(sa.distinct(TenantRole.user_id)))
         .group_by(TenantRole.tenant_id)),
        ("audit", sa.select(AuditEntry.tenant_id, sa.func.count()).group_by(AuditEntry.tenant_id)),
    ):
        for tenant_id, count in db.session.execute(query):
            result.setdefault(tenant_id, {"members": 0, "audit": 0})[name] = count
    return result


def by_slug(slug: str) -> Tenant | None:
    return db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
