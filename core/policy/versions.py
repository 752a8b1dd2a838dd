"""Policy versions: each change of what the policy says makes a draft; a board approval publishes one.

Run inside the tenant's scope (the web request, or `tenant_scope`); `sync` enters it itself because
it is called from provisioning, which works across tenants.
"""
import copy
from datetime import date

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from core import audit
from core.approvals import ApprovalWarning, approval_warnings
from core.extensions import db
from core.models import BoardApproval, PolicyStatus, PolicyVersion
from core.models.base import utcnow
from core.policy import rendering
from core.tenancy import tenant_scope

#: Keys of a board approval record, as the tenant file and the admin form give them.
RECORD_KEYS = ("meeting", "session", "weekday", "hijri_date", "gregorian_date", "policy_title", "text_ar")


class PolicyError(ValueError):
    """An operation the policy's state does not allow; the message is for the admin."""


def _actor_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def snapshot(tenant) -> dict:
    """What a version is rendered from: the tenant's names and its settings, as they are now."""
    return {"name_ar": tenant.name_ar, "name_en": tenant.name_en, **copy.deepcopy(tenant.settings or {})}


def all_versions() -> list[PolicyVersion]:
    """The tenant's versions, newest first."""
    return list(db.session.scalars(sa.select(PolicyVersion).order_by(PolicyVersion.number.desc())))


def get(number: int) -> PolicyVersion | None:
    return db.session.scalar(sa.select(PolicyVersion).where(PolicyVersion.number == number))


def latest() -> PolicyVersion | None:
    return db.session.scalar(sa.select(PolicyVersion).order_by(PolicyVersion.number.desc()).limit(1))


def published() -> PolicyVersion | None:
    """The approved version the public reads."""
    return db.session.scalar(
        sa.select(PolicyVersion).where(PolicyVersion.status == PolicyStatus.approved)
        .order_by(PolicyVersion.published_at.desc(), PolicyVersion.number.desc()).limit(1))


def public_version(tenant) -> PolicyVersion | None:
    """The approved version, or else the newest draft (shown as not yet approved by the board).

    A tenant that predates policy versions gets its first version here.
    """
    version = published() or latest()
    if version is None:
        try:
            version = sync(tenant)
            db.session.commit()
        except sa.exc.IntegrityError:  # another request made it first
            db.session.rollback()
            version = published() or latest()
    return version


def _audit_values(version: PolicyVersion) -> dict:
    return {"number": version.number, "status": str(version.status), "title_ar": version.title_ar,
            "fingerprint": version.fingerprint}


def sync(tenant) -> PolicyVersion | None:
    """Make a draft if what the tenant's policy says has changed; returns the new version, if any.

    The published version is never touched. The first version of a tenant whose file carries
    board approval records is approved by those records, exactly as written.
    """
    with tenant_scope(tenant):
        state = snapshot(tenant)
        rendered = rendering.render(state)
        newest = latest()
        if newest is not None and newest.fingerprint == rendered.fingerprint:
            return None
        current = published()
        if current is not None and current.fingerprint == rendered.fingerprint:
            # The settings say again what the board approved: the pending drafts are obsolete.
            for version in all_versions():
                if version.status == PolicyStatus.draft and version.number > current.number:
                    _set_status(version, PolicyStatus.superseded, "policy.supersede")
            return None
        version = PolicyVersion(
            tenant_id=tenant.id, number=newest.number + 1 if newest else 1, status=PolicyStatus.draft,
            settings=state, title_ar=rendered.title_ar, title_en=rendered.title_en,
            body_ar=rendered.body_ar, body_en=rendered.body_en, fingerprint=rendered.fingerprint,
            created_by_id=_actor_id(),
        )
        db.session.add(version)
        db.session.flush()
        audit.record("policy.draft", version, object_id=version.number, after=_audit_values(version))
        if newest is None and state.get("board_approvals"):
            for record in state["board_approvals"]:
                _add_record(version, record)
            _publish(version)
        return version


def _set_status(version: PolicyVersion, status: PolicyStatus, action: str) -> None:
    before = str(version.status)
    version.status = status
    audit.record(action, version, object_id=version.number, before={"status": before},
                 after={"status": str(status)})


def _add_record(version: PolicyVersion, record: dict) -> BoardApproval:
    values = {key: record.get(key) for key in RECORD_KEYS}
    if isinstance(values["gregorian_date"], str):
        values["gregorian_date"] = date.fromisoformat(values["gregorian_date"])
    approval = BoardApproval(tenant_id=version.tenant_id, version_number=version.number,
                             position=len(version.approvals) + 1, recorded_by_id=_actor_id(), **values)
    db.session.add(approval)
    version.approvals.append(approval)
    db.session.flush()
    audit.record("policy.board_approval", approval, object_id=f"{version.number}.{approval.position}",
                 after={key: (v.isoformat() if isinstance(v, date) else v) for key, v in values.items()})
    return approval


def _publish(version: PolicyVersion) -> None:
    """Approve and publish `version`; the version it replaces and older drafts are superseded."""
    for other in all_versions():
        if other.number == version.number:
            continue
        if other.status == PolicyStatus.approved or (
                other.status == PolicyStatus.draft and other.number < version.number):
            _set_status(other, PolicyStatus.superseded, "policy.supersede")
    now = utcnow()
    version.approved_at = version.published_at = now
    _set_status(version, PolicyStatus.approved, "policy.approve")


def record_approval(version: PolicyVersion, record: dict) -> BoardApproval:
    """Record the board's approval of a draft, as written in the minutes, and publish the draft."""
    if version.status != PolicyStatus.draft:
        raise PolicyError(_l("Only a draft can be approved: this version is already approved or superseded."))
    approval = _add_record(version, record)
    _publish(version)
    return approval


def warnings_for(approval: BoardApproval, version: PolicyVersion) -> list[ApprovalWarning]:
    """The calendar and title cross-check of one record against the version it approved."""
    return approval_warnings(approval.as_record(), {version.title_ar, version.title_en})


def document(version: PolicyVersion, locale: str) -> Markup:
    """The version in one language with its board approval section filled in from the records."""
    records = [approval.as_record() for approval in version.approvals]
    name = version.settings["name_ar" if locale == "ar" else "name_en"]
    return rendering.assemble(version.body(locale), rendering.render_approvals(records, name, locale))
