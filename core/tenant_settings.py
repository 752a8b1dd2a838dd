"""A charity admin changing the association's own settings.

The change is merged into the tenant's current file and validated by the same schema as tenant files,
so the admin and the operator can never disagree about what is valid; then it is written whole, audited
with the values before and after, and announced with `tenant_settings_changed` (the policy domain
makes a new draft version from it).
"""
from core import audit, tenant_files, tenants
from core.extensions import db
from core.models import Tenant
from core.signals import tenant_settings_changed

#: What a charity admin may change. Identity, licence, policy titles and board approvals stay with the
#: operator's file and the policy pages.
EDITABLE = ("beneficiary_term", "contact", "review", "referral", "channels", "custom_channels", "tools",
            "custom_tools", "modules", "holidays", "dropped_holidays", "clauses", "file_access",
            "verification_steps", "service_controls", "categories", "services", "survey_questions")


def update(tenant: Tenant, changes: dict) -> list[str]:
    """Apply the changes (keys of EDITABLE, values as a tenant file writes them); returns the keys that
    changed. Raises TenantFileError with (key, message) problems and writes nothing if a value is bad.
    The caller commits."""
    unexpected = sorted(set(changes) - set(EDITABLE))
    if unexpected:
        raise ValueError(f"not editable by a charity admin: {', '.join(unexpected)}")
    current = tenants.file_data(tenant)
    tenant_file = tenant_files.validate({**current, **changes}, source=tenant.slug)
    before = dict(tenant.settings or {})
    after = tenants.settings_from(tenant_file)
    changed = tenants.changed_keys(before, after)
    if not changed:
        return []
    tenant.settings = after
    audit.record("tenant.settings", tenant, tenant_id=tenant.id,
                 before={k: before.get(k) for k in changed}, after={k: after.get(k) for k in changed})
    db.session.flush()
    tenant_settings_changed.send(tenant)
    return changed
