"""What the API's resources share: token authentication, JSON errors with a field map, paging, role checks."""
from functools import wraps

from flask import abort, g, jsonify, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from core.accounts import roles_in
from core.apitokens.operations import authenticate
from core.beneficiaries.errors import FormErrors, NotAllowed, WorkflowError
from core.extensions import csrf, db
from core.models.keys import get_in_tenant
from core.pdpl.visibility import hidden_fields
from core.roles import STAFF_ROLES, Role
from core.tenancy import enter_tenant
from core.workflow.states import INTAKE

READERS = frozenset(STAFF_ROLES)
EDITORS = frozenset(INTAKE)
REFERRERS = frozenset(INTAKE | {Role.reviewer, Role.executive_director})

MAX_PAGE = 100


class FieldErrorsSchema(Schema):
    code = fields.Integer(required=True)
    message = fields.String(required=True)
    #: {field: message} for bad input (422).
    fields = fields.Dict(keys=fields.String(), values=fields.String())


class ErrorSchema(Schema):
    error = fields.Nested(FieldErrorsSchema, required=True)


class PageArgs(Schema):
    after = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1),
                           metadata={"description": "The `next_after` of the previous page."})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))


def error_body(code: int, message: str, field_map: dict | None = None) -> dict:
    body = {"code": code, "message": message}
    if field_map:
        body["fields"] = field_map
    return {"error": body}


ERRORS = {401: "No valid API token.", 403: "The token's roles do not allow this.", 404: "Not found.",
          409: "Conflict with the record's current state or version.", 422: "Bad input: see `fields`."}


def api_blueprint(name: str, description: str) -> Blueprint:
    """A resource group under /api/v1/: every call needs a live token and works in the token's tenant."""
    bp = Blueprint(name, __name__, url_prefix="/api/v1", description=description)
    csrf.exempt(bp)

    @bp.before_request
    def token_required():
        header = request.headers.get("Authorization", "")
        found = authenticate(header[7:].strip()) if header[:7].lower() == "bearer " else None
        if found is None:
            abort(401)
        tenant, token = found
        g.tenant = tenant
        enter_tenant(tenant)
        g.api_token = token
        g._login_user = token.user  # Flask-Login's current user for this request (audit entries name them)
        g.roles = roles_in(token.user, tenant)
        g.personal_data = True
        if not g.roles:
            abort(401)

    @bp.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        db.session.rollback()
        field_map = None
        if exc.code == 422 and getattr(exc, "data", None):  # webargs: {"json": {field: [messages]}}
            field_map = {}
            for where in exc.data.get("messages", {}).values():
                for key, messages in where.items():
                    field_map[key] = str(messages[0] if isinstance(messages, list) else messages)
        message = ERRORS.get(exc.code) or exc.description
        return error_body(exc.code, message, field_map), exc.code

    @bp.errorhandler(WorkflowError)
    def workflow_error(exc: WorkflowError):
        db.session.rollback()
        code = 422 if isinstance(exc, FormErrors) else 403 if isinstance(exc, NotAllowed) else 409
        return error_body(code, str(exc.message), getattr(exc, "errors", None)), code

    return bp


def documented(bp: Blueprint, *codes):
    """Document the error responses a view may give (401 always), so clients and schemathesis know them."""
    def decorator(view):
        for code in sorted({401, *codes}, reverse=True):
            view = bp.alt_response(code, schema=ErrorSchema, description=ERRORS[code])(view)
        return view
    return decorator


def roles(*allowed):
    """The token's user needs one of these roles in the tenant (403 otherwise)."""
    wanted = {str(r) for r in allowed}

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not wanted & g.roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def load(model, ident):
    found = get_in_tenant(model, ident)
    if found is None:
        abort(404)
    return found


def as_form(data: dict) -> MultiDict:
    """JSON input as the form the domain operations read (the same validation as the pages)."""
    form = MultiDict()
    for key, value in (data or {}).items():
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, bool):
                item = "1" if item else ""
            form.add(key, str(item))
    return form




def out(schema_class, obj, resource: str | None = None, status: int = 200, many: bool = False):
    """The JSON response, without the fields the token's roles may not see (the schema still documents them)."""
    hidden = hidden_fields(resource, g.roles) if resource else frozenset()
    body = schema_class(exclude=tuple(hidden & set(schema_class._declared_fields)), many=many).dump(obj)
    response = jsonify(body)
    response.status_code = status
    return response


def page_out(schema_class, result, resource: str):
    hidden = hidden_fields(resource, g.roles)
    items = schema_class(exclude=tuple(hidden & set(schema_class._declared_fields)), many=True).dump(result.rows)
    return jsonify({"items": items, "next_after": result.next_after})
