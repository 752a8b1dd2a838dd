"""Staff routes: change requests reported on the portal or opened from a complaint."""
import sqlalchemy as sa
from flask import abort, g, request
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.staff.base import READERS, bp, done, get_or_404, refused, show
from core.beneficiaries.errors import WorkflowError
from core.beneficiaries.models import Beneficiary
from core.changes import operations
from core.changes.models import ChangeRequest
from core.changes.schemas import KINDS
from core.extensions import db
from core.web import roles_required


@bp.get("/changes")
@roles_required(*READERS)
def changes():
    rows = db.session.execute(
        sa.select(ChangeRequest, Beneficiary).join(Beneficiary, Beneficiary.id == ChangeRequest.beneficiary_id)
        .order_by((ChangeRequest.state == "submitted").desc(), ChangeRequest.id.desc()).limit(100)).all()
    return show("staff/changes.html", rows=rows, kinds=KINDS, ChangeState=operations.ChangeState)


def _detail(change, status=200, **context):
    beneficiary = db.session.get(Beneficiary, change.beneficiary_id)
    return show("staff/change.html", c=change, b=beneficiary, kinds=KINDS, ChangeState=operations.ChangeState,
                may_decide=bool(operations.REVIEWERS & set(g.roles)), values=context.pop("values", {}),
                **context), status


@bp.get("/changes/<int:change_id>")
@roles_required(*READERS)
def change_detail(change_id: int):
    return _detail(get_or_404(ChangeRequest, change_id))[0]


@bp.post("/changes/<int:change_id>/<action>")
@roles_required(*READERS)
def change_decide(change_id: int, action: str):
    if action not in operations.TRANSITIONS:
        abort(404)
    change = get_or_404(ChangeRequest, change_id)
    try:
        operations.decide(g.tenant, change, action, request.form, current_user._get_current_object(), g.roles)
    except WorkflowError as exc:
        return refused(exc, lambda **c: _detail(get_or_404(ChangeRequest, change_id), **c)[0],
                       values=request.form.to_dict())
    return done(_("The change request was decided."), "staff.change_detail", change_id=change_id)
