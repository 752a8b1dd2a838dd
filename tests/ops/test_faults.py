"""Faults a user can meet: the database unreachable, Redis down, the upload store refusing files.

PostgreSQL is made unreachable by pointing the app at a closed port or by stopping a PgBouncer these
tests started, never by touching the machine's PostgreSQL.
"""
import errno
import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from core import storage
from tests.helpers import app_ctx, csrf_token, login, make_user
from tests.ops.servers import free_port, needs_pgbouncer, needs_postgres, second_app, start_pgbouncer
from tests.test_staff_helpers import open_file, open_request, staff_client

# --- PostgreSQL unreachable -------------------------------------------------------------------------

def test_an_unreachable_database_is_a_translated_page_to_retry_and_json_for_the_api(app):
    closed = f"postgresql+psycopg://wasl_app@127.0.0.1:{free_port()}/wasl"
    with second_app(app, SQLALCHEMY_DATABASE_URI=closed, SQLALCHEMY_BINDS={"operator": closed}) as down:
        _unreachable(down.test_client())


def _unreachable(client):

    page = client.get("/alpha/staff/beneficiaries?q=x")
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert len(page.headers["X-Request-ID"]) == 32  # logged and counted like any request
    html = page.get_data(as_text=True)
    assert 'dir="rtl"' in html and "الخدمة غير متاحة مؤقتًا" in html
    assert 'href="/alpha/staff/beneficiaries?q=x"' in html  # "try again" reloads what was asked

    english = client.get("/alpha/?lang=en").get_data(as_text=True)
    assert 'dir="ltr"' in english and "The service is briefly unavailable" in english

    api = client.get("/api/v1/beneficiaries", headers={"Authorization": "Bearer wasl_1_" + "x" * 40})
    assert api.status_code == 503 and api.headers["Retry-After"] == "5"
    assert api.json["error"]["code"] == 503

    form = client.post("/auth/login", data={"email": "a@b.test", "password": "x" * 12,
                                            "csrf_token": csrf_token(client)})
    assert form.status_code == 503
    assert "Try again" not in form.get_data(as_text=True)  # a POST is not repeated by a link


@needs_postgres
@needs_pgbouncer
def test_the_app_serves_again_by_itself_when_the_database_comes_back(app, tenant_a, tmp_path):
    make_user(app, "officer@alpha.test", {"alpha": ["relations_officer"]})
    url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
    bouncer = start_pgbouncer(tmp_path / "bouncer", os.environ["DATABASE_URL"])
    try:
        with second_app(app, SQLALCHEMY_DATABASE_URI=bouncer.url(url),
                        SQLALCHEMY_BINDS={"operator": bouncer.url(url, "wasl_operator")},
                        DATABASE_TRANSACTION_POOLING=True) as bounced:
            bouncer = _restart_midway(bounced, bouncer, tmp_path)
    finally:
        bouncer.stop()


def _restart_midway(bounced, bouncer, tmp_path):
    if True:
        officer = bounced.test_client()
        assert login(officer, "officer@alpha.test").status_code == 302
        assert officer.get("/alpha/staff/beneficiaries").status_code == 200

        bouncer.stop()  # the database "restarts": every pooled connection is dead
        assert officer.get("/alpha/staff/beneficiaries").status_code == 503
        assert officer.get("/alpha/staff/beneficiaries").status_code == 503

        bouncer = start_pgbouncer(tmp_path / "bouncer", os.environ["DATABASE_URL"], port=bouncer.port)
        # No restart of the app: the pool throws the dead connections away (pool_pre_ping) and reconnects.
        assert officer.get("/alpha/staff/beneficiaries").status_code == 200
        open_file(officer, "alpha", name="بعد العودة")
        assert "بعد العودة" in officer.get("/alpha/staff/beneficiaries").get_data(as_text=True)
    return bouncer


# --- Redis down --------------------------------------------------------------------------------------

