"""Changing support requests: intake, the state machine's actions, documents, contacts, notifications.

Each operation checks, writes, flushes, audits and adds what the beneficiary is told to the outbox, all
in the caller's transaction; a domain error means nothing was written.
"""
from functools import lru_cache

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy.orm.exc import StaleDataError

from core import audit, settings
from core.beneficiaries.errors import ConflictError, FormErrors, IllegalTransition, NotAllowed
from core.beneficiaries.fields import first_errors
from core.beneficiaries.models import Beneficiary
from core.beneficiaries.numbering import next_number
from core.beneficiaries.operations import CONFLICT, plain
from core.extensions import db
from core.i18n import locale_code
from core.lifecycle.states import new_request_refusal, service_refusal
from core.messaging import compose
from core.messaging.compose import isolate
from core.models import TenantRole, User
from core.models.base import utcnow
from core.models.keys import get_in_tenant
from core.roles import Role
from core.signals import request_changed, request_opened, request_transition
from core.tenancy import reused
from core.workflow import schemas
from core.workflow.deadlines import decision_due, sla_days, today
from core.workflow.models import Interaction, RequestDocument, SupportRequest
from core.workflow.services import DECLARATION_TEXT, DECLARATION_VERSION, service, services
from core.workflow.states import TRANSITIONS, Action, RequestState, possible


def flush_or_conflict() -> None:
    """Flush; a row whose version moved under us (another save won the race) is a 409, not a 500."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(CONFLICT) from exc


def _load(schema, form):
    try:
        return schema.load_form(form)
    except ValidationError as exc:
        raise FormErrors(first_errors(exc.messages)) from exc


def channel_codes(tenant) -> list[str]:
    return [c.code for c in settings.channels(tenant)]


def review_body(tenant) -> str:
    return ((tenant.settings or {}).get("review") or {}).get("body", "committee")


def reviewers() -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(TenantRole, TenantRole.user_id == User.id)
        .where(TenantRole.role == Role.reviewer, User.disabled_at.is_(None)).order_by(User.name)).unique())


def note(beneficiary_id, kind, summary, actor=None, request=None, channel=None, direction=None) -> Interaction:
    entry = Interaction(beneficiary_id=beneficiary_id, request_id=getattr(request, "id", None), kind=kind,
                        summary=summary, channel=channel, direction=direction, user_id=getattr(actor, "id", None))
    db.session.add(entry)
    return entry


def _message(kind, tenant, beneficiary, request, actor):
    message = compose.enqueue(kind, tenant, beneficiary, request)
    if message is not None:
        note(beneficiary.id, "message", message.subject, actor, request, channel=message.medium, direction="out")
    return message


def open_request(tenant, beneficiary, form, actor, acknowledge: bool = True) -> SupportRequest:
    """Reception: a new request in state received, its documents checklist, the acknowledgement message.

    `actor` is None when the beneficiary applied online; the portal then sends its own acknowledgement
    (`acknowledge=False`) with the expected decision date."""
    refusal = new_request_refusal(beneficiary.status)
    if refusal:
        raise IllegalTransition(refusal)
    offered = [s.code for s in services(tenant, offered_only=True)]
    data = _load(schemas.IntakeSchema(channels=channel_codes(tenant), services=offered), form)
    now = utcnow()
    year = today().year
    request = SupportRequest(
        reference=f"{year}-{next_number(f'request-{year}'):05d}", beneficiary_id=beneficiary.id,
        state=RequestState.received, channel=data["channel"], office=data.get("office"), service=data["service"],
        details=data.get("details"), received_at=now, received_by_id=getattr(actor, "id", None))
    request.documents = [RequestDocument(code=d.code, label_ar=d.label_ar, label_en=d.label_en)
                         for d in service(tenant, data["service"]).documents]
    db.session.add(request)
    db.session.flush()
    note(beneficiary.id, "contact",
         _("Support request {reference} received.").format(reference=isolate(request.reference)),
         actor, request, channel=request.channel, direction="in")
    note(beneficiary.id, "state", RequestState.received, actor, request)
    audit.record("request.create", request, after={
        "reference": request.reference, "beneficiary": beneficiary.file_number, "channel": request.channel,
        "office": request.office, "service": request.service, "state": request.state})
    if acknowledge:
        _message("request_received", tenant, beneficiary, request, actor)
    request_opened.send(tenant, request=request, actor=actor)
    return request


# --- the state machine's actions -----------------------------------------------------------------

SERVING = frozenset({Action.accept, Action.register, Action.serve})


def _check(request, action: Action, roles, actor=None) -> None:
    transition = TRANSITIONS[action]
    if not transition.roles & set(roles):
        raise NotAllowed(_("Your role does not allow you to “{action}”.").format(action=action.label))
    if actor is not None and action in (Action.accept, Action.reject):
        _check_decider(request, actor)
    if request.state not in transition.sources:
        raise IllegalTransition(_("This request is “{state}”: “{action}” is not possible now.").format(
            state=RequestState(request.state).label, action=action.label))
    if action in SERVING:
        refusal = service_refusal(db.session.get(Beneficiary, request.beneficiary_id).status)
        if refusal:
            raise IllegalTransition(refusal)


def _check_decider(request, actor) -> None:
    """Separation of duties: who received a request never decides it; a request sent to one manager is
    decided by that manager only."""
    if request.received_by_id == actor.id:
        raise NotAllowed(_("You received this request: another person must decide it (separation of duties)."))
    if request.review_body == "manager" and request.manager_id != actor.id:
        raise NotAllowed(_("This request was sent to another manager: only that manager may decide it."))


def may_decide(request, actor) -> bool:
    try:
        _check_decider(request, actor)
    except NotAllowed:
        return False
    return True


def possible_actions(request, actor, roles) -> list[Action]:
    """The actions this person may take on the request now (deciders only where they may decide)."""
    return [a for a in possible(request.state, roles)
            if a not in (Action.accept, Action.reject) or may_decide(request, actor)]


def _declare(tenant, request, data, actor):
    missing = [d.label(locale_code()) for d in documents_of(request) if d.received_on is None]
    if missing:
        raise IllegalTransition(_("These required documents have not been received: {items}.").format(
            items=_(", ").join(missing)))
    language = db.session.get(Beneficiary, request.beneficiary_id).language or "ar"
    request.declaration_version = DECLARATION_VERSION
    request.declaration_text = DECLARATION_TEXT.get(language, DECLARATION_TEXT["ar"])
    request.declaration_method = data["method"]
    request.declared_at = utcnow()


def _send_to_review(tenant, request, data, actor):
    body = review_body(tenant)
    if body == "manager":
        data = _load(schemas.ManagerReviewSchema(), data["_form"])
        if data["manager_id"] not in {u.id for u in reviewers()}:
            raise FormErrors({"manager_id": str(_l("Choose one of the options."))})
        request.manager_id = data["manager_id"]
    request.review_body = body
    request.sent_to_review_at = utcnow()
    request.decision_due = decision_due(request.sent_to_review_at, sla_days(tenant))


def _decided(request, data, actor):
    """Who decided and when; a committee's decision records its meeting and the members present."""
    if request.review_body == "committee":
        meeting = _load(schemas.CommitteeReviewSchema(), data["_form"])
        request.committee_meeting_date = meeting["meeting_date"]
        request.committee_members = meeting["members"]
    request.decided_at, request.decided_by_id = utcnow(), actor.id


