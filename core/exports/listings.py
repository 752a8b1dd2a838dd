"""What each exported list holds: its columns, which of them are personal, and how each value is read.

A column whose key is in `core.pdpl.visibility.SENSITIVE[resource]` is left out for roles that may not
see it, header and values alike.
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.beneficiaries import vocabulary
from core.beneficiaries.models import Beneficiary, HouseholdMember, IncomeSource
from core.calendar import RIYADH, CalendarError, hijri_iso, local_date
from core.extensions import db
from core.i18n import locale_code
from core.pdpl.visibility import hidden_fields
from core.settings import channels
from core.workflow.deadlines import today
from core.workflow.models import Referral
from core.workflow.services import SERVICE_KIND_LABELS, service_labels
from core.workflow.states import RequestState

BATCH = 1000


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    value: Callable


@dataclass(frozen=True)
class Listing:
    name: str
    resource: str
    title: object
    columns: tuple[Column, ...]
    #: The list's own rule (roles -> hidden column keys), where `core.pdpl.visibility` has none.
    hide: Callable | None = None

    def visible(self, roles) -> list[Column]:
        hidden = self.hide(roles) if self.hide else hidden_fields(self.resource, roles)
        return [c for c in self.columns if c.key not in hidden]


class Labels:
    """The tenant's labels in the UI language, looked up once per export."""

    def __init__(self, tenant):
        locale = locale_code()
        self.categories = vocabulary.category_labels(tenant)
        self.channels = {c.code: c.label(locale) for c in channels(tenant)}
        self.services = service_labels(tenant)
        self.today = today()


def riyadh(value: datetime | None):
    return value.astimezone(RIYADH) if value else None


def hijri(value: date | datetime | None) -> str:
    if value is None:
        return ""
    try:
        return hijri_iso(local_date(value))
    except CalendarError:
        return ""


def _label(mapping, code):
    return str(mapping.get(code, code)) if code else ""


def _dates(key, label, hijri_label, getter, timestamp=False) -> tuple[Column, Column]:
    """A date as two columns: Gregorian (Riyadh time for a timestamp) and Hijri."""
    shown = (lambda row, labels: riyadh(getter(row))) if timestamp else (lambda row, labels: getter(row))
    return (Column(key, label, shown), Column(key, hijri_label, lambda row, labels: hijri(getter(row))))


# --- beneficiary files ---------------------------------------------------------------------------

def _file(row):
    return row[0]


BENEFICIARIES = Listing("beneficiaries", "beneficiary", _l("Beneficiary files"), (
    Column("file_number", _l("File"), lambda r, labels: _file(r).file_number),
    Column("name", _l("Name"), lambda r, labels: _file(r).name),
    Column("national_id", _l("ID number"), lambda r, labels: _file(r).national_id),
    Column("nationality", _l("Nationality"), lambda r, labels: _file(r).nationality),
    Column("gender", _l("Gender"), lambda r, labels: _label(vocabulary.GENDERS, _file(r).gender)),
    *_dates("birth_date", _l("Birth date"), _l("Birth date (Hijri)"), lambda r: _file(r).birth_date),
    Column("mobile", _l("Mobile"), lambda r, labels: _file(r).mobile),
    Column("email", _l("E-mail"), lambda r, labels: _file(r).email),
    Column("city", _l("City"), lambda r, labels: _file(r).city),
    Column("district", _l("District"), lambda r, labels: _file(r).district),
    Column("address", _l("Address"), lambda r, labels: _file(r).address),
    Column("marital_status", _l("Marital status"),
           lambda r, labels: _label(vocabulary.MARITAL_STATUSES, _file(r).marital_status)),
    Column("categories", _l("Categories"),
           lambda r, labels: "، ".join(_label(labels.categories, c) for c in _file(r).category_codes)),
    Column("researcher", _l("Social researcher"),
           lambda r, labels: _file(r).researcher.name if _file(r).researcher else ""),
    Column("household_size", _l("Household members"), lambda r, labels: r[1]),
    Column("monthly_income", _l("Monthly income (SAR)"), lambda r, labels: r[2]),
    *_dates("opened", _l("Opened"), _l("Opened (Hijri)"), lambda r: _file(r).created_at, timestamp=True),
))


