"""Anonymising a closed file once the association's retention period has passed.

The person's identifying data goes (name, ID numbers, contact, address, birth day, free text they or
staff wrote, attachments, message bodies); what the figures need stays (the file and its requests with
their states, dates, channel, service, amounts, categories, gender, nationality, city, birth year,
household size and income amounts), so dashboards and exports still add up.

A file is closed when none of its requests is still open (every one closed or withdrawn) and nothing
happened on it for the retention period: `retention_years` in the tenant file (default 5).
"""
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, storage
from core.beneficiaries.errors import IllegalTransition
from core.beneficiaries.models import Beneficiary, HouseholdMember
from core.extensions import db
from core.jobs import job, tenants_with_module
from core.messaging.models import OutboxMessage
from core.models.base import utcnow
from core.pdpl.models import Anonymisation, Consent
from core.workflow import attachments
from core.workflow.models import Attachment, Interaction, Referral, SupportRequest

DEFAULT_RETENTION_YEARS = 5
FINAL_STATES = ("closed", "withdrawn")
REMOVED = "—"


def retention_years(tenant) -> int:
    return int((tenant.settings or {}).get("retention_years") or DEFAULT_RETENTION_YEARS)


def last_activity(beneficiary) -> datetime:
    latest = db.session.execute(sa.select(
        sa.func.max(SupportRequest.received_at), sa.func.max(SupportRequest.closed_at),
        sa.func.max(SupportRequest.withdrawn_at)).where(SupportRequest.beneficiary_id == beneficiary.id)).one()
    contact = db.session.scalar(sa.select(sa.func.max(Interaction.occurred_at))
                                .where(Interaction.beneficiary_id == beneficiary.id))
    return max(v for v in (*latest, contact, beneficiary.updated_at, beneficiary.created_at) if v is not None)


def why_not(tenant, beneficiary, now: datetime | None = None) -> str | None:
    """Why this file may not be anonymised now, or None when it may."""
    if is_anonymised(beneficiary):
        return str(_l("This file was already anonymised."))
    still_open = db.session.scalar(sa.select(sa.func.count()).select_from(SupportRequest).where(
        SupportRequest.beneficiary_id == beneficiary.id, SupportRequest.state.not_in(FINAL_STATES)))
    if still_open:
        return str(_l("The file still has requests that are not closed."))
    years = retention_years(tenant)
    until = last_activity(beneficiary) + timedelta(days=round(365.25 * years))
    if (now or utcnow()) < until:
        return str(_l("The retention period ({years} years) ends on {day}.").format(
            years=years, day=until.date().isoformat()))
    return None


def is_anonymised(beneficiary) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Anonymisation)
                             .where(Anonymisation.beneficiary_id == beneficiary.id)) > 0


def anonymise(tenant, beneficiary: Beneficiary, actor=None, now: datetime | None = None) -> Anonymisation:
    reason = why_not(tenant, beneficiary, now)
    if reason:
        raise IllegalTransition(reason)
    b_id = beneficiary.id
    birth_year = beneficiary.birth_date.year if beneficiary.birth_date else None
    beneficiary.name = beneficiary.name_search = f"{REMOVED} {beneficiary.file_number}"
    # The column is unique per association and not null: a value no real ID number can take.
    beneficiary.national_id = f"X{b_id:09d}"[-10:]
    beneficiary.birth_date = date(birth_year, 1, 1) if birth_year else None
    beneficiary.birth_calendar = "gregorian"
    beneficiary.mobile = beneficiary.email = beneficiary.district = beneficiary.address = None
    beneficiary.researcher_id = None
    beneficiary.updated_at = utcnow()
    for member in db.session.scalars(sa.select(HouseholdMember).where(HouseholdMember.beneficiary_id == b_id)):
        member.name, member.national_id, member.disability, member.schooling = REMOVED, None, None, None
        member.birth_date = date(member.birth_date.year, 1, 1) if member.birth_date else None
    request_ids = sa.select(SupportRequest.id).where(SupportRequest.beneficiary_id == b_id)
    db.session.execute(sa.update(SupportRequest).where(SupportRequest.beneficiary_id == b_id).values(
        details=None, declaration_text=None, committee_members=None, decision_reason=None,
        service_description=None, withdrawal_reason=None, version=SupportRequest.version + 1))
    db.session.execute(sa.update(Referral).where(Referral.beneficiary_id == b_id).values(
        question=REMOVED, answer=sa.case((Referral.answer.is_(None), None), else_=REMOVED)))
    db.session.execute(sa.update(Interaction).where(Interaction.beneficiary_id == b_id).values(summary=REMOVED))
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.beneficiary_id == b_id).values(
        recipient=REMOVED, subject=REMOVED, body=REMOVED))
    db.session.execute(sa.update(Consent).where(Consent.beneficiary_id == b_id).values(
        guardian_name=None, guardian_national_id=None))
    for found in db.session.scalars(sa.select(Attachment).where(Attachment.request_id.in_(request_ids))):
        storage.uploads().delete(attachments.key_of(found))
        db.session.delete(found)
    record = Anonymisation(beneficiary_id=b_id, file_number=beneficiary.file_number,
                           done_by_id=getattr(actor, "id", None))
    db.session.add(record)
    db.session.flush()
    audit.record("pdpl.anonymise", beneficiary, actor=actor,
                 after={"file_number": beneficiary.file_number, "retention_years": retention_years(tenant)})
    return record


def due_for_anonymisation(tenant, now: datetime | None = None) -> list[Beneficiary]:
    """Files of the tenant in scope that may be anonymised now."""
    now = now or utcnow()
    cutoff = now - timedelta(days=round(365.25 * retention_years(tenant)))
    still_open = sa.exists().where(SupportRequest.beneficiary_id == Beneficiary.id,
                                   SupportRequest.state.not_in(FINAL_STATES))
    candidates = db.session.scalars(sa.select(Beneficiary).where(
        Beneficiary.id.not_in(sa.select(Anonymisation.beneficiary_id)), ~still_open, Beneficiary.updated_at < cutoff)
        .order_by(Beneficiary.id)).all()
    return [b for b in candidates if why_not(tenant, b, now) is None]


@job("pdpl.anonymise_expired", every=timedelta(days=1))
def anonymise_expired(now: datetime) -> int:
    """Nightly: anonymise the closed files past retention, in associations whose tenant file sets
    `retention_years` (an association that has not decided its period is never anonymised automatically)."""
    done = 0
    for tenant in tenants_with_module():
        if not (tenant.settings or {}).get("retention_years"):
            continue
        for beneficiary in due_for_anonymisation(tenant, now):
            anonymise(tenant, beneficiary, now=now)
            done += 1
        db.session.commit()
    return done
