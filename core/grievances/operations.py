"""Filing and handling complaints. Each operation checks, writes, flushes, audits and tells the complainant
through the outbox, in the caller's transaction; a domain error means nothing was written."""
from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy.orm.exc import StaleDataError

from core import audit, storage
from core.arabic import normalise
from core.beneficiaries.errors import ConflictError, FormErrors, IllegalTransition, NotAllowed
from core.beneficiaries.fields import first_errors
from core.beneficiaries.models import Beneficiary
from core.beneficiaries.numbering import next_number
from core.beneficiaries.operations import CONFLICT
from core.calendar import local_date
from core.extensions import db
from core.grievances import rules
from core.grievances.models import Complaint, ComplaintAttachment, ComplaintMember
from core.grievances.schemas import NOTIFY_VIA, ActionSchema, ComplaintSchema, DecideSchema
from core.grievances.states import OPEN_STATES, TRANSITIONS, Action, ComplaintState
from core.messaging import compose
from core.messaging.compose import isolate, plain_dual_date
from core.models import TenantRole, User
from core.models.base import utcnow
from core.roles import Role
from core.surveys.operations import Contact
from core.workflow.attachments import MAX_BYTES, save, sniff

MODULE = "grievances"
#: Who handles complaints; tenant admins may open them too.
HANDLER = Role.executive_director
#: Who may type in a complaint handed in on paper (in a sealed envelope).
PAPER_ENTRY = frozenset({Role.executive_director, Role.relations_officer})


def enabled(tenant) -> bool:
    return MODULE in (tenant.settings or {}).get("modules", [])


def _load(schema, form):
    try:
        return schema.load_form(form)
    except ValidationError as exc:
        raise FormErrors(first_errors(exc.messages)) from exc


def complainant(complaint: Complaint) -> Contact:
    return Contact(complaint.name, mobile=complaint.mobile, email=complaint.email, language=complaint.language,
                   beneficiary_id=complaint.beneficiary_id)


# --- filing ------------------------------------------------------------------------------------------

def file_complaint(tenant, form, uploads=(), received_via: str = "portal", language: str = "ar",
                   actor=None, now: datetime | None = None) -> Complaint:
    """A complaint with the nine items; one filed after the 30-day window needs an excuse."""
    data = _load(ComplaintSchema(), form)
    now = now or utcnow()
    filed_on = local_date(now)
    late = rules.is_late(data["event_date"], filed_on)
    if late and not data.get("late_excuse"):
        raise FormErrors({"late_excuse": str(_l(
            "The event is more than 30 days old: a complaint filed later is considered only with an excuse the "
            "association accepts. Write your excuse."))})
    stored = _read_uploads(uploads)
    beneficiary_id = db.session.scalar(sa.select(Beneficiary.id).where(Beneficiary.national_id == data["national_id"]))
    year = filed_on.year
    complaint = Complaint(
        reference=f"C-{year}-{next_number(f'complaint-{year}'):05d}",
        state=ComplaintState.excuse_pending if late else ComplaintState.received, received_via=received_via,
        name=data["name"].strip(), national_id=data["national_id"], mobile=data["mobile"],
        email=(data.get("email") or "").lower() or None, language=language, beneficiary_id=beneficiary_id,
        subject=data["subject"], facts=data["facts"], against=data["against"], harm=data["harm"],
        reasons=data["reasons"], previous_steps=data["previous_steps"], requested=data["requested"],
        other_information=data.get("other_information"), request_reference=data.get("request_reference"),
        event_date=data["event_date"], submitted_at=now, late_excuse=data.get("late_excuse") if late else None,
        decision_due=rules.decision_due(tenant, filed_on))
    names = [secrets.token_hex(16) + extension for _original, _type, extension, _content in stored]
    written = []
    try:  # every file, or none: the form is refused on its attachments field before any row is written
        for name, (_original, _type, _extension, content) in zip(names, stored, strict=True):
            save(tenant.id, name, content, field="attachments")
            written.append(name)
    except FormErrors:
        for name in written:
            storage.uploads().delete(storage.key(tenant.id, name))
        raise
    db.session.add(complaint)
    db.session.flush()
    for name, (original, content_type, _extension, content) in zip(names, stored, strict=True):
        db.session.add(ComplaintAttachment(complaint_id=complaint.id, original_name=original[:200], stored_name=name,
                                           content_type=content_type, size=len(content)))
    db.session.flush()
    audit.record("complaint.create", complaint, actor=actor, after={
        "reference": complaint.reference, "received_via": received_via, "late": late,
        "attachments": len(stored), "decision_due": complaint.decision_due.isoformat()})
    _tell(tenant, complaint, "received")
    return complaint