def beneficiary_rows(query) -> Iterable:
    """(file, household size, monthly income) for each file the list's query selects, in batches."""
    household = (sa.select(sa.func.count(HouseholdMember.id)).where(HouseholdMember.beneficiary_id == Beneficiary.id)
                 .correlate(Beneficiary).scalar_subquery())
    income = (sa.select(sa.func.coalesce(sa.func.sum(IncomeSource.monthly_amount), 0))
              .where(IncomeSource.beneficiary_id == Beneficiary.id).correlate(Beneficiary).scalar_subquery())
    query = query.add_columns(household, income).order_by(Beneficiary.id.desc())
    return _batches(query, Beneficiary.id)


# --- support requests ----------------------------------------------------------------------------

def _overdue(request, labels) -> str:
    late = request.state == RequestState.under_review and request.decision_due and request.decision_due < labels.today
    return str(_l("Yes")) if late else ""


REQUESTS = Listing("requests", "request", _l("Support requests"), (
    Column("reference", _l("Reference"), lambda r, labels: r.reference),
    Column("file_number", _l("File"), lambda r, labels: r.beneficiary.file_number),
    Column("name", _l("Name"), lambda r, labels: r.beneficiary.name),
    Column("state", _l("State"), lambda r, labels: str(RequestState(r.state).label)),
    Column("channel", _l("Channel"), lambda r, labels: _label(labels.channels, r.channel)),
    Column("service", _l("Service"), lambda r, labels: _label(labels.services, r.service)),
    Column("details", _l("Details"), lambda r, labels: r.details),
    *_dates("received", _l("Received"), _l("Received (Hijri)"), lambda r: r.received_at, timestamp=True),
    *_dates("sent", _l("Sent for a decision"), _l("Sent for a decision (Hijri)"), lambda r: r.sent_to_review_at,
            timestamp=True),
    *_dates("due", _l("Decision due"), _l("Decision due (Hijri)"), lambda r: r.decision_due),
    Column("overdue", _l("Overdue"), _overdue),
    *_dates("decided", _l("Decided"), _l("Decided (Hijri)"), lambda r: r.decided_at, timestamp=True),
    Column("decision_reason", _l("Reason given"), lambda r, labels: r.decision_reason),
    Column("service_kind", _l("Service delivered"), lambda r, labels: _label(SERVICE_KIND_LABELS, r.service_kind)),
    Column("service_amount", _l("Amount (SAR)"), lambda r, labels: r.service_amount),
    Column("service_description", _l("What was delivered"), lambda r, labels: r.service_description),
    *_dates("served", _l("Served on"), _l("Served on (Hijri)"), lambda r: r.served_on),
))


def request_rows(query) -> Iterable:
    from core.workflow.models import SupportRequest

    return _batches(query.order_by(SupportRequest.id.desc()), SupportRequest.id, scalars=True)


# --- referrals -----------------------------------------------------------------------------------

REFERRALS = Listing("referrals", "referral", _l("Referrals"), (
    Column("file_number", _l("File"), lambda r, labels: r.beneficiary.file_number),
    Column("name", _l("Name"), lambda r, labels: r.beneficiary.name),
    Column("question", _l("Question"), lambda r, labels: r.question),
    Column("asked_by", _l("Asked by"), lambda r, labels: r.asked_by.name if r.asked_by else ""),
    *_dates("asked", _l("Asked"), _l("Asked (Hijri)"), lambda r: r.asked_at, timestamp=True),
    Column("answer", _l("Answer"), lambda r, labels: r.answer),
    Column("answered_by", _l("Answered by"), lambda r, labels: r.answered_by.name if r.answered_by else ""),
    *_dates("answered", _l("Answered"), _l("Answered (Hijri)"), lambda r: r.answered_at, timestamp=True),
))