def _accept(tenant, request, data, actor):
    _decided(request, data, actor)
    request.decision_reason = data.get("note")


def _reject(tenant, request, data, actor):
    _decided(request, data, actor)
    request.decision_reason = data["reason"]


def _register(tenant, request, data, actor):
    request.registered_at = utcnow()


def _serve(tenant, request, data, actor):
    request.service_kind = data["kind"]
    request.service_amount = data.get("amount")
    request.service_description = data.get("description")
    request.served_on = data.get("served_on") or today()
    request.served_at, request.served_by_id = utcnow(), actor.id


def decision_told(request) -> bool:
    """The beneficiary knows the decision: staff recorded telling them, or its message was sent (delivery
    records that too, `core.workflow.hooks`)."""
    return request.decision_notified_at is not None


def _close(tenant, request, data, actor):
    if request.state == RequestState.rejected and not decision_told(request):
        # Closing hides the request from the "not told yet" queue: the person must say why, for the record.
        if not data.get("reason"):
            raise FormErrors({"reason": str(_l("The beneficiary has not been told of the rejection yet: "
                                               "say why the request is closed anyway."))})
        summary = _("Closed before the beneficiary was told of the rejection: {reason}").format(
            reason=data["reason"])
        note(request.beneficiary_id, "note", summary, actor, request)
        data["_audit"] = {"closed_before_told": True, "reason": data["reason"]}
    request.closed_at = utcnow()


def _withdraw(tenant, request, data, actor):
    request.withdrawn_at = utcnow()
    request.withdrawal_reason = data["reason"]


ACTIONS = {
    Action.check_documents: (schemas.NoteSchema, None),
    Action.declare: (schemas.DeclareSchema, _declare),
    Action.send_to_review: (schemas.ActionSchema, _send_to_review),
    Action.accept: (schemas.AcceptSchema, _accept),
    Action.reject: (schemas.RejectSchema, _reject),
    Action.register: (schemas.NoteSchema, _register),
    Action.serve: (schemas.ServeSchema, _serve),
    Action.close: (schemas.CloseSchema, _close),
    Action.withdraw: (schemas.WithdrawSchema, _withdraw),
}

MESSAGES = {
    Action.send_to_review: "under_review",
    Action.accept: "decision_accepted",
    Action.reject: "decision_rejected",
    Action.serve: "served",
}
#: The messages that tell the beneficiary the decision.
DECISION_MESSAGES = (MESSAGES[Action.accept], MESSAGES[Action.reject])

AUDITED_FIELDS = ("state", "declaration_version", "declaration_method", "declared_at", "review_body",
                  "committee_meeting_date", "committee_members", "manager_id", "decision_due", "decided_by_id",
                  "decision_reason", "registered_at", "service_kind", "service_amount", "service_description",
                  "served_on", "served_by_id", "closed_at", "withdrawal_reason")


