"""The REST API v1 at /api/v1/: flask-smorest resources, the OpenAPI document, a readable docs page."""
from flask import Blueprint as FlaskBlueprint
from flask import Flask, current_app, render_template
from flask_smorest import Api

from blueprints.api import beneficiaries, complaints, programs, requests, surveys
from blueprints.api.base import ErrorSchema

RESOURCES = (beneficiaries.bp, requests.bp, requests.referrals_bp, complaints.bp, programs.bp, surveys.bp)

docs_bp = FlaskBlueprint("api_docs", __name__, url_prefix="/api/v1")


class WaslApi(Api):
    """flask-smorest's Api without its app-wide error handler: the app's own pages keep theirs, and the
    API's blueprints answer errors as JSON with a field map (blueprints.api.base)."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass


SETTINGS = {
    "API_TITLE": "Wasl API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {"description": "Every call needs `Authorization: Bearer <token>`; a token is made by a user of "
                                "one association (Staff → API tokens) and acts in that association with that "
                                "user's roles. Lists are keyset pages: pass the `next_after` you got as `after`. "
                                "Errors are JSON: `{\"error\": {\"code\", \"message\", \"fields\"}}`."},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    },
}


def register(app: Flask) -> None:
    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    api = WaslApi(app)
    for bp in RESOURCES:
        api.register_blueprint(bp)
    app.register_blueprint(docs_bp)


@docs_bp.get("/docs")
def docs():
    """A readable page of the OpenAPI document (no scripts from elsewhere: the CSP allows none)."""
    spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return render_template("api/docs.html", spec=spec)