def referrals_query(answered: bool | None = None):
    from sqlalchemy.orm import joinedload

    query = sa.select(Referral).options(joinedload(Referral.beneficiary), joinedload(Referral.asked_by),
                                        joinedload(Referral.answered_by))
    if answered is not None:
        query = query.where(Referral.answered_at.is_not(None) if answered else Referral.answered_at.is_(None))
    return query


def referral_rows(query) -> Iterable:
    return _batches(query.order_by(Referral.id.desc()), Referral.id, scalars=True)


# --- the audit log ------------------------------------------------------------------------------

AUDIT = Listing("audit", "audit", _l("Audit log"), (
    *_dates("when", _l("When"), _l("When (Hijri)"), lambda e: e.created_at, timestamp=True),
    Column("who", _l("Who"), lambda e, labels: e.actor.name if e.actor else ""),
    Column("email", _l("E-mail"), lambda e, labels: e.actor.email if e.actor else ""),
    Column("action", _l("Action"), lambda e, labels: e.action),
    Column("what", _l("What"), lambda e, labels: _action_label(e.action)),
    Column("record", _l("Record"), lambda e, labels: f"{e.object_type or ''} {e.object_id or ''}".strip()),
    Column("before", _l("Before"), lambda e, labels: _json(e.before)),
    Column("after", _l("After"), lambda e, labels: _json(e.after)),
))


def _action_label(code: str) -> str:
    from core.audit_labels import action_label

    return action_label(code)[0]