def _state_of(request) -> dict:
    return {name: plain(getattr(request, name)) for name in AUDITED_FIELDS}


def apply_action(tenant, request: SupportRequest, action: Action, form, actor, roles) -> SupportRequest:
    """Move the request by one action of the state machine, or raise and change nothing."""
    _check(request, action, roles, actor)
    schema_class, apply = ACTIONS[action]
    data = _load(schema_class(), form)
    if data["version"] != request.version:
        raise ConflictError(CONFLICT)
    before = _state_of(request)
    data["_form"] = form
    request_transition.send(tenant, request=request, action=action, actor=actor)
    if apply is not None:
        apply(tenant, request, data, actor)
    request.state = TRANSITIONS[action].target
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(CONFLICT) from exc
    after = _state_of(request)
    changed = sorted(k for k in after if after[k] != before[k])
    note(request.beneficiary_id, "state", request.state, actor, request)
    audit.record(f"request.{action}", request, before={k: before[k] for k in changed},
                 after={"reference": request.reference, **{k: after[k] for k in changed},
                        **({"note": data["note"]} if data.get("note") else {}), **data.get("_audit", {})})
    if action in MESSAGES:
        _message(MESSAGES[action], tenant, db.session.get(Beneficiary, request.beneficiary_id), request, actor)
    request_changed.send(tenant, request=request, action=action, actor=actor)
    return request


# --- documents, contacts, notifications ----------------------------------------------------------

DOCUMENT_STATES = frozenset({RequestState.received, RequestState.documents_pending, RequestState.declared})


def update_document(request, document: RequestDocument, form, actor) -> RequestDocument:
    if request.state not in DOCUMENT_STATES:
        raise IllegalTransition(_("Documents can no longer be changed: the request was sent for a decision."))
    data = _load(schemas.DocumentSchema(), form)
    if data["version"] != document.version:
        raise ConflictError(CONFLICT)
    before = {"received_on": plain(document.received_on), "verified_on": plain(document.verified_on)}
    document.received_on = data.get("received_on") or document.received_on or (today() if data.get("verified")
                                                                                else None)
    if data.get("verified") and document.received_on:
        document.verified_on, document.verified_by_id = today(), actor.id
    elif not data.get("verified"):
        document.verified_on = document.verified_by_id = None
    document.note = data.get("note")
    flush_or_conflict()
    after = {"received_on": plain(document.received_on), "verified_on": plain(document.verified_on)}
    audit.record("request.document", document, before=before,
                 after={"reference": request.reference, "code": document.code, **after})
    label = document.label(locale_code())
    if document.verified_on:
        summary = _("Document verified: {label}").format(label=label)
    elif document.received_on:
        summary = _("Document received: {label}").format(label=label)
    else:
        summary = _("Document marked as not received: {label}").format(label=label)
    note(request.beneficiary_id, "document", summary, actor, request)
    return document


def log_contact(tenant, beneficiary, form, actor) -> Interaction:
    data = _load(schemas.InteractionSchema(channels=channel_codes(tenant)), form)
    request = _own_request(beneficiary, data.get("request_id"))
    entry = note(beneficiary.id, "contact", data["summary"], actor, request, channel=data["channel"],
                 direction=data["direction"])
    db.session.flush()
    audit.record("interaction.create", entry, after={"beneficiary": beneficiary.file_number,
                                                     "channel": entry.channel, "direction": entry.direction})
    return entry


def documents_of(request) -> list[RequestDocument]:
    return list(db.session.scalars(_documents_statement(), {"request_id": request.id}))


@lru_cache(maxsize=1)
def _documents_statement() -> sa.Select:
    return reused(sa.select(RequestDocument).where(RequestDocument.request_id == sa.bindparam("request_id"))
                  .order_by(RequestDocument.id))


def _own_request(beneficiary, request_id):
    if request_id is None:
        return None
    request = get_in_tenant(SupportRequest, request_id)
    if request is None or request.beneficiary_id != beneficiary.id:
        raise FormErrors({"request_id": str(_l("Choose one of the options."))})
    return request


def record_notified(tenant, request, form, actor) -> SupportRequest:
    """Staff told the beneficiary of the decision themselves (phone, in person …)."""
    if request.decided_at is None:
        raise IllegalTransition(_("There is no decision to notify yet."))
    data = _load(schemas.NotifiedSchema(), form)
    if data["channel"] not in channel_codes(tenant):
        raise FormErrors({"channel": str(_l("Choose one of the association's channels."))})
    if data["version"] != request.version:
        raise ConflictError(CONFLICT)
    request.decision_notified_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(CONFLICT) from exc
    summary = _("Decision on {reference} told to the beneficiary.").format(
        reference=isolate(request.reference))
    if data.get("note"):
        summary = f"{summary} {data['note']}"
    note(request.beneficiary_id, "contact", summary, actor, request, channel=data["channel"], direction="out")
    audit.record("request.notified", request, after={"reference": request.reference, "channel": data["channel"]})
    return request