def _read_uploads(uploads) -> list[tuple[str, str, str, bytes]]:
    found = []
    for upload in uploads:
        if upload is None or not upload.filename:
            continue
        content = upload.stream.read(MAX_BYTES + 1)
        if len(content) > MAX_BYTES:
            raise FormErrors({"attachments": str(_l("The file is larger than 5 MB."))})
        kind = sniff(content[:16])
        if kind is None or not content:
            raise FormErrors({"attachments": str(_l("Only PDF, PNG and JPEG files are accepted."))})
        found.append((upload.filename, *kind, content))
    if len(found) > 5:
        raise FormErrors({"attachments": str(_l("Attach at most 5 files."))})
    return found


# --- who may open a complaint --------------------------------------------------------------------------

def may_open(complaint: Complaint, user, roles) -> bool:
    """The executive director, the tenant's admins, and the users added to this complaint; nobody else."""
    if {HANDLER, Role.tenant_admin} & set(roles):
        return True
    return db.session.scalar(sa.select(ComplaintMember.id).where(
        ComplaintMember.complaint_id == complaint.id, ComplaintMember.user_id == user.id)) is not None


def visible_to(user, roles):
    """A condition on Complaint for the lists: everything for the handler and admins, else own ones only."""
    if {HANDLER, Role.tenant_admin} & set(roles):
        return sa.true()
    return Complaint.id.in_(sa.select(ComplaintMember.complaint_id).where(ComplaintMember.user_id == user.id))


def record_view(complaint: Complaint) -> None:
    audit.record("complaint.view", complaint, after={"reference": complaint.reference})


# --- the state machine ------------------------------------------------------------------------------------

def _check(complaint, action: Action, roles) -> None:
    if HANDLER not in set(roles):
        raise NotAllowed(_("Only the executive director handles complaints."))
    if complaint.state not in TRANSITIONS[action].sources:
        raise IllegalTransition(_("This complaint is “{state}”: “{action}” is not possible now.").format(
            state=ComplaintState(complaint.state).label, action=action.label))


def act(tenant, complaint: Complaint, action: Action, form, actor, roles) -> Complaint:
    """Move the complaint by one action, or raise and change nothing."""
    _check(complaint, action, roles)
    data = _load(DecideSchema() if action == Action.decide else ActionSchema(), form)
    if data["version"] != complaint.version:
        raise ConflictError(CONFLICT)
    before = complaint.state
    now = utcnow()
    message = None
    if action == Action.accept_excuse:
        complaint.excuse_accepted = True
        message = "excuse_accepted"
    elif action == Action.refuse_excuse:
        if not data.get("note"):
            raise FormErrors({"note": str(_l("Write why the excuse is refused: the complainant is told."))})
        complaint.excuse_accepted, complaint.closed_at, complaint.closing_note = False, now, data["note"]
        message = "excuse_refused"
    elif action == Action.decide:
        complaint.outcome, complaint.decision = data["outcome"], data["decision"]
        complaint.decided_at, complaint.decided_by_id = now, actor.id
    elif action == Action.notify:
        via = data.get("via")
        if via not in NOTIFY_VIA:
            raise FormErrors({"via": str(_l("Choose one of the options."))})
        complaint.notified_at, complaint.notified_via = now, via
        if via == "outbox":
            message = "result"
    elif action == Action.close:
        if complaint.state == ComplaintState.decided:
            complaint.notified_at, complaint.notified_via = now, "outbox"
            message = "result"
        complaint.closed_at, complaint.closing_note = now, data.get("note")
    elif action == Action.refer:
        if not data.get("note"):
            raise FormErrors({"note": str(_l("Write why the complaint is found malicious."))})
        complaint.investigation_reason = data["note"]
    complaint.state = TRANSITIONS[action].target
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(CONFLICT) from exc
    audit.record(f"complaint.{action}", complaint, before={"state": before}, after={
        "reference": complaint.reference, "state": complaint.state,
        **({"note": data["note"]} if data.get("note") else {}),
        **({"outcome": complaint.outcome} if action == Action.decide else {})})
    if message:
        _tell(tenant, complaint, message)
    return complaint


def close_many(tenant, complaints: list[Complaint], note: str, actor, roles) -> int:
    """Bulk: close several decided (or notified) complaints with one outcome note; all or nothing."""
    if not note or len(note.strip()) < 3:
        raise FormErrors({"note": str(_l("Write the outcome note for the complaints you close."))})
    if not complaints:
        raise FormErrors({"ids": str(_l("Tick at least one complaint."))})
    for complaint in complaints:
        act(tenant, complaint, Action.close, {"version": str(complaint.version), "note": note}, actor, roles)
    return len(complaints)


def add_member(complaint: Complaint, user_id: int, actor, roles) -> bool:
    """Let one more staff member of the tenant open this complaint (assign). False if already there."""
    if HANDLER not in set(roles):
        raise NotAllowed(_("Only the executive director handles complaints."))
    member = db.session.scalar(sa.select(User).join(TenantRole, TenantRole.user_id == User.id)
                               .where(User.id == user_id, User.disabled_at.is_(None)))
    if member is None:
        raise FormErrors({"user_id": str(_l("Choose a member of this association."))})
    exists = db.session.scalar(sa.select(ComplaintMember.id).where(
        ComplaintMember.complaint_id == complaint.id, ComplaintMember.user_id == user_id))
    if exists:
        return False
    db.session.add(ComplaintMember(complaint_id=complaint.id, user_id=user_id, added_by_id=actor.id))
    db.session.flush()
    audit.record("complaint.member_add", complaint, after={"reference": complaint.reference, "user_id": user_id})
    return True


