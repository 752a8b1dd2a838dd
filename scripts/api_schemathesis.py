"""Run schemathesis against the API's own OpenAPI document, on a throw-away database (run by .ci/run).

Builds a temporary SQLite database with two seed associations, a user holding every staff role in
the first, a few files and requests, and an API token; serves the app on a free loopback port; runs
`schemathesis run` on /api/v1/openapi.json with the token. Checks: no 5xx, documented status codes
and content types, and every response matching its schema. Exit code: schemathesis's.

    .venv/bin/python scripts/api_schemathesis.py [--max-examples 25]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def prepare(app) -> str:
    """The data the run works on; returns the plain API token."""
    from werkzeug.datastructures import MultiDict

    from core import accounts, tenants
    from core.apitokens.operations import create_token
    from core.beneficiaries.operations import create_beneficiary
    from core.cli import upgrade_database
    from core.demo import provision_directory
    from core.extensions import db
    from core.roles import STAFF_ROLES
    from core.tenancy import cross_tenant_scope, tenant_scope
    from core.workflow.operations import open_request

    upgrade_database()
    with cross_tenant_scope():
        provision_directory(str(ROOT / "tenants"))
        tenant = tenants.by_slug("model-welfare")
        user = accounts.create_user("fuzz@wasl.example", "Fuzz", "fuzz-password-123")
        accounts.grant_roles(user, tenant, STAFF_ROLES)
        db.session.commit()
    with tenant_scope(tenant):
        for national_id in ("1058529940", "1001244019"):
            b = create_beneficiary(tenant, MultiDict({"name": "مستفيد تجريبي", "national_id": national_id,
                                                      "gender": "female"}), user)
            open_request(tenant, b, MultiDict({"channel": "phone", "service": "financial_aid"}), user)
        from core.calendar import local_date
        from core.grievances.operations import file_complaint
        from core.models.base import utcnow

        file_complaint(tenant, MultiDict({
            "name": "مشتكٍ تجريبي", "national_id": "1058529940", "mobile": "0551234567", "subject": "تأخر",
            "facts": "وقائع الشكوى بالتفصيل", "against": "قسم الخدمات", "harm": "ضرر", "reasons": "أسباب",
            "previous_steps": "اتصال", "requested": "البت", "event_date": local_date(utcnow()).isoformat()}))
        _token, plain = create_token(tenant, user, MultiDict({"name": "schemathesis"}))
        db.session.commit()
    return plain


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=25)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wasl-fuzz-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'fuzz.sqlite'}"
    os.environ.pop("DATABASE_ADMIN_URL", None)
    os.environ.setdefault("SECRET_KEY", "fuzz-secret")
    os.environ["WASL_INSTANCE_DIR"] = str(tmp / "instance")
    from werkzeug.serving import make_server

    from core.app import create_app

    app = create_app({"RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False, "MAIL_BACKEND": "file",
                      "MAIL_FILE_DIR": str(tmp / "outbox"), "UPLOAD_FOLDER": str(tmp / "uploads")})
    with app.test_request_context():  # the operations read the language of a request
        token = prepare(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1/openapi.json"
    # Path ids of the prepared data, so the generated calls reach the operations rather than a 404.
    config = tmp / "schemathesis.toml"
    config.write_text("[parameters]\nbeneficiary_id = 1\nrequest_id = 1\n", encoding="utf-8")
    command = [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config), "run", url,
               "--checks", CHECKS,
               "--header", f"Authorization: Bearer {token}", "--max-examples", str(args.max_examples),
               "--workers", "1", "--generation-database", "none", "--seed", "13", "--no-color",
               "--phases", "examples,coverage,fuzzing"]
    try:
        return subprocess.run(command, cwd=tmp).returncode
    finally:
        server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
