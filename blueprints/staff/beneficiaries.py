"""Staff routes: beneficiary files (open, read, edit), household members, income sources."""
from functools import lru_cache

import sqlalchemy as sa
from flask import abort, g, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from blueprints.staff.base import EDITORS, READERS, REFERRERS, bp, can, done, get_or_404, refused, show
from blueprints.staff.casework import Present, load_file, load_file_page
from core import offerings
from core.beneficiaries import operations, vocabulary
from core.beneficiaries.errors import WorkflowError
from core.beneficiaries.models import Beneficiary, HouseholdMember, IncomeSource
from core.extensions import db
from core.identity import display_mobile
from core.messaging.compose import isolate
from core.messaging.models import OutboxMessage
from core.models import User
from core.settings import channels
from core.tenancy import reused
from core.web import arg_id, roles_required
from core.workflow import queries
from core.workflow import timeline as timeline_of
from core.workflow.deadlines import today
from core.workflow.models import Referral, SupportRequest
from core.workflow.services import services


def _form_context(**extra):
    return dict(categories=vocabulary.categories(g.tenant), researchers=operations.researchers(),
                inactive_categories=offerings.inactive_codes(g.tenant, "categories"),
                countries=vocabulary.countries(), today=today(), vocabulary=vocabulary, **extra)


def _values(beneficiary: Beneficiary) -> dict:
    values = {name: getattr(beneficiary, name) for name in operations.FILE_FIELDS}
    values["birth_date"] = beneficiary.birth_date.isoformat() if beneficiary.birth_date else ""
    values["birth_calendar"] = "gregorian"
    values["categories"] = beneficiary.category_codes
    values["version"] = beneficiary.version
    values["mobile"] = display_mobile(beneficiary.mobile)
    return values


def _form_values():
    values = request.form.to_dict()
    values["categories"] = request.form.getlist("categories")
    return values


@bp.get("/beneficiaries")
@roles_required(*READERS)
def beneficiaries():
    category = request.args.get("category") or None
    researcher_id = arg_id("researcher")
    page = queries.list_beneficiaries(category=category, researcher_id=researcher_id,
                                      after=arg_id("after"), brief=True)
    return show("staff/beneficiaries.html", page=page, category=category, researcher_id=researcher_id,
                category_labels=vocabulary.category_labels(g.tenant), researchers=operations.researcher_choices())


