"""Staff routes: the documents checklist's comforts (all received at once, a wrong attachment removed,
attachments previewed inline) and corrections after intake (a request's channel, service and details;
a file's household and income rows)."""
from decimal import Decimal
from urllib.parse import quote

from flask import abort, g, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.staff.base import EDITORS, READERS, bp, done, get_or_404, refused, show
from blueprints.staff.casework import Present, load_file, load_request
from blueprints.staff.requests import _again
from core import audit, storage
from core.beneficiaries import corrections as file_corrections
from core.beneficiaries import vocabulary
from core.beneficiaries.errors import WorkflowError
from core.beneficiaries.models import HouseholdMember, IncomeSource
from core.extensions import db
from core.messaging.compose import isolate
from core.settings import channels
from core.web import roles_required
from core.workflow import attachments, corrections, queries
from core.workflow.models import Attachment
from core.workflow.services import services

#: What a preview may do inside the request page's frame: show itself, nothing else.
PREVIEW_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; " \
              "frame-ancestors 'self'"


@bp.post("/requests/<int:request_id>/documents/all-received")
@roles_required(*EDITORS)
def all_documents_received(request_id: int):
    support_request = load_request(request_id)
    try:
        corrections.receive_all(support_request, request.form, current_user._get_current_object())
    except WorkflowError as exc:
        return refused(exc, lambda **c: _again(request_id, **c), failed="all-received")
    return done(_("The missing documents were marked as received today."),
                "staff.request_detail", request_id=request_id)


def _attachment_of(request_id: int, attachment_id: int):
    support_request = load_request(request_id)
    found = get_or_404(Attachment, attachment_id)
    if found.request_id != support_request.id or found.deleted_at is not None:
        abort(404)
    return support_request, found


@bp.post("/requests/<int:request_id>/attachments/<int:attachment_id>/delete")
@roles_required(*EDITORS)
def delete_attachment(request_id: int, attachment_id: int):
    support_request, found = _attachment_of(request_id, attachment_id)
    try:
        corrections.discard_attachment(support_request, found, current_user._get_current_object())
    except WorkflowError as exc:
        return refused(exc, lambda **c: _again(request_id, **c), failed="attach")
    return done(_("The file {name} was removed from the request (it is kept in the audit log).").format(
        name=found.original_name), "staff.request_detail", request_id=request_id)


@bp.get("/requests/<int:request_id>/attachments/<int:attachment_id>/preview")
@roles_required(*READERS)
def preview_attachment(request_id: int, attachment_id: int):
    """The file shown inside the page (an <img> or an <iframe>), never downloaded."""
    _request, found = _attachment_of(request_id, attachment_id)
    try:
        content = storage.uploads().open(attachments.key_of(found))
    except FileNotFoundError:
        abort(404)
    audit.record("request.attachment.view", found, after={"name": found.original_name, "preview": True})
    db.session.commit()
    response = send_file(content, mimetype=found.content_type, max_age=0)
    name = attachments.download_name(found)
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response


# --- corrections after intake ---------------------------------------------------------------------

@bp.route("/requests/<int:request_id>/correct", methods=["GET", "POST"])
@roles_required(*EDITORS)
def correct_request(request_id: int):
    support_request = load_request(request_id)

    def render(r, **context):
        context.setdefault("values", {})
        return show("staff/request_correct.html", r=r, b=r.beneficiary, channels=channels(g.tenant),
                    services=services(g.tenant), refusal=corrections.correction_refusal(r), **context)

    if request.method == "GET":
        return render(support_request)
    try:
        corrections.correct_request(g.tenant, support_request, request.form, current_user._get_current_object())
    except WorkflowError as exc:
        return refused(exc, lambda **c: render(load_request(request_id), **c), values=request.form.to_dict())
    return done(_("Request {reference} was corrected.").format(reference=isolate(support_request.reference)),
                "staff.request_detail", request_id=request_id)


def _row(model, row_id: int, beneficiary_id: int):
    row = get_or_404(model, row_id)
    if row.beneficiary_id != beneficiary_id:
        abort(404)
    return row


def _correct_row(beneficiary_id: int, model, row_id: int, operation, template: str, message: str):
    b = load_file(beneficiary_id)
    row = _row(model, row_id, b.id)
    if request.method == "GET":
        return _row_form(beneficiary_id, model, row_id, template, values={})
    try:
        operation(b, row, request.form)
    except WorkflowError as exc:
        return refused(exc, lambda **c: _row_form(beneficiary_id, model, row_id, template, **c),
                       values=request.form.to_dict())
    return done(message, "staff.beneficiary", beneficiary_id=b.id)


def _row_form(beneficiary_id, model, row_id, template, **context):
    """The correction form, over the row as it is now (after a refusal: another person's save included)."""
    b = load_file(beneficiary_id)
    row = _row(model, row_id, b.id)
    return show(template, b=b, row=row, vocabulary=vocabulary, refusal=file_corrections.refusal(b), **context)


@bp.route("/beneficiaries/<int:beneficiary_id>/household/<int:member_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def correct_household_member(beneficiary_id: int, member_id: int):
    return _correct_row(beneficiary_id, HouseholdMember, member_id, file_corrections.correct_member,
                        "staff/household_correct.html", _("The household member was corrected."))


@bp.route("/beneficiaries/<int:beneficiary_id>/incomes/<int:income_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def correct_income(beneficiary_id: int, income_id: int):
    return _correct_row(beneficiary_id, IncomeSource, income_id, file_corrections.correct_income,
                        "staff/income_correct.html", _("The income source was corrected."))


# --- the household and income summary a decision needs --------------------------------------------

def household_summary(b, present: Present = Present.ALL) -> dict:
    """The file's household members and income sources, with the totals a reviewer weighs. `present`: the
    lists known to hold anything (`casework.load_request_page`); the others are not asked for."""
    members = queries.household_of(b.id) if "household" in present else []
    incomes = queries.incomes_of(b.id) if "incomes" in present else []
    total = sum((i.monthly_amount for i in incomes), Decimal("0"))
    people = len(members) + 1  # the beneficiary and the household
    return {"members": members, "incomes": incomes, "total": total, "people": people,
            "per_person": (total / people).quantize(Decimal("0.01")), "relations": vocabulary.RELATIONS,
            "income_kinds": vocabulary.INCOME_KINDS}


@bp.context_processor
def review_helpers():
    return {"household_summary": household_summary}
