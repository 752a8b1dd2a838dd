"""Moving a file through its lifecycle. Each operation checks, writes, flushes, audits and notes the change
on the file's timeline, in the caller's transaction; a domain error means nothing was written."""
from __future__ import annotations

import calendar
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy.orm.exc import StaleDataError

from core import audit
from core.arabic import name_key
from core.beneficiaries.errors import ConflictError, FormErrors, IllegalTransition, NotAllowed
from core.beneficiaries.fields import first_errors
from core.beneficiaries.models import Beneficiary, BeneficiaryCategory, HouseholdMember
from core.beneficiaries.numbering import next_number
from core.beneficiaries.operations import CONFLICT
from core.extensions import db
from core.lifecycle import schemas
from core.lifecycle.models import ExclusionDecision, FileFreeze, FileTransfer, FileUpdate, UpdateCampaign
from core.lifecycle.reasons import EXCLUSION_REASONS, freeze_label, freeze_months
from core.lifecycle.states import LIVE, TRANSITIONS, FileAction, FileStatus
from core.messaging.compose import isolate
from core.models.base import utcnow
from core.workflow.deadlines import today
from core.workflow.operations import note


def _load(schema, form):
    try:
        return schema.load_form(form)
    except ValidationError as exc:
        raise FormErrors(first_errors(exc.messages)) from exc


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _guard(beneficiary, action: FileAction, roles, data=None) -> None:
    """Refuse a stale form, a role the transition table does not list, or a file in the wrong state."""
    transition = TRANSITIONS[action]
    if data is not None and data["version"] != beneficiary.version:
        raise ConflictError(CONFLICT)
    if not transition.roles & set(map(str, roles)):
        raise NotAllowed(_("Your role does not allow this on a file."))
    if beneficiary.status not in transition.sources:
        raise IllegalTransition(_("This file is “{status}”: this is not possible now.").format(
            status=FileStatus(beneficiary.status).label))


def _move(beneficiary, status: FileStatus, actor, summary: str, action: str, **details) -> None:
    before = beneficiary.status
    beneficiary.status = status
    beneficiary.updated_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(CONFLICT) from exc
    note(beneficiary.id, "file", summary, actor)
    audit.record(f"file.{action}", beneficiary, actor=actor,
                 before={"status": before},
                 after={"file_number": beneficiary.file_number, "status": str(status), **details})


# --- freeze and its end ----------------------------------------------------------------------------

def _freeze(tenant, beneficiary, reason: str, note_text, actor, starts: date) -> FileFreeze:
    ends = add_months(starts, freeze_months(tenant, reason)) - timedelta(days=1)
    freeze = FileFreeze(beneficiary_id=beneficiary.id, reason=reason, note=note_text, starts_on=starts, ends_on=ends,
                        created_by_id=getattr(actor, "id", None))
    db.session.add(freeze)
    _move(beneficiary, FileStatus.frozen, actor,
          _("File frozen until {date}: {reason}.").format(date=isolate(ends.isoformat()), reason=freeze_label(reason)),
          "freeze", reason=reason, ends_on=ends.isoformat())
    return freeze


def freeze(tenant, beneficiary, form, actor, roles) -> FileFreeze:
    """Staff freeze a file (a change of address or contact not reported: three months; late documents: one)."""
    data = _load(schemas.FreezeSchema(), form)
    _guard(beneficiary, FileAction.freeze, roles, data)
    return _freeze(tenant, beneficiary, data["reason"], data.get("note"), actor, today())


def open_freeze(beneficiary) -> FileFreeze | None:
    return db.session.scalar(sa.select(FileFreeze).where(
        FileFreeze.beneficiary_id == beneficiary.id, FileFreeze.lifted_at.is_(None))
        .order_by(FileFreeze.id.desc()).limit(1))


def lift_freeze(tenant, beneficiary, form, actor, roles) -> FileFreeze | None:
    """The beneficiary responded: the freeze is lifted and the file is active again."""
    data = _load(schemas.LiftSchema(), form)
    _guard(beneficiary, FileAction.lift_freeze, roles, data)
    return beneficiary_responded(beneficiary, data["response"], actor)


def beneficiary_responded(beneficiary, response: str, actor) -> FileFreeze | None:
    """The beneficiary answered (documents given, a change reported …): a frozen or exclusion-due file is
    active again. Also for other domains (a change reported on the portal); the caller checks the state."""
    current = open_freeze(beneficiary)
    if current is not None:
        current.lifted_at, current.lifted_by_id, current.response = utcnow(), getattr(actor, "id", None), response
    _move(beneficiary, FileStatus.active, actor, _("Freeze lifted: the beneficiary responded. {response}").format(
        response=response), "lift_freeze", response=response)
    return current


