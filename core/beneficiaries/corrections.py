"""Correcting a household member or an income source of a file: versioned (a stale form is a 409) and
audited with before and after; refused on a file that is closed, excluded or transferred."""
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from core import audit
from core.beneficiaries.errors import ConflictError, IllegalTransition
from core.beneficiaries.fields import version_field
from core.beneficiaries.models import Beneficiary, HouseholdMember, IncomeSource
from core.beneficiaries.operations import CONFLICT, _load, plain
from core.beneficiaries.schemas import HouseholdMemberSchema, IncomeSourceSchema
from core.extensions import db
from core.lifecycle.states import FileStatus

#: A file in one of these states is a closed record: its rows are evidence, no longer corrected.
LOCKED = frozenset({FileStatus.excluded, FileStatus.closed, FileStatus.transferred})

MEMBER_FIELDS = ("relation", "name", "national_id", "birth_date", "disability", "schooling")
INCOME_FIELDS = ("kind", "monthly_amount")


class HouseholdCorrectionSchema(HouseholdMemberSchema):
    version = version_field()


class IncomeCorrectionSchema(IncomeSourceSchema):
    version = version_field()


def refusal(beneficiary: Beneficiary) -> str | None:
    if beneficiary.status in LOCKED:
        return _("This file is “{status}”: its household and income can no longer be corrected.").format(
            status=FileStatus(beneficiary.status).label)
    return None


def _correct(beneficiary, row, schema, names, action, form):
    reason = refusal(beneficiary)
    if reason:
        raise IllegalTransition(reason)
    data = _load(schema, form)
    if data.pop("version") != row.version:
        raise ConflictError(CONFLICT)
    before = {k: plain(getattr(row, k)) for k in names}
    for name in names:
        setattr(row, name, data.get(name))
    after = {k: plain(getattr(row, k)) for k in names}
    changed = sorted(k for k in names if before[k] != after[k])
    if changed:
        try:
            db.session.flush()
        except StaleDataError as exc:  # saved by someone else between our check and our UPDATE
            db.session.rollback()
            raise ConflictError(CONFLICT) from exc
        audit.record(action, row, before={k: before[k] for k in changed},
                     after={"beneficiary": beneficiary.file_number, **{k: after[k] for k in changed}})
    return row


def correct_member(beneficiary: Beneficiary, member: HouseholdMember, form) -> HouseholdMember:
    return _correct(beneficiary, member, HouseholdCorrectionSchema(), MEMBER_FIELDS,
                    "beneficiary.household.correct", form)


def correct_income(beneficiary: Beneficiary, income: IncomeSource, form) -> IncomeSource:
    return _correct(beneficiary, income, IncomeCorrectionSchema(), INCOME_FIELDS, "beneficiary.income.correct", form)
