"""Staff routes: support requests (intake, the state machine's actions, documents, attachments)."""
from functools import lru_cache

import sqlalchemy as sa
from flask import abort, g, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.staff import verification
from blueprints.staff.base import EDITORS, READERS, bp, can, done, finish, get_or_404, refused, show
from blueprints.staff.casework import Present, load_request, load_request_page
from core import audit, storage
from core.beneficiaries import vocabulary
from core.beneficiaries.errors import WorkflowError
from core.beneficiaries.models import Beneficiary
from core.confidentiality import access
from core.extensions import db
from core.messaging.compose import isolate
from core.messaging.models import OutboxMessage
from core.modules import enabled
from core.notifications import operations as notifications
from core.portal import operations as portal
from core.settings import channels
from core.tenancy import reused
from core.web import arg_id, roles_required
from core.workflow import attachments, operations, queries
from core.workflow.deadlines import days_left, is_overdue, sla_days, today
from core.workflow.models import Attachment, RequestDocument, SupportRequest
from core.workflow.services import DECLARATION_TEXT, DECLARATION_VERSION, SERVICE_KINDS, services
from core.workflow.states import Action, RequestState


def list_filters(args) -> dict:
    """The requests list's filters from the query string (the list and its exports read the same)."""
    return {
        "state": args.get("state") if args.get("state") in set(RequestState) else None,
        "channel": args.get("channel") or None,
        "category": args.get("category") or None,
        "researcher_id": arg_id("researcher"),
        "overdue": args.get("overdue") == "1",
        "queue": args.get("queue") if args.get("queue") in queries.REQUEST_QUEUES else None,
    }


@bp.get("/requests")
@roles_required(*READERS)
def requests_list():
    filters = list_filters(request.args)
    page = queries.list_requests(**filters, after=arg_id("after"), brief=True)
    from blueprints.staff.home import QUEUES
    from core.beneficiaries.operations import researcher_choices

    return show("staff/requests.html", page=page, filters=filters, states=list(RequestState),
                queues={name: QUEUES[name] for name in queries.REQUEST_QUEUES},
                channels=channels(g.tenant), category_labels=vocabulary.category_labels(g.tenant),
                researchers=researcher_choices(), today=today())