def _each_claimed(tenant, model, mark: str, due, still_open, act) -> int:
    """Run `act` on each row of `model` matching `due`, once: a row is first claimed by setting its `mark`
    column in a conditional UPDATE (also requiring `still_open`), so a second run, or a second runner at
    the same time, finds nothing to do. Each row is committed on its own."""
    column = getattr(model, mark)
    ids = db.session.scalars(sa.select(model.id).where(*due, column.is_(None), *still_open)
                             .order_by(model.id)).all()
    changed = 0
    for row_id in ids:
        claimed = db.session.execute(sa.update(model).where(
            model.tenant_id == tenant.id, model.id == row_id, column.is_(None), *still_open)
            .values({mark: utcnow()}).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            db.session.rollback()
            continue
        try:
            act(db.session.get(model, (tenant.id, row_id)))
        except ConflictError:  # the file changed meanwhile: the claim was rolled back with it
            continue
        db.session.commit()
        changed += 1
    return changed


def expire_freezes(tenant, on: date) -> int:
    """Freezes whose last day has passed without a response: the file becomes "exclusion due" (a job)."""
    def expire(freeze):
        beneficiary = db.session.get(Beneficiary, freeze.beneficiary_id)
        if beneficiary.status == FileStatus.frozen:
            _move(beneficiary, FileStatus.exclusion_due, None,
                  _("The freeze ended on {date} without a response: exclusion is due (a manager decides).")
                  .format(date=isolate(freeze.ends_on.isoformat())), "freeze_expired", freeze=freeze.id)

    return _each_claimed(tenant, FileFreeze, "expired_at", [FileFreeze.ends_on < on],
                         [FileFreeze.lifted_at.is_(None)], expire)


# --- exclusion decision ----------------------------------------------------------------------------

def _row_conditions(beneficiary, reason: str) -> None:
    needs = EXCLUSION_REASONS[reason].needs
    codes = set(beneficiary.category_codes)
    if "not_orphan" in needs and "orphan" in codes:
        raise FormErrors({"reason": str(_l("Orphans are excepted from this rule: registration at another "
                                           "charity does not exclude an orphan."))})
    if "widow_or_divorcee" in needs and not (beneficiary.gender == "female" and (
            beneficiary.marital_status in ("widowed", "divorced") or codes & {"widow", "divorced"})):
        raise FormErrors({"reason": str(_l("This rule is for a widow or a divorcee; this file is neither."))})
    if "exclusion_due" in needs and beneficiary.status != FileStatus.exclusion_due:
        raise FormErrors({"reason": str(_l("Exclusion for no response is possible only when a freeze ended "
                                           "without a response."))})


def exclude(tenant, beneficiary, form, actor, roles) -> ExclusionDecision:
    """A numbered exclusion decision: reason, date, evidence and who decided; the file is excluded."""
    data = _load(schemas.ExclusionSchema(), form)
    _guard(beneficiary, FileAction.exclude, roles, data)
    _row_conditions(beneficiary, data["reason"])
    decided_on = data.get("decided_on") or today()
    decision = ExclusionDecision(
        number=next_number("exclusion-decision"), beneficiary_id=beneficiary.id, reason=data["reason"],
        decided_on=decided_on, evidence=data["evidence"], form_reference=data.get("form_reference"),
        authority_referral=data.get("authority_referral"), decided_by_id=actor.id, status_before=beneficiary.status,
        certificate_issued_on=decided_on if "certificate" in EXCLUSION_REASONS[data["reason"]].needs else None)
    db.session.add(decision)
    freeze = open_freeze(beneficiary)
    if freeze is not None:
        freeze.lifted_at = utcnow()  # ended by the decision, not by a response
    _move(beneficiary, FileStatus.excluded, actor,
          _("Excluded by decision no. {number}: {reason}.").format(
              number=isolate(decision.number), reason=EXCLUSION_REASONS[decision.reason].label),
          "exclude", decision=decision.number, reason=decision.reason)
    return decision


def decisions_of(beneficiary) -> list[ExclusionDecision]:
    return list(db.session.scalars(sa.select(ExclusionDecision).where(
        ExclusionDecision.beneficiary_id == beneficiary.id).order_by(ExclusionDecision.id.desc())))


# --- death: transfer or close ----------------------------------------------------------------------

DEPENDANTS = ("son", "daughter")


def holder_candidates(beneficiary) -> list[HouseholdMember]:
    """Who may take the file over, in 004's order: the wife of a man; else a son or daughter."""
    members = db.session.scalars(sa.select(HouseholdMember).where(HouseholdMember.beneficiary_id == beneficiary.id)
                                 .order_by(HouseholdMember.id)).all()
    if beneficiary.gender == "male":
        wives = [m for m in members if m.relation == "spouse"]
        if wives:
            return wives
    return [m for m in members if m.relation in DEPENDANTS]


#: A household member's relation to the new holder, given their relation to the deceased.
def _relation_to_holder(holder_relation: str, relation: str, deceased_gender: str) -> str:
    if holder_relation == "spouse":
        return relation if relation in DEPENDANTS else "other"
    if relation in DEPENDANTS:
        return "brother" if relation == "son" else "sister"
    if relation == "spouse":
        return "mother" if deceased_gender == "male" else "father"
    return "other"


def record_death(tenant, beneficiary, form, actor, roles) -> FileTransfer:
    """The holder died: the file passes to the wife (or a dependant) as a new file that points back to
    this one, whose history stays whole; with no one to take it, the file is closed."""
    data = _load(schemas.DeathSchema(), form)
    _guard(beneficiary, FileAction.death, roles, data)
    candidates = {m.id: m for m in holder_candidates(beneficiary)}
    chosen = data.get("new_holder_id")
    if candidates and chosen not in candidates:
        raise FormErrors({"new_holder_id": str(_l("Choose who takes the file over: the wife, or one of the "
                                                  "dependants when there is no wife."))})
    if not candidates and chosen is not None:
        raise FormErrors({"new_holder_id": str(_l("Choose one of the options."))})
    transfer = FileTransfer(from_beneficiary_id=beneficiary.id, died_on=data["died_on"], evidence=data["evidence"],
                            recorded_by_id=actor.id)
    if not candidates:
        db.session.add(transfer)
        _move(beneficiary, FileStatus.closed, actor,
              _("The holder died on {date}; with no wife and no dependants the file is closed.").format(
                  date=isolate(data["died_on"].isoformat())), "death", outcome="closed")
        return transfer
    member = candidates[chosen]
    successor = _successor_file(tenant, beneficiary, member, data, actor)
    transfer.to_beneficiary_id, transfer.new_holder_relation = successor.id, member.relation
    db.session.add(transfer)
    _move(beneficiary, FileStatus.transferred, actor,
          _("The holder died on {date}; the file was transferred to {name} (file {number}).").format(
              date=isolate(data["died_on"].isoformat()), name=member.name, number=isolate(successor.file_number)),
          "death", outcome="transferred", to_file=successor.file_number, relation=member.relation)
    note(successor.id, "file", _("File transferred from file {number} ({name}, deceased on {date}).").format(
        number=isolate(beneficiary.file_number), name=beneficiary.name, date=isolate(data["died_on"].isoformat())),
         actor)
    return transfer


def _successor_file(tenant, deceased, member, data, actor) -> Beneficiary:
    national_id = member.national_id or data.get("new_holder_national_id")
    if not national_id:
        raise FormErrors({"new_holder_national_id": str(_l("The new holder needs an ID number for the file."))})
    taken = db.session.scalar(sa.select(Beneficiary.id).where(Beneficiary.national_id == national_id).limit(1))
    if taken is not None:
        raise FormErrors({"new_holder_national_id": str(_l("This ID number already has a file in this "
                                                           "association."))})
    gender = {"son": "male", "daughter": "female"}.get(
        member.relation, "female" if deceased.gender == "male" else "male")
    codes = set(deceased.category_codes)
    if member.relation == "spouse" and gender == "female":
        codes.add("widow")
    if member.relation in DEPENDANTS:
        codes.add("orphan")
    successor = Beneficiary(
        file_number=next_number("beneficiary"), name=member.name, name_search=name_key(member.name),
        national_id=national_id, nationality=deceased.nationality, gender=gender, birth_date=member.birth_date,
        mobile=data.get("new_holder_mobile") or deceased.mobile, email=None, city=deceased.city,
        district=deceased.district, address=deceased.address, language=deceased.language,
        marital_status="widowed" if member.relation == "spouse" else None, researcher_id=deceased.researcher_id,
        created_by_id=actor.id, status=FileStatus.active,
        categories=[BeneficiaryCategory(code=c) for c in sorted(codes)])
    db.session.add(successor)
    db.session.flush()
    others = db.session.scalars(sa.select(HouseholdMember).where(
        HouseholdMember.beneficiary_id == deceased.id, HouseholdMember.id != member.id)
        .order_by(HouseholdMember.id)).all()
    for other in others:  # copied, so the deceased's file keeps its household as it was
        db.session.add(HouseholdMember(
            beneficiary_id=successor.id, relation=_relation_to_holder(member.relation, other.relation,
                                                                      deceased.gender),
            name=other.name, national_id=other.national_id, birth_date=other.birth_date,
            disability=other.disability, schooling=other.schooling))
    db.session.flush()
    audit.record("beneficiary.create", successor, actor=actor,
                 after={"file_number": successor.file_number, "transferred_from": deceased.file_number})
    return successor


def transfers_of(beneficiary) -> tuple[FileTransfer | None, FileTransfer | None]:
    """(the transfer that made this file, the transfer that ended it)."""
    came = db.session.scalar(sa.select(FileTransfer).where(FileTransfer.to_beneficiary_id == beneficiary.id))
    went = db.session.scalar(sa.select(FileTransfer).where(FileTransfer.from_beneficiary_id == beneficiary.id))
    return came, went


def lineage(beneficiary) -> list[int]:
    """This file and every file it was transferred from, newest first (the whole history)."""
    ids, current = [beneficiary.id], beneficiary.id
    while True:
        previous = db.session.scalar(sa.select(FileTransfer.from_beneficiary_id)
                                     .where(FileTransfer.to_beneficiary_id == current))
        if previous is None or previous in ids:
            return ids
        ids.append(previous)
        current = previous


# --- annual data update ----------------------------------------------------------------------------

def open_campaign(tenant, form, actor) -> UpdateCampaign:
    """The admin opens a data-update campaign: every active file gets the window's last day as due date."""
    data = _load(schemas.CampaignSchema(), form)
    campaign = UpdateCampaign(title=data["title"], opens_on=data["opens_on"], closes_on=data["closes_on"],
                              created_by_id=actor.id)
    db.session.add(campaign)
    db.session.flush()
    ids = db.session.scalars(sa.select(Beneficiary.id).where(Beneficiary.status == FileStatus.active)
                             .order_by(Beneficiary.id)).all()
    db.session.add_all(FileUpdate(campaign_id=campaign.id, beneficiary_id=i, due_on=campaign.closes_on) for i in ids)
    db.session.flush()
    audit.record("update_campaign.open", campaign, actor=actor,
                 after={"title": campaign.title, "opens_on": campaign.opens_on.isoformat(),
                        "closes_on": campaign.closes_on.isoformat(), "files": len(ids)})
    return campaign


def pending_update(beneficiary) -> FileUpdate | None:
    return db.session.scalar(sa.select(FileUpdate).where(FileUpdate.beneficiary_id == beneficiary.id,
                                                         FileUpdate.done_at.is_(None))
                             .order_by(FileUpdate.id.desc()).limit(1))


def record_update(tenant, beneficiary, form, actor) -> FileUpdate:
    """Staff recorded the file's data update; a freeze for late documents is lifted by it."""
    data = _load(schemas.UpdateSchema(), form)
    if data["version"] != beneficiary.version:
        raise ConflictError(CONFLICT)
    update = pending_update(beneficiary)
    if update is None:
        raise IllegalTransition(_("No data update is due for this file."))
    if beneficiary.status not in LIVE:
        raise IllegalTransition(_("This file is “{status}”: this is not possible now.").format(
            status=FileStatus(beneficiary.status).label))
    update.done_at, update.done_by_id, update.note = utcnow(), actor.id, data["note"]
    if beneficiary.status in (FileStatus.frozen, FileStatus.exclusion_due):
        beneficiary_responded(beneficiary, data["note"], actor)
    else:
        beneficiary.updated_at = utcnow()
        db.session.flush()
        note(beneficiary.id, "file", _("Annual data update recorded: {note}").format(note=data["note"]), actor)
    audit.record("file.update_recorded", update, actor=actor,
                 after={"file_number": beneficiary.file_number, "campaign": update.campaign_id})
    return update


def lapse_updates(tenant, on: date) -> int:
    """Files whose update is past due: frozen for late documents (a job; each file once)."""
    def lapse(update):
        beneficiary = db.session.get(Beneficiary, update.beneficiary_id)
        if beneficiary.status == FileStatus.active:
            freeze = _freeze(tenant, beneficiary, "late_documents", _("The data update was due on {date}.").format(
                date=isolate(update.due_on.isoformat())), None, on)
            db.session.flush()
            update.freeze_id = freeze.id

    return _each_claimed(tenant, FileUpdate, "lapsed_at", [FileUpdate.due_on < on],
                         [FileUpdate.done_at.is_(None)], lapse)
