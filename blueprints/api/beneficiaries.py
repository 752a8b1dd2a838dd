"""API: beneficiary files, their household members and income sources."""
import sqlalchemy as sa
from flask import abort, g
from flask_login import current_user

from blueprints.api.base import (
    EDITORS,
    READERS,
    PageArgs,
    api_blueprint,
    as_form,
    documented,
    load,
    out,
    page_out,
    roles,
)
from blueprints.api.schemas import (
    BeneficiaryFilters,
    BeneficiaryInput,
    BeneficiaryPage,
    BeneficiaryPatch,
    BeneficiarySchema,
    HouseholdMemberInput,
    HouseholdMemberSchema,
    IncomeInput,
    IncomeSchema,
)
from core.beneficiaries import operations
from core.beneficiaries.models import Beneficiary, HouseholdMember, IncomeSource
from core.extensions import db
from core.workflow import queries

bp = api_blueprint("beneficiaries", "Beneficiary files (ملفات المستفيدين), household members and income")


@bp.get("/beneficiaries")
@bp.arguments(BeneficiaryFilters, location="query")
@bp.arguments(PageArgs, location="query")
@bp.response(200, BeneficiaryPage)
@documented(bp, 403, 422)
@roles(*READERS)
def list_beneficiaries(filters, paging):
    """Files, newest first; keyset pages of `limit` (`after` = the previous page's `next_after`)."""
    result = queries.list_beneficiaries(category=filters.get("category"), researcher_id=filters.get("researcher_id"),
                                        after=paging.get("after"), size=paging["limit"])
    return page_out(BeneficiarySchema, result, "beneficiary")


@bp.post("/beneficiaries")
@bp.arguments(BeneficiaryInput)
@bp.response(201, BeneficiarySchema)
@documented(bp, 403, 422)
@roles(*EDITORS)
def create_beneficiary(data):
    """Open a file; the ID number must not already have one in this association."""
    beneficiary = operations.create_beneficiary(g.tenant, as_form(data), current_user)
    db.session.commit()
    return out(BeneficiarySchema, beneficiary, "beneficiary", status=201)


@bp.get("/beneficiaries/<int:beneficiary_id>")
@bp.response(200, BeneficiarySchema)
@documented(bp, 403, 404)
@roles(*READERS)
def get_beneficiary(beneficiary_id):
    """One file. Reading it is audited, as on the file page."""
    beneficiary = load(Beneficiary, beneficiary_id)
    operations.record_view(beneficiary, what="api")
    response = out(BeneficiarySchema, beneficiary, "beneficiary")
    db.session.commit()
    return response


@bp.patch("/beneficiaries/<int:beneficiary_id>")
@bp.arguments(BeneficiaryPatch)
@bp.response(200, BeneficiarySchema)
@documented(bp, 403, 404, 409, 422)
@roles(*EDITORS)
def update_beneficiary(data, beneficiary_id):
    """Change some fields; `version` must be the one read (409 if someone saved the file since)."""
    beneficiary = load(Beneficiary, beneficiary_id)
    current = operations.snapshot(beneficiary)
    current["birth_calendar"] = "gregorian"
    merged = {**current, **data}
    beneficiary = operations.update_beneficiary(g.tenant, beneficiary, as_form(merged))
    db.session.commit()
    return out(BeneficiarySchema, beneficiary, "beneficiary")


def _members(beneficiary_id):
    return db.session.scalars(sa.select(HouseholdMember).where(HouseholdMember.beneficiary_id == beneficiary_id)
                              .order_by(HouseholdMember.id)).all()


@bp.get("/beneficiaries/<int:beneficiary_id>/household")
@bp.response(200, HouseholdMemberSchema(many=True))
@documented(bp, 403, 404)
@roles(*READERS)
def list_household(beneficiary_id):
    """The file's household members."""
    load(Beneficiary, beneficiary_id)
    return out(HouseholdMemberSchema, _members(beneficiary_id), "household", many=True)


@bp.post("/beneficiaries/<int:beneficiary_id>/household")
@bp.arguments(HouseholdMemberInput)
@bp.response(201, HouseholdMemberSchema)
@documented(bp, 403, 404, 422)
@roles(*EDITORS)
def add_household_member(data, beneficiary_id):
    member = operations.add_household_member(load(Beneficiary, beneficiary_id), as_form(data))
    db.session.commit()
    return out(HouseholdMemberSchema, member, "household", status=201)


@bp.delete("/beneficiaries/<int:beneficiary_id>/household/<int:member_id>")
@bp.response(204)
@documented(bp, 403, 404)
@roles(*EDITORS)
def remove_household_member(beneficiary_id, member_id):
    beneficiary = load(Beneficiary, beneficiary_id)
    member = load(HouseholdMember, member_id)
    if member.beneficiary_id != beneficiary.id:
        abort(404)
    operations.remove_household_member(beneficiary, member)
    db.session.commit()
    return "", 204


@bp.get("/beneficiaries/<int:beneficiary_id>/incomes")
@bp.response(200, IncomeSchema(many=True))
@documented(bp, 403, 404)
@roles(*READERS)
def list_incomes(beneficiary_id):
    load(Beneficiary, beneficiary_id)
    rows = db.session.scalars(sa.select(IncomeSource).where(IncomeSource.beneficiary_id == beneficiary_id)
                              .order_by(IncomeSource.id)).all()
    return out(IncomeSchema, rows, "income", many=True)


@bp.post("/beneficiaries/<int:beneficiary_id>/incomes")
@bp.arguments(IncomeInput)
@bp.response(201, IncomeSchema)
@documented(bp, 403, 404, 422)
@roles(*EDITORS)
def add_income(data, beneficiary_id):
    income = operations.add_income(load(Beneficiary, beneficiary_id), as_form(data))
    db.session.commit()
    return out(IncomeSchema, income, "income", status=201)


@bp.delete("/beneficiaries/<int:beneficiary_id>/incomes/<int:income_id>")
@bp.response(204)
@documented(bp, 403, 404)
@roles(*EDITORS)
def remove_income(beneficiary_id, income_id):
    beneficiary = load(Beneficiary, beneficiary_id)
    income = load(IncomeSource, income_id)
    if income.beneficiary_id != beneficiary.id:
        abort(404)
    operations.remove_income(beneficiary, income)
    db.session.commit()
    return "", 204