def staff_members() -> list[User]:
    return list(db.session.scalars(sa.select(User).join(TenantRole, TenantRole.user_id == User.id)
                                   .where(User.disabled_at.is_(None)).order_by(User.name)).unique())


def overdue_condition(today):
    """Not decided and past the 15-working-day deadline."""
    return sa.and_(Complaint.state.in_(list(OPEN_STATES)), Complaint.decision_due < today)


# --- telling the complainant ---------------------------------------------------------------------------

def _tell(tenant, complaint: Complaint, kind: str) -> None:
    language = complaint.language
    with force_locale(language):
        values = {"association": tenant.name(language), "reference": isolate(complaint.reference),
                  "due": plain_dual_date(complaint.decision_due, language),
                  "due_g": isolate(complaint.decision_due.isoformat()),
                  "status": compose.portal_url(tenant, "complaints/status"),
                  "decision": complaint.decision or "", "note": complaint.closing_note or ""}
        if kind == "received":
            subject = _("Your complaint {reference} was received")
            body = _("{association} received your complaint {reference}. The executive director decides on it by "
                     "{due} at the latest. Follow it at {status}")
            sms = (body, _("Complaint {reference} received; decision by {due}. Follow it: {status}"),
                   _("Complaint {reference} received; decision by {due_g}. {status}"))
        elif kind == "excuse_accepted":
            subject = _("Your complaint {reference} will be considered")
            body = _("{association} accepted your excuse for filing complaint {reference} late. It will be "
                     "considered and decided by {due} at the latest.")
            sms = (body, _("Your excuse was accepted: complaint {reference} will be decided by {due}."),
                   _("Your excuse was accepted: complaint {reference} will be decided by {due_g}."))
        elif kind == "excuse_refused":
            subject = _("Your complaint {reference} cannot be considered")
            body = _("{association} did not accept your excuse for filing complaint {reference} more than 30 days "
                     "after the event, so it cannot be considered.\n\nThe reason: {note}")
            sms = (_("Complaint {reference}: the excuse for filing late was not accepted. Reason: {note}"),
                   _("Complaint {reference}: the excuse for filing late was not accepted. Details: {status}"))
        else:
            subject = _("The result of your complaint {reference}")
            body = _("{association} decided on your complaint {reference}:\n\n{decision}")
            sms = (_("Complaint {reference}: {decision}"),
                   _("The result of your complaint {reference} is ready: {status}"))
        compose.enqueue_text(f"complaint_{kind}", complainant(complaint), subject.format(**values),
                             body.format(**values), tuple(t.format(**values) for t in sms))


def attachments_of(complaint: Complaint) -> list[ComplaintAttachment]:
    return list(db.session.scalars(sa.select(ComplaintAttachment).where(
        ComplaintAttachment.complaint_id == complaint.id).order_by(ComplaintAttachment.id)))


# --- the complainant following the complaint ---------------------------------------------------------------

NOT_FOUND = _l("We found no complaint with these details. Check the reference number, the ID number and the "
               "mobile number.")


def _candidate(data) -> Complaint | None:
    import hmac

    from core.grievances.schemas import clean_reference

    reference = clean_reference(data["reference"])
    complaint = db.session.scalar(sa.select(Complaint).where(Complaint.reference == reference)) if reference else None
    if complaint is None or not hmac.compare_digest(complaint.national_id, data["national_id"]):
        return None
    return complaint


def find_complaint(tenant, form, mode: str = "mobile") -> Complaint | None:
    """The complaint whose reference, ID and mobile match (same answer for any mismatch).

    mode "send_code" sends a code to the complaint's contact and returns None whatever matched;
    mode "code" checks the code instead of the mobile."""
    from core.grievances.schemas import LookupSchema
    from core.portal import operations as portal

    data = _load(LookupSchema(), form)
    complaint = _candidate(data)
    if mode == "send_code":
        if complaint is not None:
            portal.send_code(tenant, f"complaint:{complaint.id}", complainant(complaint))
        return None
    if mode == "code":
        if complaint is None or not portal.check_code(f"complaint:{complaint.id}",
                                                          normalise(data.get("code") or "").replace(" ", "")):
            raise FormErrors({"code": str(_l("This code is not right or has expired. Ask for a new one."))})
        return complaint
    if not data.get("mobile"):
        raise FormErrors({"mobile": str(_l("This field is required."))})
    if complaint is None or complaint.mobile != data["mobile"]:
        raise FormErrors({"reference": str(NOT_FOUND)})
    return complaint
