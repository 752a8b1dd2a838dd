"""Staff routes: the person's own API tokens in this association (made, listed, revoked)."""
from flask import abort, g, request
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.staff.base import bp, done, get_or_404, refused, show
from core.apitokens import operations
from core.apitokens.models import ApiToken
from core.beneficiaries.errors import WorkflowError
from core.extensions import db
from core.roles import STAFF_ROLES, Role
from core.web import roles_required

MEMBERS = tuple(Role)


def _page(**context):
    context.setdefault("values", {})
    context["staff_nav"] = bool(g.roles & STAFF_ROLES)
    return show("staff/api_tokens.html", tokens=operations.tokens_of(current_user), **context)


@bp.get("/api-tokens")
@roles_required(*MEMBERS)
def api_tokens():
    return _page()


@bp.post("/api-tokens")
@roles_required(*MEMBERS)
def create_api_token():
    try:
        _token, plain = operations.create_token(g.tenant, current_user, request.form)
    except WorkflowError as exc:
        return refused(exc, _page, values=request.form.to_dict())
    db.session.commit()
    # Shown in this response only: never in a redirect, a flash message or the session cookie.
    return _page(new_token=plain)


@bp.post("/api-tokens/<int:token_id>/revoke")
@roles_required(*MEMBERS)
def revoke_api_token(token_id: int):
    token = get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)
    try:
        operations.revoke_token(token)
    except WorkflowError as exc:
        return refused(exc, _page)
    return done(_("The token was revoked: it no longer works."), "staff.api_tokens")