def _json(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value is not None else ""


def audit_rows(query) -> Iterable:
    from core.models import AuditEntry

    return _batches(query, AuditEntry.id, scalars=True)


# --- reading in batches --------------------------------------------------------------------------

def _batches(query, id_column, scalars=False) -> Iterable:
    """Every row of the query, newest first, read by keyset in batches so memory stays flat."""
    after = None
    while True:
        batch_query = query if after is None else query.where(id_column < after)
        result = db.session.execute(batch_query.limit(BATCH)).unique()
        rows = list(result.scalars() if scalars else result)
        yield from rows
        if len(rows) < BATCH:
            return
        last = rows[-1] if scalars else rows[-1][0]
        after = last.id


def values(listing: Listing, columns: list[Column], rows: Iterable, labels: Labels) -> Iterable[list]:
    for row in rows:
        yield [column.value(row, labels) for column in columns]


# --- programs ------------------------------------------------------------------------------------

def _program_label(state):
    from core.programs.states import ProgramState

    return str(ProgramState(state).label) if state in set(ProgramState) else state


PROGRAMS = Listing("programs", "program", _l("Programs"), (
    Column("title", _l("Program"), lambda r, labels: r[0].title),
    Column("state", _l("State"), lambda r, labels: _program_label(r[0].state)),
    Column("target_group", _l("Target group"), lambda r, labels: r[0].target_group),
    *_dates("starts", _l("Starts"), _l("Starts (Hijri)"), lambda r: r[0].starts_on),
    *_dates("ends", _l("Ends"), _l("Ends (Hijri)"), lambda r: r[0].ends_on),
    Column("capacity", _l("Seats"), lambda r, labels: r[0].capacity),
    Column("fee", _l("Fee (SAR)"), lambda r, labels: r[0].fee),
    Column("registrations", _l("Registrations"), lambda r, labels: r[1]),
    Column("enrolled", _l("Enrolled"), lambda r, labels: r[2]),
    Column("waitlisted", _l("On the waiting list"), lambda r, labels: r[3]),
))


def program_rows(state: str | None = None) -> Iterable:
    """(program, registrations, enrolled, waitlisted) for the programs list's rows, in batches."""
    from core.programs.models import Program, Registration

    def counted(*where):
        return (sa.select(sa.func.count(Registration.id))
                .where(Registration.tenant_id == Program.tenant_id, Registration.program_id == Program.id, *where)
                .correlate(Program).scalar_subquery())

    query = sa.select(Program, counted(), counted(Registration.state == "enrolled"),
                      counted(Registration.state == "waitlisted")).order_by(Program.id.desc())
    if state:
        query = query.where(Program.state == state)
    return _batches(query, Program.id)


# --- complaints (module grievances) -----------------------------------------------------------------

#: The complainant's identity: the executive director's only (he handles complaints), as in the API.
COMPLAINANT = frozenset({"name", "national_id", "mobile"})


def _complaint_hidden(roles) -> frozenset[str]:
    from core.roles import Role

    return frozenset() if Role.executive_director in {str(r) for r in roles} else COMPLAINANT


def _complaint_state(row) -> str:
    from core.grievances.states import ComplaintState

    return str(ComplaintState(row.state).label) if row.state in set(ComplaintState) else row.state


def _complaint_overdue(row, labels) -> str:
    from core.grievances.states import OPEN_STATES

    return str(_l("Yes")) if row.state in OPEN_STATES and row.decision_due < labels.today else ""


def _outcome(row) -> str:
    from core.grievances.schemas import OUTCOMES

    return _label(OUTCOMES, row.outcome)


VIA = {"portal": _l("Portal"), "sealed_envelope": _l("Sealed envelope (on paper)")}

COMPLAINTS = Listing("complaints", "complaint", _l("Complaints"), (
    Column("reference", _l("Reference"), lambda r, labels: r.reference),
    Column("subject", _l("Subject"), lambda r, labels: r.subject),
    Column("state", _l("State"), lambda r, labels: _complaint_state(r)),
    Column("received_via", _l("Received through"), lambda r, labels: _label(VIA, r.received_via)),
    Column("name", _l("Complainant"), lambda r, labels: r.name),
    Column("national_id", _l("ID number"), lambda r, labels: r.national_id),
    Column("mobile", _l("Mobile"), lambda r, labels: r.mobile),
    *_dates("submitted", _l("Filed"), _l("Filed (Hijri)"), lambda r: r.submitted_at, timestamp=True),
    *_dates("due", _l("Decision due"), _l("Decision due (Hijri)"), lambda r: r.decision_due),
    Column("overdue", _l("Overdue"), _complaint_overdue),
    *_dates("decided", _l("Decided"), _l("Decided (Hijri)"), lambda r: r.decided_at, timestamp=True),
    Column("outcome", _l("Outcome"), lambda r, labels: _outcome(r)),
    *_dates("closed", _l("Closed"), _l("Closed (Hijri)"), lambda r: r.closed_at, timestamp=True),
), hide=_complaint_hidden)


def complaint_rows(user, roles, overdue: bool = False, state: str | None = None) -> Iterable:
    """The complaints the list shows this user (the pages' rule: the director, admins, the people added)."""
    from core.grievances import operations
    from core.grievances.models import Complaint

    query = sa.select(Complaint).where(operations.visible_to(user, roles))
    if overdue:
        query = query.where(operations.overdue_condition(today()))
    if state:
        query = query.where(Complaint.state == state)
    return _batches(query.order_by(Complaint.id.desc()), Complaint.id, scalars=True)


# --- survey results (aggregates only) ----------------------------------------------------------------

SURVEYS = Listing("surveys", "survey", _l("Satisfaction survey results"), (
    Column("dimension", _l("Grouped by"), lambda r, labels: r[0]),
    Column("group", _l("Group"), lambda r, labels: r[1]),
    Column("responses", _l("Answers"), lambda r, labels: r[2]),
    Column("average", _l("Average (1–5)"),
           lambda r, labels: r[3] if r[3] is not None else str(_l("too few answers to show"))),
), hide=lambda roles: frozenset())