@bp.route("/beneficiaries/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_beneficiary():
    def render(**context):
        return show("staff/beneficiary_form.html", **_form_context(beneficiary=None, **context))

    if request.method == "GET":
        return render(values={"nationality": "SA", "language": "ar", "birth_calendar": "gregorian"})
    try:
        beneficiary = operations.create_beneficiary(g.tenant, request.form, current_user)
    except WorkflowError as exc:
        return refused(exc, render, values=_form_values())
    return done(_("File {number} was opened.").format(number=isolate(beneficiary.file_number)),
                "staff.beneficiary", beneficiary_id=beneficiary.id)


def _load(beneficiary_id: int) -> Beneficiary:
    """The file with its researcher, as the file page shows it; another tenant's file is not found, a
    confidential one is refused (core.confidentiality)."""
    return load_file(beneficiary_id)


@bp.get("/beneficiaries/<int:beneficiary_id>")
@roles_required(*READERS)
def beneficiary(beneficiary_id: int):
    b, present = load_file_page(beneficiary_id)
    operations.record_view(b)
    page = _detail(b, present)
    db.session.commit()  # after rendering: committing expires what the page reads
    return page


@lru_cache(maxsize=1)
def _file_lists() -> tuple[sa.Select, ...]:
    """The statements of the other lists on a file's page (requests, referrals, messages), built once:
    building them cost about as much as running them. Each takes the file's id as `:file_id`."""
    file_id = sa.bindparam("file_id")
    return tuple(map(reused, (
        sa.select(SupportRequest).where(SupportRequest.beneficiary_id == file_id)
        .order_by(SupportRequest.id.desc()),
        sa.select(Referral).where(Referral.beneficiary_id == file_id)
        .options(joinedload(Referral.asked_by).load_only(User.id, User.name),
                 joinedload(Referral.answered_by).load_only(User.id, User.name))
        .order_by(Referral.id.desc()),
        sa.select(OutboxMessage).where(OutboxMessage.beneficiary_id == file_id)
        .order_by(OutboxMessage.id.desc()),
    )))


def _detail(b, present: Present = Present.ALL, **context):
    """The file's page; `present` names the lists that hold anything (the others are not asked for)."""
    household = queries.household_of(b.id) if "household" in present else []
    incomes = queries.incomes_of(b.id) if "incomes" in present else []
    requests, referrals, messages = (
        db.session.scalars(statement, {"file_id": b.id}).all() if name in present else []
        for name, statement in zip(("requests", "referrals", "messages"), _file_lists(), strict=True))
    shown = timeline_of.chosen(request.args.get("timeline"))
    timeline = timeline_of.entries(b.id, shown) if "timeline" in present else []
    return show("staff/beneficiary.html", b=b, household=household, incomes=incomes, requests=requests,
                references={r.id: r.reference for r in requests},
                referrals=referrals, timeline=timeline, messages=messages, vocabulary=vocabulary,
                timeline_days=timeline_of.by_day(timeline), timeline_shown=shown, timeline_filters=timeline_of.FILTERS,
                countries=vocabulary.countries(), today=today(),
                category_labels=vocabulary.category_labels(g.tenant), channels=channels(g.tenant),
                services=services(g.tenant), may_edit=can(*EDITORS), may_refer=can(*REFERRERS),
                values=context.pop("values", {}), **context)


@bp.route("/beneficiaries/<int:beneficiary_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_beneficiary(beneficiary_id: int):
    b = _load(beneficiary_id)

    def render(**context):
        return show("staff/beneficiary_form.html", **_form_context(beneficiary=b, **context))

    if request.method == "GET":
        return render(values=_values(b))
    try:
        operations.update_beneficiary(g.tenant, b, request.form)
    except WorkflowError as exc:
        db.session.rollback()
        b = _load(beneficiary_id)
        values = _form_values()
        values["version"] = b.version  # the next save is against what is stored now
        return refused(exc, render, values=values, current=_values(b))
    return done(_("The file was saved."), "staff.beneficiary", beneficiary_id=b.id)


def _sub_action(beneficiary_id, operation, message, *args):
    b = _load(beneficiary_id)
    try:
        operation(b, *args)
    except WorkflowError as exc:
        return refused(exc, lambda **c: _detail(_load(beneficiary_id), **c), values=request.form.to_dict(),
                       failed=request.endpoint)
    return done(message, "staff.beneficiary", beneficiary_id=b.id)


@bp.post("/beneficiaries/<int:beneficiary_id>/household")
@roles_required(*EDITORS)
def add_household_member(beneficiary_id: int):
    return _sub_action(beneficiary_id, lambda b: operations.add_household_member(b, request.form),
                       _("The household member was added."))


@bp.post("/beneficiaries/<int:beneficiary_id>/household/<int:member_id>/delete")
@roles_required(*EDITORS)
def remove_household_member(beneficiary_id: int, member_id: int):
    member = get_or_404(HouseholdMember, member_id)
    if member.beneficiary_id != beneficiary_id:
        abort(404)
    return _sub_action(beneficiary_id, lambda b: operations.remove_household_member(b, member),
                       _("The household member was removed."))


@bp.post("/beneficiaries/<int:beneficiary_id>/incomes")
@roles_required(*EDITORS)
def add_income(beneficiary_id: int):
    return _sub_action(beneficiary_id, lambda b: operations.add_income(b, request.form),
                       _("The income source was added."))


@bp.post("/beneficiaries/<int:beneficiary_id>/incomes/<int:income_id>/delete")
@roles_required(*EDITORS)
def remove_income(beneficiary_id: int, income_id: int):
    income = get_or_404(IncomeSource, income_id)
    if income.beneficiary_id != beneficiary_id:
        abort(404)
    return _sub_action(beneficiary_id, lambda b: operations.remove_income(b, income),
                       _("The income source was removed."))
