"""Recording the rights_duties module's events; each is audited, noted on the file and, where the
beneficiary must be told, written to the outbox in their language."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from core import audit
from core.beneficiaries.errors import FormErrors, IllegalTransition, NotAllowed
from core.beneficiaries.fields import first_errors
from core.beneficiaries.operations import researchers
from core.extensions import db
from core.messaging.compose import enqueue_about_file
from core.models import TenantRole, User
from core.models.base import utcnow
from core.rights import schemas
from core.rights.models import FamilyInvolvement, ResearcherChange, RightsAcknowledgement
from core.roles import Role
from core.workflow.deadlines import today
from core.workflow.models import SupportRequest
from core.workflow.operations import note

MODULE = "rights_duties"
#: "decided by management" (004: «بعد إقناع إدارة الجمعية بمبرراته»).
MANAGEMENT = frozenset({Role.reviewer, Role.executive_director})


def _load(schema, form):
    try:
        return schema.load_form(form)
    except ValidationError as exc:
        raise FormErrors(first_errors(exc.messages)) from exc


def acknowledge(tenant, beneficiary, form, actor) -> RightsAcknowledgement:
    """Record that the beneficiary acknowledged the rights and duties of the policy now public."""
    from core.policy.versions import public_version

    data = _load(schemas.AcknowledgementSchema(), form)
    version = public_version(tenant)
    ack = RightsAcknowledgement(
        beneficiary_id=beneficiary.id, acknowledged_on=data.get("acknowledged_on") or today(), method=data["method"],
        policy_version=getattr(version, "number", None), text_fingerprint=getattr(version, "fingerprint", None),
        recorded_by_id=actor.id)
    db.session.add(ack)
    db.session.flush()
    audit.record("rights.acknowledge", ack, actor=actor, after={
        "file_number": beneficiary.file_number, "method": ack.method, "policy_version": ack.policy_version})
    note(beneficiary.id, "file", _("Rights and duties acknowledged ({method}), policy version {version}.").format(
        method=schemas.ACK_METHODS[ack.method], version=ack.policy_version or "—"), actor)
    return ack


def acknowledgements_of(beneficiary) -> list[RightsAcknowledgement]:
    return list(db.session.scalars(sa.select(RightsAcknowledgement).where(
        RightsAcknowledgement.beneficiary_id == beneficiary.id).order_by(RightsAcknowledgement.id.desc())))


def request_researcher_change(tenant, beneficiary, form, actor) -> ResearcherChange:
    data = _load(schemas.ResearcherChangeSchema(), form)
    if pending_change(beneficiary) is not None:
        raise IllegalTransition(_("A request to change the social researcher is already waiting for a decision."))
    change = ResearcherChange(beneficiary_id=beneficiary.id, current_researcher_id=beneficiary.researcher_id,
                              reasons=data["reasons"], requested_on=data.get("requested_on") or today(),
                              recorded_by_id=actor.id)
    db.session.add(change)
    db.session.flush()
    audit.record("rights.researcher_change.request", change, actor=actor,
                 after={"file_number": beneficiary.file_number, "reasons": change.reasons})
    note(beneficiary.id, "file", _("The beneficiary asked for another social researcher: {reasons}").format(
        reasons=change.reasons), actor)
    return change


def pending_change(beneficiary) -> ResearcherChange | None:
    return db.session.scalar(sa.select(ResearcherChange).where(
        ResearcherChange.beneficiary_id == beneficiary.id, ResearcherChange.status == "pending"))


def decide_researcher_change(tenant, beneficiary, change: ResearcherChange, form, actor, roles) -> ResearcherChange:
    """Management approves (a new researcher) or refuses (with the reason); the beneficiary is told."""
    if not MANAGEMENT & set(map(str, roles)):
        raise NotAllowed(_("Only management decides a change of social researcher."))
    if change.status != "pending":
        raise IllegalTransition(_("This request was already decided."))
    data = _load(schemas.ResearcherDecisionSchema(), form)
    new = None
    if data["outcome"] == "approved":
        new = next((u for u in researchers() if u.id == data["new_researcher_id"]), None)
        if new is None or new.id == beneficiary.researcher_id:
            raise FormErrors({"new_researcher_id": str(_l("Choose another of the association's social "
                                                           "researchers."))})
        beneficiary.researcher_id = new.id
        beneficiary.updated_at = utcnow()
        change.new_researcher_id = new.id
    change.status, change.decision_note = data["outcome"], data.get("note")
    change.decided_by_id, change.decided_at = actor.id, utcnow()
    db.session.flush()
    audit.record("rights.researcher_change.decide", change, actor=actor, after={
        "file_number": beneficiary.file_number, "outcome": change.status, "new_researcher": getattr(new, "id", None),
        "note": change.decision_note})
    outcome = _("approved: your new social researcher is {name}").format(name=new.name) if new else \
        _("not approved: {reason}").format(reason=change.decision_note)
    note(beneficiary.id, "file", _("Change of social researcher {outcome}.").format(outcome=outcome), actor)
    enqueue_about_file(f"researcher_change_{change.status}", beneficiary, lambda language: (
        _("Your request to change your social researcher"),
        _("Dear {name},\n\nYour request to change your social researcher at {association} was {outcome}.")
        .format(name=beneficiary.name, association=tenant.name(language),
                outcome=_("approved: your new social researcher is {name}").format(name=new.name) if new else
                _("not approved: {reason}").format(reason=change.decision_note))))
    return change


def changes_of(beneficiary) -> list[ResearcherChange]:
    return list(db.session.scalars(sa.select(ResearcherChange).where(
        ResearcherChange.beneficiary_id == beneficiary.id).order_by(ResearcherChange.id.desc())))


def service_providers(beneficiary) -> list[tuple[User, list[str]]]:
    """Who serves the beneficiary (004: «معرفة أسماء ومسميات مقدمي الخدمة»): the researcher and everyone who
    received, decided or served one of their requests, each with their titles (roles) in the association."""
    ids = [beneficiary.researcher_id] if beneficiary.researcher_id else []
    for row in db.session.execute(sa.select(SupportRequest.received_by_id, SupportRequest.decided_by_id,
                                            SupportRequest.served_by_id)
                                  .where(SupportRequest.beneficiary_id == beneficiary.id)):
        ids.extend(i for i in row if i)
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
    roles: dict[int, list[str]] = {}
    for user_id, role in db.session.execute(sa.select(TenantRole.user_id, TenantRole.role)
                                            .where(TenantRole.user_id.in_(ids)).order_by(TenantRole.role)):
        roles.setdefault(user_id, []).append(role)
    return [(users[i], roles.get(i, [])) for i in ids if i in users]


def tell_service_providers(tenant, beneficiary, actor):
    """Send the beneficiary the names and titles of their researcher and service providers."""
    providers = service_providers(beneficiary)
    if not providers:
        raise IllegalTransition(_("No one serves this file yet: assign a social researcher first."))

    def texts(language):
        lines = "\n".join(f"- {u.name}: {_(', ').join(str(Role(r).label) for r in roles)}" for u, roles in providers)
        phone = ((tenant.settings or {}).get("contact") or {}).get("phone") or ""
        body = _("Dear {name},\n\nThe people who serve you at {association}:\n{lines}\n\nYou can reach them through "
                 "the association{phone}.").format(name=beneficiary.name, association=tenant.name(language),
                                                    lines=lines, phone=f" ({phone})" if phone else "")
        return _("Who serves you at {association}").format(association=tenant.name(language)), body

    message = enqueue_about_file("service_providers", beneficiary, texts)
    if message is None:
        raise IllegalTransition(_("The file has no mobile and no e-mail: tell the beneficiary in person."))
    db.session.flush()
    audit.record("rights.providers_told", beneficiary, actor=actor,
                 after={"file_number": beneficiary.file_number, "people": [u.id for u, _r in providers]})
    note(beneficiary.id, "message", message.subject, actor, channel=message.medium, direction="out")
    return message


def involve_family_member(tenant, beneficiary, form, actor) -> FamilyInvolvement:
    data = _load(schemas.FamilyMemberSchema(), form)
    involvement = FamilyInvolvement(beneficiary_id=beneficiary.id, recorded_by_id=actor.id, **data)
    db.session.add(involvement)
    db.session.flush()
    audit.record("rights.family_member", involvement, actor=actor,
                 after={"file_number": beneficiary.file_number, "name": involvement.name,
                        "relation": involvement.relation})
    note(beneficiary.id, "file", _("Family member involved in decisions: {name} ({relation}).").format(
        name=involvement.name, relation=involvement.relation), actor)
    return involvement


def family_of(beneficiary) -> list[FamilyInvolvement]:
    return list(db.session.scalars(sa.select(FamilyInvolvement).where(
        FamilyInvolvement.beneficiary_id == beneficiary.id, FamilyInvolvement.ended_at.is_(None))
        .order_by(FamilyInvolvement.id)))
