"""`wasl tenants export --data` on one instance, `wasl tenants import --data` on another (its own database
and upload folder): the association arrives whole, renumbered around what the target already holds."""
import io
import json
import os
import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from core.backup.operations import tenant_counts
from core.config import normalise_database_url
from core.extensions import db
from tests.helpers import csrf_token, login, make_tenant, post_form
from tests.ops.servers import second_app
from tests.test_staff_helpers import VALID_IDS, open_file, open_request, staff_client

PDF = b"%PDF-1.4\n% moved with its association\n" + bytes(range(256)) * 8 + b"%%EOF\n"
ON_POSTGRES = os.environ["DATABASE_URL"].startswith(("postgres", "postgresql"))


@pytest.fixture(scope="module")
def target(app, tmp_path_factory):
    """One second instance for the module (migrating a new database takes seconds)."""
    with _other_instance(app, tmp_path_factory.mktemp("target")) as other:
        yield other


@contextmanager
def _other_instance(app, tmp_path):
    """A second Wasl: a new database (SQLite file, or a PostgreSQL database beside the tests' one)."""
    if ON_POSTGRES:
        admin_url = normalise_database_url(os.environ["DATABASE_ADMIN_URL"])
        name = sa.engine.make_url(admin_url).database + "_move_target"
        server = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(normalise_database_url(os.environ["DATABASE_URL"])).set(database=name)
        settings = {"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
                    "SQLALCHEMY_BINDS": {"operator": url.set(username="wasl_operator").render_as_string(
                        hide_password=False)},
                    "DATABASE_ADMIN_URL": sa.engine.make_url(admin_url).set(database=name).render_as_string(
                        hide_password=False)}
    else:
        url = f"sqlite:///{tmp_path / 'target.sqlite'}"
        settings = {"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_BINDS": {}, "DATABASE_ADMIN_URL": url}
    try:
        with second_app(app, UPLOAD_FOLDER=str(tmp_path / "target-uploads"), **settings) as other:
            with other.app_context():
                from core.cli import upgrade_database

                upgrade_database()
                db.session.remove()
            yield other
    finally:
        if ON_POSTGRES:
            with server.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            server.dispose()


def _attach(client, slug, request_id):
    url = f"/{slug}/staff/requests/{request_id}"
    response = client.post(f"{url}/attachments", data={"csrf_token": csrf_token(client, url), "document_id": "",
                                                       "file": (io.BytesIO(PDF), "proof.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def test_an_association_moves_to_another_instance_with_its_data_and_files(app, tenant_a, tenant_b, tmp_path, target):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    file_id = open_file(officer, "alpha", name="ريم المنقولة")
    request_id = open_request(officer, "alpha", file_id, "interview")
    _attach(officer, "alpha", request_id)
    other = staff_client(app, "officer@beta.test", "beta", ["relations_officer"])
    open_file(other, "beta", name="لا تنتقل")
    source_counts = tenant_counts(app.config["DATABASE_ADMIN_URL"] if ON_POSTGRES
                                  else app.config["SQLALCHEMY_DATABASE_URI"])["alpha"]

    out = tmp_path / "alpha-export"
    result = app.test_cli_runner().invoke(args=["tenants", "export", "alpha", "--data", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "ريم المنقولة" in (out / "rows.json").read_text(encoding="utf-8")
    assert "لا تنتقل" not in (out / "rows.json").read_text(encoding="utf-8")
    # Its audit log moves with it; platform events (logins, operators' views) stay with the instance.
    exported = json.loads((out / "rows.json").read_text(encoding="utf-8"))["tables"]
    assert "audit_log" in exported and "platform_audit_log" not in exported

    # The target already has an association with rows: the imported ids must go around them.
    make_tenant(target, "gamma")
    gamma = staff_client(target, "officer@gamma.test", "gamma", ["relations_officer"])
    for national_id in VALID_IDS:
        open_request(gamma, "gamma", open_file(gamma, "gamma", national_id=national_id), "interview")

    runner = target.test_cli_runner()
    result = runner.invoke(args=["tenants", "import", "--data", str(out)])
    assert result.exit_code == 0, result.output
    assert tenant_counts(target.config["DATABASE_ADMIN_URL"])["alpha"] == source_counts

    # The association's officer logs in on the new instance with the same password and finds everything.
    moved = target.test_client()
    assert login(moved, "officer@alpha.test").status_code == 302
    listing = moved.get("/alpha/staff/beneficiaries").get_data(as_text=True)
    assert "ريم المنقولة" in listing and "لا تنتقل" not in listing
    found = post_form(moved, "/alpha/staff/search", {"q": "منقوله"}).get_data(as_text=True)  # by its words
    assert "ريم المنقولة" in found and "لا تنتقل" not in found
    new_file = int(re.search(r'/alpha/staff/beneficiaries/(\d+)"', listing).group(1))
    assert new_file != file_id  # renumbered above gamma's files
    detail = moved.get(f"/alpha/staff/beneficiaries/{new_file}").get_data(as_text=True)
    new_request = re.search(r"/alpha/staff/requests/(\d+)", detail).group(1)
    page = moved.get(f"/alpha/staff/requests/{new_request}").get_data(as_text=True)
    link = re.search(r'href="(/alpha/staff/attachments/\d+)"', page).group(1)
    download = moved.get(link)
    assert download.status_code == 200 and download.data == PDF
    # gamma's rows are untouched and still its own
    assert "ريم المنقولة" not in gamma.get("/gamma/staff/beneficiaries").get_data(as_text=True)

    again = runner.invoke(args=["tenants", "import", "--data", str(out)])
    assert again.exit_code != 0 and "already has an association 'alpha'" in again.output


def test_a_damaged_export_is_refused_before_anything_is_written(app, tenant_a, tmp_path, target):
    staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    out = tmp_path / "alpha-export"
    assert app.test_cli_runner().invoke(args=["tenants", "export", "alpha", "--data", "--out", str(out)]).exit_code == 0
    rows = out / "rows.json"
    rows.write_text(rows.read_text(encoding="utf-8") + " ", encoding="utf-8")
    before = tenant_counts(target.config["DATABASE_ADMIN_URL"])
    result = target.test_cli_runner().invoke(args=["tenants", "import", "--data", str(out)])
    assert result.exit_code != 0 and "damaged: rows.json" in result.output
    assert tenant_counts(target.config["DATABASE_ADMIN_URL"]) == before


@pytest.mark.parametrize("args", [["tenants", "export", "alpha", "--data"],
                                  ["tenants", "export", "nobody", "--data", "--out", "x"]])
def test_export_names_what_is_missing(app, tenant_a, args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0 and ("--out" in result.output or "no tenant with slug 'nobody'" in result.output)
