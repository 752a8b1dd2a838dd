"""What the welfare modules' staff pages share: loading a file or a request the person may open."""
from functools import lru_cache

import sqlalchemy as sa
from flask import abort, g, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from blueprints.staff.base import finish, refused
from core.beneficiaries.errors import WorkflowError
from core.beneficiaries.models import Beneficiary
from core.confidentiality import access
from core.extensions import db
from core.models.keys import id_in_range
from core.tenancy import reused
from core.workflow.models import SupportRequest
from core.workflow.queries import RESEARCHER_NAME


@lru_cache(maxsize=1)
def _file_statement() -> sa.Select:
    """A file with its researcher's name and its categories (joined: one round trip, not two); built once."""
    return reused(sa.select(Beneficiary).where(Beneficiary.id == sa.bindparam("file_id"))
                  .options(RESEARCHER_NAME, joinedload(Beneficiary.categories)))


@lru_cache(maxsize=1)
def _request_statement() -> sa.Select:
    """A request with its file and the file's categories; built once."""
    return reused(sa.select(SupportRequest).where(SupportRequest.id == sa.bindparam("request_id"))
                  .options(joinedload(SupportRequest.beneficiary).joinedload(Beneficiary.categories)))


# --- a page's lists, asked for only when they hold something ---------------------------------------
#
# A file's or a request's page shows several lists (household, requests, messages…), one statement each,
# and most of them are empty on most files: each empty one still cost a round trip and the ORM's work for
# it (~0.3 ms a list). The page's load statement therefore also says, for each list, whether it holds
# anything (an EXISTS on the list's index, in the same round trip), and the page asks only for the others.
# Each EXISTS names the tenant itself (the lists' keys begin with it), besides the tenant's criteria.

@lru_cache(maxsize=1)
def _file_lists_present() -> dict[str, sa.ColumnElement]:
    from core.beneficiaries.models import HouseholdMember, IncomeSource
    from core.messaging.models import OutboxMessage
    from core.workflow.models import Interaction, Referral

    return {name: sa.and_(model.tenant_id == Beneficiary.tenant_id, model.beneficiary_id == Beneficiary.id)
            for name, model in (("household", HouseholdMember), ("incomes", IncomeSource),
                                ("requests", SupportRequest), ("referrals", Referral),
                                ("messages", OutboxMessage), ("timeline", Interaction))}


@lru_cache(maxsize=1)
def _request_lists_present() -> dict[str, sa.ColumnElement]:
    from core.beneficiaries.models import HouseholdMember, IncomeSource
    from core.messaging.models import OutboxMessage
    from core.workflow.models import Attachment, RequestDocument

    r = SupportRequest
    return {"documents": sa.and_(RequestDocument.tenant_id == r.tenant_id, RequestDocument.request_id == r.id),
            "attachments": sa.and_(Attachment.tenant_id == r.tenant_id, Attachment.request_id == r.id,
                                   Attachment.deleted_at.is_(None)),
            "messages": sa.and_(OutboxMessage.tenant_id == r.tenant_id, OutboxMessage.request_id == r.id),
            "household": sa.and_(HouseholdMember.tenant_id == r.tenant_id,
                                 HouseholdMember.beneficiary_id == r.beneficiary_id),
            "incomes": sa.and_(IncomeSource.tenant_id == r.tenant_id, IncomeSource.beneficiary_id == r.beneficiary_id)}


def _with_presence(statement: sa.Select, lists: dict[str, sa.ColumnElement]) -> sa.Select:
    return statement.add_columns(*(sa.exists().where(condition).label(name) for name, condition in lists.items()))


@lru_cache(maxsize=1)
def _file_page_statement() -> sa.Select:
    return reused(_with_presence(_file_statement(), _file_lists_present()))


@lru_cache(maxsize=1)
def _request_page_statement() -> sa.Select:
    """The request as `_request_statement`, the names of the people it records (received, decided,
    served, manager: joined), and which of its page's lists hold anything."""
    from core.models import User

    people = (SupportRequest.received_by, SupportRequest.decided_by, SupportRequest.served_by,
              SupportRequest.manager)
    return reused(_with_presence(_request_statement(), _request_lists_present())
                  .options(*(joinedload(person).load_only(User.id, User.name) for person in people)))


class Present(frozenset):
    """The names of a page's lists that hold something; `Present.ALL` when that was not asked."""

    ALL: "Present"

    def __contains__(self, name) -> bool:
        return self is Present.ALL or frozenset.__contains__(self, name)


Present.ALL = Present()


def _loaded(statement, params: dict, lists: dict) -> tuple:
    row = db.session.execute(statement, params).unique().one_or_none()
    if row is None:
        abort(404)
    return row[0], Present(name for name, present in zip(lists, row[1:], strict=True) if present)


def load_file(beneficiary_id: int) -> Beneficiary:
    """A file of this tenant that the current person may open (404 / audited 403 otherwise)."""
    if not id_in_range(Beneficiary, beneficiary_id):
        abort(404)
    b = db.session.scalars(_file_statement(), {"file_id": beneficiary_id}).unique().one_or_none()
    if b is None:
        abort(404)
    access.require(b)
    return b


def load_file_page(beneficiary_id: int) -> tuple[Beneficiary, Present]:
    """`load_file`, with which of the file page's lists hold anything (one round trip)."""
    if not id_in_range(Beneficiary, beneficiary_id):
        abort(404)
    b, present = _loaded(_file_page_statement(), {"file_id": beneficiary_id}, _file_lists_present())
    access.require(b)
    return b, present


def load_request(request_id: int) -> SupportRequest:
    if not id_in_range(SupportRequest, request_id):
        abort(404)
    found = db.session.scalars(_request_statement(), {"request_id": request_id}).unique().one_or_none()
    if found is None:
        abort(404)
    access.require(found.beneficiary, what="request")
    return found


def load_request_page(request_id: int) -> tuple[SupportRequest, Present]:
    """`load_request`, with its people's names and which of the request page's lists hold anything."""
    if not id_in_range(SupportRequest, request_id):
        abort(404)
    found, present = _loaded(_request_page_statement(), {"request_id": request_id}, _request_lists_present())
    access.require(found.beneficiary, what="request")
    return found, present


def act(operation, render, message, endpoint, confirm=None, **values):
    """Run one operation with the current person; on a domain error show the page again with the reason.

    With `confirm` (title, record, warning) the action is irreversible: see `finish`."""
    try:
        operation(current_user._get_current_object(), g.roles)
    except WorkflowError as exc:
        return refused(exc, render, values=request.form.to_dict(), failed=request.endpoint)
    return finish(message, endpoint, render, confirm=confirm, **values)