def test_logins_work_while_redis_is_down_and_failures_are_still_limited_in_memory(app, tenant_a):
    make_user(app, "officer@alpha.test", {"alpha": ["relations_officer"]})
    with second_app(app, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0") as no_redis:
        assert login(no_redis.test_client(), "officer@alpha.test").status_code == 302
        codes = [login(no_redis.test_client(), "officer@alpha.test", "wrong password!").status_code
                 for _ in range(6)]
    assert codes == [401] * 5 + [429]  # degraded to this process's memory, not switched off


# --- the upload store refuses files ------------------------------------------------------------------

PDF = b"%PDF-1.4\n% evidence\n%%EOF\n"


@pytest.fixture
def refusing_store(monkeypatch):
    """The upload folder goes read-only at the worst moment: after the bytes were written to the
    temporary file, when it is renamed into place (as root, chmod would not stop the test's writes)."""
    def read_only(_source, _target):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(storage.os, "replace", read_only)


def _counts(app, tenant_id):
    with app_ctx(app) as session:
        counts = {name: session.execute(sa.text(f"SELECT count(*) FROM {name} WHERE tenant_id = :t"),
                                        {"t": tenant_id}).scalar() for name in ("attachments", "interactions")}
        # Reading the request page again is audited (a view); a change would be another action.
        counts["changes audited"] = session.execute(sa.text(
            "SELECT count(*) FROM audit_log WHERE tenant_id = :t AND action NOT LIKE '%.view'"),
            {"t": tenant_id}).scalar()
        return counts


def _files(folder) -> list[Path]:
    return sorted(p for p in Path(folder).rglob("*") if p.is_file())


def test_a_read_only_upload_folder_is_a_message_on_the_file_field_and_nothing_half_written(
        app, tenant_a, refusing_store):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    request_id = open_request(officer, "alpha", open_file(officer, "alpha"), "interview")
    before, files_before = _counts(app, tenant_a), _files(app.config["UPLOAD_FOLDER"])

    url = f"/alpha/staff/requests/{request_id}"
    response = officer.post(f"{url}/attachments", data={
        "csrf_token": csrf_token(officer, url), "document_id": "", "file": (__import__("io").BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data")
    assert 400 <= response.status_code < 500
    html = response.get_data(as_text=True)
    assert "تعذر حفظ الملف" in html
    assert re.search(r'id="[^"]*file[^"]*"[^>]*is-invalid|is-invalid[^>]*id="[^"]*file', html)
    assert _counts(app, tenant_a) == before  # no attachment row, no audit entry, no timeline note
    assert _files(app.config["UPLOAD_FOLDER"]) == files_before  # and no partial or temporary file


def test_a_complaint_whose_second_file_is_refused_keeps_neither_file_nor_complaint(app, monkeypatch):
    from io import BytesIO

    from tests.helpers import post_form
    from tests.portal_helpers import portal_tenant
    from tests.test_grievances import PNG, complaint_form

    tenant_id = portal_tenant(app)
    real_replace, calls = storage.os.replace, []

    def full_on_the_second(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(storage.os, "replace", full_on_the_second)
    files_before = _files(app.config["UPLOAD_FOLDER"])
    response = post_form(app.test_client(), "/alpha/complaints/new", {
        **complaint_form(), "attachments": [(BytesIO(PNG), "one.png"), (BytesIO(PNG), "two.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="attachments-error"' in response.get_data(as_text=True)
    assert len(calls) == 2  # the first file was stored, then taken away again
    assert _files(app.config["UPLOAD_FOLDER"]) == files_before
    with app_ctx(app) as session:
        assert session.execute(sa.text("SELECT count(*) FROM complaints WHERE tenant_id = :t"),
                               {"t": tenant_id}).scalar() == 0


def test_the_database_failing_after_the_tenant_was_loaded_is_still_a_503(app, tenant_a):
    """Found by bench/mixed_load.py --restart-database: the tenant row, expired by an earlier commit and
    detached by the rollback, was reloaded by the log line and the 503 became a 500."""
    from flask import g

    from core import observability
    from core.extensions import db
    from core.models import Tenant

    with app.test_request_context("/alpha/staff/beneficiaries"):
        observability.start_clock()
        g.tenant = db.session.get(Tenant, tenant_a)
        db.session.commit()  # expires the row, as a request that already saved something
        failure = sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        response = app.make_response(app.handle_user_exception(failure))
        response = app.process_response(response)
        assert response.status_code == 503
        assert g.tenant.slug == "alpha"  # still known for the log line, without a query
