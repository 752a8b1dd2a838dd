"""Staff routes for complaints (module `grievances`): confidential to the executive director, tenant admins
and the users added to each complaint; every view is audited."""
import sqlalchemy as sa
from flask import abort, g, request, send_file
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from blueprints.staff.base import bp, done, finish, get_or_404, refused, show
from core.beneficiaries.errors import FormErrors, WorkflowError
from core.beneficiaries.models import Beneficiary
from core.changes import operations as changes
from core.changes.schemas import KINDS
from core.extensions import db
from core.grievances import operations, rules
from core.grievances.models import Complaint, ComplaintAttachment
from core.grievances.schemas import NOTIFY_VIA, OUTCOMES
from core.grievances.states import OPEN_STATES, Action, ComplaintState, possible
from core.messaging.compose import isolate
from core.roles import Role
from core.web import roles_required
from core.workflow.deadlines import today

ANY_MEMBER = tuple(Role)


@bp.before_request
def _module_on():
    if request.endpoint and request.endpoint.startswith("staff.complaint") and not operations.enabled(g.tenant):
        abort(404)


def _user():
    return current_user._get_current_object()


def _open(complaint_id: int) -> Complaint:
    """The complaint, or 404 for anyone not allowed to open it (its existence is not confirmed)."""
    complaint = get_or_404(Complaint, complaint_id)
    if not operations.may_open(complaint, _user(), g.roles):
        abort(404)
    return complaint


@bp.get("/complaints")
@roles_required(*ANY_MEMBER)
def complaints():
    return complaints_page(overdue=request.args.get("overdue") == "1")


def complaints_page(overdue=False, **context):
    """Open complaints first, the earliest deadline first; overdue ones are marked (or alone with ?overdue=1)."""
    query = sa.select(Complaint).where(operations.visible_to(_user(), g.roles))
    if overdue:
        query = query.where(operations.overdue_condition(today()))
    rows = db.session.scalars(query.order_by(Complaint.state.not_in(list(OPEN_STATES)), Complaint.decision_due,
                                             Complaint.id).limit(200)).all()
    return show("staff/complaints.html", rows=rows, today=today(), overdue=overdue, ComplaintState=ComplaintState,
                open_states=OPEN_STATES, is_handler=Role.executive_director in g.roles,
                members=operations.staff_members(), **context)


@bp.post("/complaints/bulk")
@roles_required(Role.executive_director)
def complaints_bulk():
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()][:200]
    chosen = [_open(i) for i in ids]
    action = request.form.get("action")
    try:
        if action == "close":
            count = operations.close_many(g.tenant, chosen, request.form.get("note", "").strip(), _user(), g.roles)
        elif action == "assign":
            if not chosen:
                raise FormErrors({"ids": _("Tick at least one complaint.")})
            user_id = request.form.get("user_id", type=int)
            count = sum(operations.add_member(c, user_id, _user(), g.roles) for c in chosen)
        else:
            abort(400)
    except WorkflowError as exc:
        return refused(exc, lambda **c: complaints_page(**c))
    return done(ngettext("%(num)d complaint updated.", "%(num)d complaints updated.", count), "staff.complaints")


@bp.route("/complaints/new", methods=["GET", "POST"])
@roles_required(*operations.PAPER_ENTRY)
def complaint_paper():
    """A complaint handed in by hand in a sealed envelope, typed in by the office."""
    def render(**context):
        context.setdefault("values", {})
        return show("staff/complaint_new.html", window=rules.FILING_WINDOW_DAYS, **context)

    if request.method == "GET":
        return render()
    try:
        complaint = operations.file_complaint(g.tenant, request.form, request.files.getlist("attachments"),
                                              received_via="sealed_envelope", language=request.form.get(
                                                  "language") if request.form.get("language") in ("ar", "en")
                                              else "ar", actor=_user())
    except WorkflowError as exc:
        return refused(exc, render, values=request.form.to_dict())
    return done(_("Complaint {reference} was recorded.").format(reference=complaint.reference),
                "staff.complaints")


def _detail(complaint, **context):
    beneficiary = db.session.get(Beneficiary, complaint.beneficiary_id) if complaint.beneficiary_id else None
    from core.calendar import local_date

    return show("staff/complaint.html", c=complaint, b=beneficiary, ComplaintState=ComplaintState, Action=Action,
                actions=possible(complaint.state) if Role.executive_director in g.roles else [],
                attachments=operations.attachments_of(complaint), outcomes=list(OUTCOMES.items()),
                notify_via=list(NOTIFY_VIA.items()), kinds=list(KINDS.items()), today=today(),
                holidays=rules.holidays_counted(g.tenant, local_date(complaint.submitted_at), complaint.decision_due),
                members=operations.staff_members(), values=context.pop("values", {}), **context)


@bp.get("/complaints/<int:complaint_id>")
@roles_required(*ANY_MEMBER)
def complaint_detail(complaint_id: int):
    complaint = _open(complaint_id)
    operations.record_view(complaint)
    page = _detail(complaint)
    db.session.commit()
    return page


def _again(complaint_id, **context):
    db.session.rollback()
    return _detail(_open(complaint_id), **context)


@bp.post("/complaints/<int:complaint_id>/actions/<action>")
@roles_required(*ANY_MEMBER)
def complaint_action(complaint_id: int, action: str):
    if action not in set(Action):
        abort(404)
    complaint = _open(complaint_id)
    try:
        operations.act(g.tenant, complaint, Action(action), request.form, _user(), g.roles)
    except WorkflowError as exc:
        return refused(exc, lambda **c: _again(complaint_id, **c), values=request.form.to_dict(), failed=action)
    confirm = None
    if action in (Action.decide, Action.close, Action.refer):  # cannot be taken back: ask first
        confirm = {"title": Action(action).label, "warning": None,
                   "record": _("Complaint {reference}").format(reference=isolate(complaint.reference))}
    return finish(_("Complaint {reference}: {state}.").format(
        reference=complaint.reference, state=ComplaintState(complaint.state).label),
                  "staff.complaint_detail", lambda **c: _again(complaint_id, **c), confirm=confirm, failed=action,
                  complaint_id=complaint_id)


@bp.post("/complaints/<int:complaint_id>/change-request")
@roles_required(Role.executive_director)
def complaint_change_request(complaint_id: int):
    """The complaint shows wrong data on the complainant's file: open a data-correction change request."""
    complaint = _open(complaint_id)
    if complaint.beneficiary_id is None:
        abort(404)
    beneficiary = get_or_404(Beneficiary, complaint.beneficiary_id)
    try:
        change = changes.submit(beneficiary, request.form, source="complaint", complaint=complaint, actor=_user())
    except WorkflowError as exc:
        return refused(exc, lambda **c: _again(complaint_id, **c), values=request.form.to_dict(), failed="change")
    return done(_("A change request was opened on the file."), "staff.change_detail", change_id=change.id)


@bp.get("/complaints/attachments/<int:attachment_id>")
@roles_required(*ANY_MEMBER)
def complaint_attachment(attachment_id: int):
    found = get_or_404(ComplaintAttachment, attachment_id)
    complaint = _open(found.complaint_id)
    from core import audit, storage
    from core.workflow.attachments import key_of

    try:
        content = storage.uploads().open(key_of(found))
    except FileNotFoundError:
        abort(404)
    audit.record("complaint.attachment.view", found, after={"reference": complaint.reference})
    db.session.commit()
    return send_file(content, mimetype=found.content_type, as_attachment=True, download_name=found.original_name,
                     max_age=0)
