"""Changing beneficiary files: each operation validates, writes, flushes and audits."""
from datetime import date
from decimal import Decimal
from functools import lru_cache

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from core import audit
from core.arabic import name_key
from core.beneficiaries import vocabulary
from core.beneficiaries.errors import ConflictError, FormErrors
from core.beneficiaries.fields import first_errors
from core.beneficiaries.models import Beneficiary, BeneficiaryCategory, HouseholdMember, IncomeSource
from core.beneficiaries.numbering import next_number
from core.beneficiaries.schemas import (
    BeneficiarySchema,
    BeneficiaryUpdateSchema,
    HouseholdMemberSchema,
    IncomeSourceSchema,
)
from core.extensions import db
from core.models import TenantRole, User
from core.models.base import utcnow
from core.roles import Role
from core.tenancy import reused

FILE_FIELDS = ("name", "national_id", "nationality", "gender", "birth_date", "birth_calendar", "mobile", "email",
               "city", "district", "address", "marital_status", "language", "researcher_id")

CONFLICT = _l("This record was changed by someone else while you were editing it. Nothing was saved: "
              "check the current values below and make your change again.")


def plain(value):
    """A JSON-friendly form of a value for the audit log."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(beneficiary: Beneficiary) -> dict:
    data = {name: plain(getattr(beneficiary, name)) for name in FILE_FIELDS}
    data["categories"] = beneficiary.category_codes
    return data


def researchers() -> list[User]:
    """The tenant's social researchers (the tenant comes from the scope)."""
    return list(db.session.scalars(
        sa.select(User).join(TenantRole, TenantRole.user_id == User.id)
        .where(TenantRole.role == Role.social_researcher, User.disabled_at.is_(None))
        .order_by(User.name)).unique())


def researcher_choices() -> list:
    """The tenant's social researchers as (id, name) rows, for a list's filter: no user objects to build."""
    return list(db.session.execute(_researchers_statement()))


@lru_cache(maxsize=1)
def _researchers_statement() -> sa.Select:
    """Built once: building it (and working out its cache key again each time) cost more than running it,
    ~10% of a files list's CPU."""
    return reused(sa.select(User.id, User.name).join(TenantRole, TenantRole.user_id == User.id)
                  .where(TenantRole.role == Role.social_researcher, User.disabled_at.is_(None))
                  .order_by(User.name).distinct())


def _schema(cls, tenant):
    return cls(category_codes=[c.code for c in vocabulary.categories(tenant)],
               researcher_ids=[u.id for u in researchers()])


def _load(schema, form, lists=()):
    try:
        return schema.load_form(form, lists=lists)
    except ValidationError as exc:
        raise FormErrors(first_errors(exc.messages)) from exc


def _national_id_taken(national_id: str, except_id: int | None = None) -> bool:
    query = sa.select(Beneficiary.id).where(Beneficiary.national_id == national_id)
    if except_id is not None:
        query = query.where(Beneficiary.id != except_id)
    return db.session.scalar(query.limit(1)) is not None


def _apply(beneficiary: Beneficiary, data: dict) -> None:
    for name in FILE_FIELDS:
        if name in data:
            setattr(beneficiary, name, data[name])
    beneficiary.name = beneficiary.name.strip()
    beneficiary.name_search = name_key(beneficiary.name)
    wanted = list(dict.fromkeys(data.get("categories") or []))
    current = {c.code: c for c in beneficiary.categories}
    beneficiary.categories = [current.get(code) or BeneficiaryCategory(code=code) for code in wanted]


def create_beneficiary(tenant, form, actor) -> Beneficiary:
    """Open a new file; the national ID must not already have a file in this association.

    `actor` is None when the beneficiary applied online (core.portal)."""
    data = _load(_schema(BeneficiarySchema, tenant), form, lists=("categories",))
    if _national_id_taken(data["national_id"]):
        raise FormErrors({"national_id": str(_l("This ID number already has a file in this association."))})
    beneficiary = Beneficiary(file_number=next_number("beneficiary"), created_by_id=getattr(actor, "id", None),
                              categories=[])
    _apply(beneficiary, data)
    db.session.add(beneficiary)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the same ID number saved by someone else a moment ago
        db.session.rollback()
        raise FormErrors({"national_id": str(_l("This ID number already has a file in this association."))}) from exc
    audit.record("beneficiary.create", beneficiary, after=snapshot(beneficiary))
    return beneficiary


def update_beneficiary(tenant, beneficiary: Beneficiary, form) -> Beneficiary:
    """Save an edited file, unless someone else saved it since the form was loaded."""
    data = _load(_schema(BeneficiaryUpdateSchema, tenant), form, lists=("categories",))
    if data["version"] != beneficiary.version:
        raise ConflictError(CONFLICT)
    if _national_id_taken(data["national_id"], except_id=beneficiary.id):
        raise FormErrors({"national_id": str(_l("This ID number already has a file in this association."))})
    before = snapshot(beneficiary)
    _apply(beneficiary, data)
    after = snapshot(beneficiary)
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        beneficiary.updated_at = utcnow()  # the row itself changes, so the version moves on
        try:
            db.session.flush()
        except StaleDataError as exc:  # saved by someone else between our check and our UPDATE
            db.session.rollback()
            raise ConflictError(CONFLICT) from exc
        except IntegrityError as exc:
            db.session.rollback()
            raise FormErrors({"national_id": str(_l("This ID number already has a file in this association."))}) \
                from exc
        audit.record("beneficiary.update", beneficiary, before={k: before[k] for k in sorted(changed)},
                     after={k: after[k] for k in sorted(changed)})
    return beneficiary


def add_household_member(beneficiary: Beneficiary, form) -> HouseholdMember:
    data = _load(HouseholdMemberSchema(), form)
    member = HouseholdMember(beneficiary_id=beneficiary.id, **data)
    db.session.add(member)
    db.session.flush()
    audit.record("beneficiary.household.add", member,
                 after={"beneficiary": beneficiary.file_number, **{k: plain(v) for k, v in data.items()}})
    return member


def remove_household_member(beneficiary: Beneficiary, member: HouseholdMember) -> None:
    audit.record("beneficiary.household.remove", member,
                 before={"beneficiary": beneficiary.file_number, "relation": member.relation, "name": member.name})
    db.session.delete(member)
    db.session.flush()


def add_income(beneficiary: Beneficiary, form) -> IncomeSource:
    data = _load(IncomeSourceSchema(), form)
    income = IncomeSource(beneficiary_id=beneficiary.id, **data)
    db.session.add(income)
    db.session.flush()
    audit.record("beneficiary.income.add", income,
                 after={"beneficiary": beneficiary.file_number, "kind": income.kind,
                        "monthly_amount": plain(income.monthly_amount)})
    return income


def remove_income(beneficiary: Beneficiary, income: IncomeSource) -> None:
    audit.record("beneficiary.income.remove", income,
                 before={"beneficiary": beneficiary.file_number, "kind": income.kind,
                         "monthly_amount": plain(income.monthly_amount)})
    db.session.delete(income)
    db.session.flush()


def record_view(beneficiary: Beneficiary, what: str = "file") -> None:
    """Views of sensitive records are audited (who looked at whose file, when)."""
    audit.record_read("beneficiary.view", beneficiary, after={"what": what, "file_number": beneficiary.file_number})