@bp.route("/beneficiaries/<int:beneficiary_id>/requests/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_request(beneficiary_id: int):
    beneficiary = get_or_404(Beneficiary, beneficiary_id)
    access.require(beneficiary)

    def render(**context):
        return show("staff/request_new.html", b=beneficiary, channels=channels(g.tenant),
                    services=services(g.tenant, offered_only=True), **context)

    if request.method == "GET":
        return render(values={})
    try:
        support_request = operations.open_request(g.tenant, beneficiary, request.form,
                                                  current_user._get_current_object())
    except WorkflowError as exc:
        return refused(exc, render, values=request.form.to_dict())
    return done(_("Request {reference} was received.").format(
        reference=isolate(support_request.reference)),
                "staff.request_detail", request_id=support_request.id)


def _load(request_id: int) -> SupportRequest:
    return load_request(request_id)


@lru_cache(maxsize=1)
def _request_lists() -> tuple[sa.Select, sa.Select]:
    """The statements of a request page's attachments and messages, built once (`:request_id`)."""
    request_id = sa.bindparam("request_id")
    return (reused(sa.select(Attachment).where(Attachment.request_id == request_id, Attachment.deleted_at.is_(None))
                   .order_by(Attachment.id)),
            reused(sa.select(OutboxMessage).where(OutboxMessage.request_id == request_id).order_by(OutboxMessage.id)))


def _detail(support_request, present: Present, status=200, **context):
    """The request's page, loaded by `load_request_page` (its people joined; `present` names the lists that
    hold anything, the others are not asked for)."""
    documents = operations.documents_of(support_request) if "documents" in present else []
    files, messages = (db.session.scalars(statement, {"request_id": support_request.id}).all() if name in present
                       else [] for name, statement in zip(("attachments", "messages"), _request_lists(), strict=True))
    r = support_request
    people = {person.id: person for person in (r.received_by, r.decided_by, r.served_by, r.manager) if person}
    body = operations.review_body(g.tenant)
    if enabled(g.tenant, verification.MODULE):
        context["verification"] = verification.context_for(support_request)
    return show("staff/request.html", r=support_request, b=support_request.beneficiary, documents=documents,
                files=files, messages=messages, people=people,
                actions=operations.possible_actions(support_request, current_user, g.roles),
                Action=Action, RequestState=RequestState, review_body=body, reviewers=operations.reviewers,
                review=(g.tenant.settings or {}).get("review", {}), sla_days=sla_days(g.tenant),
                overdue=is_overdue(support_request), days_left=days_left(support_request),
                declaration_text=DECLARATION_TEXT, declaration_version=DECLARATION_VERSION,
                service_kinds=SERVICE_KINDS, service_labels={s.code: s for s in services(g.tenant)},
                channels=channels(g.tenant), may_edit=can(*EDITORS), today=today(),
                online=portal.application_for(support_request), lists_present=present,
                decision_told=(support_request.state != RequestState.rejected
                               or operations.decision_told(support_request)),
                values=context.pop("values", {}), **context), status


@bp.get("/requests/<int:request_id>")
@roles_required(*READERS)
def request_detail(request_id: int):
    support_request, present = load_request_page(request_id)
    audit.record_read("request.view", support_request, after={"reference": support_request.reference})
    notifications.read_about_request(current_user, support_request.id)
    page = _detail(support_request, present)
    db.session.commit()  # after rendering: committing expires what the page reads
    return page


def _again(request_id, **context):
    db.session.rollback()
    return _detail(*load_request_page(request_id), **context)[0]


#: Actions that cannot be taken back: each asks for a confirmation after its checks pass.
IRREVERSIBLE = frozenset({Action.accept, Action.reject, Action.close, Action.withdraw})


def _confirmation(support_request, action) -> dict | None:
    if action not in IRREVERSIBLE:
        return None
    warning = None
    if action == Action.close and support_request.state == RequestState.rejected \
            and not operations.decision_told(support_request):
        warning = _("The beneficiary has not been told of the rejection yet. Closing the request takes it off "
                    "the “not told yet” list; the reason you gave is kept in the file's timeline and the audit log.")
    return {"title": Action(action).label, "warning": warning,
            "record": _("Request {reference} of {name}").format(reference=isolate(support_request.reference),
                                                                 name=support_request.beneficiary.name)}


@bp.post("/requests/<int:request_id>/actions/<action>")
@roles_required(*READERS)
def request_action(request_id: int, action: str):
    if action not in set(Action):
        abort(404)
    support_request = _load(request_id)
    confirm = _confirmation(support_request, action)
    try:
        operations.apply_action(g.tenant, support_request, Action(action), request.form,
                                current_user._get_current_object(), g.roles)
    except WorkflowError as exc:
        return refused(exc, lambda **c: _again(request_id, **c), values=request.form.to_dict(), failed=action)
    return finish(_("Request {reference}: {state}.").format(
        reference=isolate(support_request.reference), state=RequestState(support_request.state).label),
                  "staff.request_detail", lambda **c: _again(request_id, **c), confirm=confirm, failed=action,
                  request_id=request_id)


@bp.post("/requests/<int:request_id>/documents/<int:document_id>")
@roles_required(*EDITORS)
def request_document(request_id: int, document_id: int):
    support_request = _load(request_id)
    document = get_or_404(RequestDocument, document_id)
    if document.request_id != support_request.id:
        abort(404)
    try:
        operations.update_document(support_request, document, request.form, current_user._get_current_object())
    except WorkflowError as exc:
        return refused(exc, lambda **c: _again(request_id, **c), values=request.form.to_dict(),
                       failed=f"document-{document_id}")
    return done(_("The checklist was updated."), "staff.request_detail", request_id=request_id)


@bp.post("/requests/<int:request_id>/attachments")
@roles_required(*EDITORS)
def request_attachment(request_id: int):
    support_request = _load(request_id)
    try:
        attachments.store(support_request, request.files.get("file"), request.form.get("document_id"),
                          current_user._get_current_object())
    except WorkflowError as exc:
        return refused(exc, lambda **c: _again(request_id, **c), values=request.form.to_dict(), failed="attach")
    return done(_("The file was attached."), "staff.request_detail", request_id=request_id)


@bp.get("/attachments/<int:attachment_id>")
@roles_required(*READERS)
def attachment(attachment_id: int):
    found = get_or_404(Attachment, attachment_id)
    _load(found.request_id)  # the file's confidentiality applies to its attachments
    if found.deleted_at is not None:  # removed as wrong: kept for the audit, no longer served
        abort(404)
    try:
        content = storage.uploads().open(attachments.key_of(found))
    except FileNotFoundError:
        abort(404)
    audit.record("request.attachment.view", found, after={"name": found.original_name})
    db.session.commit()
    return send_file(content, mimetype=found.content_type, as_attachment=True,
                     download_name=attachments.download_name(found), max_age=0)


@bp.post("/requests/<int:request_id>/notified")
@roles_required(*EDITORS)
def request_notified(request_id: int):
    support_request = _load(request_id)
    try:
        operations.record_notified(g.tenant, support_request, request.form, current_user._get_current_object())
    except WorkflowError as exc:
        return refused(exc, lambda **c: _again(request_id, **c), values=request.form.to_dict(), failed="notified")
    return done(_("The notification was recorded."), "staff.request_detail", request_id=request_id)
