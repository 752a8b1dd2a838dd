"""`wasl backup` / `wasl restore`: a round trip gives the same rows per tenant and byte-identical files."""
import io
import json
import os
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from core.backup import operations
from core.backup.operations import BackupError, Target
from core.storage import FolderStorage
from tests.conftest import ON_POSTGRES, _admin_engine
from tests.helpers import make_user, post_form
from tests.test_staff_helpers import open_file, open_request, staff_client

PDF = b"%PDF-1.4\n" + os.urandom(2048)


@pytest.fixture
def filled(app, tenant_a, tenant_b):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    file_id = open_file(officer, "alpha")
    request_id = open_request(officer, "alpha", file_id, "interview")
    url = f"/alpha/staff/requests/{request_id}"
    response = post_form(officer, f"{url}/attachments", {"file": (io.BytesIO(PDF), "الهوية.pdf")},
                         form_page=url, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    other = staff_client(app, "officer@beta.test", "beta", ["relations_officer"])
    open_file(other, "beta")
    return app


def _source(app) -> Target:
    return Target(app.config["DATABASE_ADMIN_URL"], FolderStorage(app.config["UPLOAD_FOLDER"]))


@pytest.fixture
def empty_target(tmp_path):
    """A new empty database of the same kind as the suite's, dropped afterwards."""
    if not ON_POSTGRES:
        yield Target(f"sqlite:///{tmp_path / 'restored.sqlite'}", FolderStorage(tmp_path / "restored-uploads"))
        return
    admin = make_url(os.environ.get("DATABASE_ADMIN_URL") or os.environ["DATABASE_URL"])
    name = f"wasl_restore_{uuid.uuid4().hex[:8]}"
    engine = _admin_engine().execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = admin.set(database=name).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        yield Target(url, FolderStorage(tmp_path / "restored-uploads"))
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        engine.dispose()


def test_a_restore_gives_the_same_counts_per_tenant_and_identical_attachments(filled, tmp_path, empty_target):
    source = _source(filled)
    manifest = operations.backup(source, tmp_path / "backup")
    assert set(manifest["tenants"]) == {"alpha", "beta"}
    assert manifest["tenants"]["alpha"]["attachments"] == 1
    assert manifest["tenants"]["beta"]["beneficiaries"] == 1
    # The rows of no association are counted too: the associations, the people, the platform's log.
    assert manifest["platform"]["tenants"] == 2 and manifest["platform"]["users"] >= 2
    assert manifest["platform"]["platform_audit_log"] >= 2  # the two staff members' logins

    operations.restore(tmp_path / "backup", empty_target)

    assert operations.row_counts(empty_target.admin_url) == operations.row_counts(source.admin_url)
    # Platform events (the staff's logins here) are the whole database's: the backup carries them.
    assert _platform_events(empty_target.admin_url) == _platform_events(source.admin_url) != []
    originals = {p.relative_to(source.uploads.root): p.read_bytes()
                 for p in source.uploads.root.rglob("*") if p.is_file()}
    restored = {p.relative_to(empty_target.uploads.root): p.read_bytes()
                for p in empty_target.uploads.root.rglob("*") if p.is_file()}
    assert PDF in originals.values()
    assert restored == originals


def _platform_events(admin_url: str) -> list[tuple]:
    engine = sa.create_engine(admin_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(
                "SELECT id, action, actor_id FROM platform_audit_log ORDER BY id"))]
    finally:
        engine.dispose()


def test_a_restore_that_lost_platform_rows_is_reported(filled, tmp_path, empty_target):
    """A restore with every association's rows but fewer user accounts than were backed up is an error,
    not a success: here the manifest says one more account than the database holds."""
    operations.backup(_source(filled), tmp_path / "backup")
    path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["platform"]["users"] += 1
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(BackupError, match=r"platform row counts differ.*'users'"):
        operations.restore(tmp_path / "backup", empty_target)


@pytest.mark.skipif(not ON_POSTGRES, reason="pg_dump runs on PostgreSQL only; SQLite's counts are read from the copy")
def test_a_backup_taken_while_the_app_writes_restores_with_matching_counts(filled, tmp_path, empty_target,
                                                                           monkeypatch):
    """A backup from cron runs while people work: a row written after the backup starts must be neither
    in the counts nor in the dump, or the restore reports rows that were never lost."""
    real_run = operations._run

    def someone_logs_in_meanwhile(command):
        if command[0] == "pg_dump":  # after the backup started, before the dump reads anything
            make_user(filled, "late@alpha.test", {"alpha": ["viewer"]})  # a user and a tenant-owned role
        real_run(command)

    monkeypatch.setattr(operations, "_run", someone_logs_in_meanwhile)
    manifest = operations.backup(_source(filled), tmp_path / "backup")
    operations.restore(tmp_path / "backup", empty_target)  # raises if the counts differ
    assert operations.row_counts(empty_target.admin_url) == (manifest["tenants"], manifest["platform"])


def test_a_damaged_backup_is_refused_before_anything_is_written(filled, tmp_path, empty_target):
    operations.backup(_source(filled), tmp_path / "backup")
    attachment = next((tmp_path / "backup" / "uploads").rglob("*.pdf"))
    data = attachment.read_bytes()
    attachment.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))  # always a different last byte
    with pytest.raises(BackupError, match="checksum differs"):
        operations.restore(tmp_path / "backup", empty_target)
    assert not empty_target.uploads.root.exists()


def test_restore_refuses_a_database_that_is_not_empty(filled, tmp_path):
    operations.backup(_source(filled), tmp_path / "backup")
    with pytest.raises(BackupError, match="not empty|exists"):
        operations.restore(tmp_path / "backup",
                           Target(_source(filled).admin_url, FolderStorage(tmp_path / "new-uploads")))


def test_backup_refuses_a_folder_that_holds_something(filled, tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "x").write_text("x")
    with pytest.raises(BackupError, match="not empty"):
        operations.backup(_source(filled), tmp_path / "backup")


def test_the_cli_backs_up_and_verifies(filled, tmp_path):
    runner = filled.test_cli_runner()
    result = runner.invoke(args=["backup", "-o", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert "2 tenants" in result.output
    result = runner.invoke(args=["restore", "--verify-only", str(tmp_path / "b")])
    assert result.exit_code == 0 and "every checksum matches" in result.output
    (tmp_path / "b" / "manifest.json").write_text("{")
    result = runner.invoke(args=["restore", "--verify-only", str(tmp_path / "b")])
    assert result.exit_code != 0 and "manifest" in result.output
