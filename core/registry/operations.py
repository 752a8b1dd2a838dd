"""Asking whether a file's holder is a live beneficiary of another association on the platform."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields

from core import audit
from core.beneficiaries.errors import FormErrors
from core.beneficiaries.fields import FormSchema, choice, first_errors, text
from core.extensions import db
from core.models import AuditEntry, Tenant, TenantStatus
from core.registry.keys import id_hash
from core.registry.models import RegistryCheck, RegistryEntry
from core.rights.schemas import ACK_METHODS as CONSENT_METHODS
from core.tenancy import tenant_scope


class CheckSchema(FormSchema):
    consent = fields.String(required=True, error_messages={
        "required": _l("Record the beneficiary's consent before checking.")})
    consent_method = choice(CONSENT_METHODS, required=True)
    consent_note = text(max_length=500)


def discloses_name(tenant) -> bool:
    return bool(((tenant.settings or {}).get("service_controls") or {}).get("disclose_name_to_other_associations"))


def holders_of(national_id: str, except_tenant_id: int) -> list[tuple[int, int]]:
    """(tenant id, file id) of every other association holding a live file for this ID.

    The one cross-tenant read of the feature: a platform table of keyed hashes, no tenant's rows."""
    query = sa.select(RegistryEntry.association_id, RegistryEntry.beneficiary_id).where(
        RegistryEntry.id_hash == id_hash(national_id), RegistryEntry.association_id != except_tenant_id)
    return [tuple(row) for row in db.session.execute(query.order_by(RegistryEntry.association_id))]


def check(tenant, beneficiary, form, actor) -> RegistryCheck:
    """Yes/no (and the names that may be shown), with the consent recorded, audited in both associations."""
    try:
        data = CheckSchema().load_form(form)
    except ValidationError as exc:
        raise FormErrors(first_errors(exc.messages)) from exc
    holders = holders_of(beneficiary.national_id, tenant.id)
    others = {t.id: t for t in db.session.scalars(sa.select(Tenant).where(
        Tenant.id.in_({t for t, _b in holders}), Tenant.status == TenantStatus.active))}
    holders = [(t, b) for t, b in holders if t in others]
    disclosed = [{"ar": others[t].name_ar, "en": others[t].name_en} for t in dict.fromkeys(t for t, _b in holders)
                 if discloses_name(others[t])]
    result = RegistryCheck(beneficiary_id=beneficiary.id, consent_method=data["consent_method"],
                           consent_note=data.get("consent_note"), found=bool(holders), disclosed=disclosed,
                           checked_by_id=actor.id)
    db.session.add(result)
    db.session.flush()
    audit.record("registry.check", result, actor=actor, after={
        "file_number": beneficiary.file_number, "consent_method": result.consent_method, "found": result.found,
        "disclosed": len(disclosed)})
    db.session.flush()  # our own rows first: the holders' entries are written in their scope
    for other_id, file_id in holders:
        # The holder's own log names its own file and the asking association; no person of ours.
        with tenant_scope(other_id):
            db.session.add(AuditEntry(tenant_id=other_id, action="registry.checked_by_other",
                                      object_type="Beneficiary", object_id=str(file_id),
                                      after={"asked_by": tenant.name_en, "asked_by_ar": tenant.name_ar}))
            db.session.flush()
    return result


def checks_of(beneficiary) -> list[RegistryCheck]:
    return list(db.session.scalars(sa.select(RegistryCheck).where(RegistryCheck.beneficiary_id == beneficiary.id)
                                   .order_by(RegistryCheck.id.desc()).limit(10)))


def rebuild() -> int:
    """Recompute every row (after REGISTRY_HMAC_KEY changed, or after a bulk import): operator work."""
    from core.beneficiaries.models import Beneficiary
    from core.lifecycle.states import LIVE
    from core.tenancy import cross_tenant_scope

    with cross_tenant_scope():
        db.session.execute(sa.delete(RegistryEntry))
        rows = [{"association_id": t, "beneficiary_id": b, "id_hash": id_hash(n)} for t, b, n in db.session.execute(
            sa.select(Beneficiary.tenant_id, Beneficiary.id, Beneficiary.national_id)
            .where(Beneficiary.status.in_(LIVE)))]
        if rows:
            db.session.execute(sa.insert(RegistryEntry), rows)
        audit.record("registry.rebuild", object_type="RegistryEntry", tenant_id=None, after={"rows": len(rows)})
        db.session.commit()
    return len(rows)
