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


def load_file(beneficiary_id: int) -> Beneficiary:
    """A file of this tenant that the current person may open (404 / audited 403 otherwise)."""
    if not id_in_range(Beneficiary, beneficiary_id):
        abort(404)
    b = db.session.scalars(_file_statement(), {"file_id": beneficiary_id}).unique().one_or_none()
    if b is None:
        abort(404)
    access.require(b)
    return b


def load_request(request_id: int) -> SupportRequest:
    if not id_in_range(SupportRequest, request_id):
        abort(404)
    found = db.session.scalars(_request_statement(), {"request_id": request_id}).unique().one_or_none()
    if found is None:
        abort(404)
    access.require(found.beneficiary, what="request")
    return found


def act(operation, render, message, endpoint, confirm=None, **values):
    """Run one operation with the current person; on a domain error show the page again with the reason.

    With `confirm` (title, record, warning) the action is irreversible: see `finish`."""
    try:
        operation(current_user._get_current_object(), g.roles)
    except WorkflowError as exc:
        return refused(exc, render, values=request.form.to_dict(), failed=request.endpoint)
    return finish(message, endpoint, render, confirm=confirm, **values)
