"""Uploads in an S3-compatible bucket (UPLOAD_STORE=s3): a real S3 server (moto's, on a free port) started
by these tests, reached over HTTP by boto3 exactly as MinIO or AWS would be.

A file goes up through the staff upload route and comes back byte-identical; a refused write (no such
bucket, the service unreachable) is a message on the file field with nothing half-written; backups,
restores and tenant moves read and write the bucket through the same interface.
"""
import io
import os
import re
import uuid

import pytest
import sqlalchemy as sa

from core import config as wasl_config
from core import storage
from core.backup import operations
from core.backup.operations import BackupError, Target
from tests.helpers import app_ctx, csrf_token, login
from tests.ops.servers import free_port
from tests.ops.test_backup import empty_target  # noqa: F401 - a fixture used below
from tests.ops.test_faults import _counts
from tests.test_staff_helpers import open_file, open_request, staff_client

boto3 = pytest.importorskip("boto3", reason="the s3 store needs boto3 (pip install -e '.[test]')")
moto_server = pytest.importorskip("moto.server", reason="needs moto[server] (pip install -e '.[test]')")

PDF = b"%PDF-1.4\n% kept in a bucket\n" + os.urandom(4096) + b"\n%%EOF\n"


@pytest.fixture(scope="module")
def s3_endpoint():
    """An S3-compatible server on 127.0.0.1 for this module, stopped afterwards."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def credentials(monkeypatch):
    """boto3's usual environment variables, as an operator would set them."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "wasl-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wasl-test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)


def _new_bucket(endpoint) -> str:
    name = f"wasl-{uuid.uuid4().hex[:12]}"
    _client(endpoint).create_bucket(Bucket=name)
    return name


def _client(endpoint):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


def _objects(endpoint, bucket) -> dict[str, bytes]:
    client = _client(endpoint)
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def _use_bucket(monkeypatch, app, endpoint, bucket):
    for name, value in {"UPLOAD_STORE": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": endpoint,
                        "S3_REGION": "us-east-1"}.items():
        monkeypatch.setitem(app.config, name, value)


@pytest.fixture
def bucket(app, s3_endpoint, credentials, monkeypatch):
    """The tests' app keeps its uploads in a new, empty bucket for this test."""
    name = _new_bucket(s3_endpoint)
    _use_bucket(monkeypatch, app, s3_endpoint, name)
    return name


def _attach(client, slug, request_id, data=PDF):
    url = f"/{slug}/staff/requests/{request_id}"
    return client.post(f"{url}/attachments", data={"csrf_token": csrf_token(client, url), "document_id": "",
                                                   "file": (io.BytesIO(data), "الهوية.pdf")},
                       content_type="multipart/form-data")


def _download_link(client, slug, request_id) -> str:
    page = client.get(f"/{slug}/staff/requests/{request_id}").get_data(as_text=True)
    return re.search(rf'href="(/{slug}/staff/attachments/\d+)"', page).group(1)


def _files(folder) -> list:
    return sorted(p for p in __import__("pathlib").Path(folder).rglob("*") if p.is_file())


def test_an_attachment_goes_into_the_bucket_and_downloads_byte_identical(app, tenant_a, bucket, s3_endpoint):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    request_id = open_request(officer, "alpha", open_file(officer, "alpha"), "interview")
    folder_before = _files(app.config["UPLOAD_FOLDER"])

    response = _attach(officer, "alpha", request_id)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]

    [(key, stored)] = _objects(s3_endpoint, bucket).items()
    assert re.fullmatch(rf"{tenant_a}/[0-9a-f]{{32}}\.pdf", key) and stored == PDF
    assert _files(app.config["UPLOAD_FOLDER"]) == folder_before  # nothing went to the local folder
    download = officer.get(_download_link(officer, "alpha", request_id))
    assert download.status_code == 200 and download.data == PDF


@pytest.mark.parametrize("fault", ["no such bucket", "service unreachable"])
def test_a_refused_write_is_a_message_on_the_file_field_and_nothing_half_written(
        app, tenant_a, bucket, s3_endpoint, monkeypatch, fault):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    request_id = open_request(officer, "alpha", open_file(officer, "alpha"), "interview")
    if fault == "no such bucket":
        monkeypatch.setitem(app.config, "S3_BUCKET", f"missing-{uuid.uuid4().hex[:8]}")
    else:
        monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    before = _counts(app, tenant_a)

    response = _attach(officer, "alpha", request_id)
    assert 400 <= response.status_code < 500
    html = response.get_data(as_text=True)
    assert "تعذر حفظ الملف" in html
    assert re.search(r'id="[^"]*file[^"]*"[^>]*is-invalid|is-invalid[^>]*id="[^"]*file', html)
    assert _counts(app, tenant_a) == before  # no attachment row, no timeline note, no audit entry
    assert _objects(s3_endpoint, bucket) == {}  # and no object, whole or partial


def test_a_download_while_the_store_is_unreachable_is_a_page_to_retry(app, tenant_a, bucket, monkeypatch):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    request_id = open_request(officer, "alpha", open_file(officer, "alpha"), "interview")
    assert _attach(officer, "alpha", request_id).status_code == 302
    link = _download_link(officer, "alpha", request_id)
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")

    response = officer.get(link)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "مخزن الملفات" in response.get_data(as_text=True) and f'href="{link}"' in response.get_data(as_text=True)


def test_a_backup_reads_the_bucket_and_a_restore_fills_a_new_one(app, tenant_a, bucket, s3_endpoint, tmp_path,
                                                                 empty_target):  # noqa: F811
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    request_id = open_request(officer, "alpha", open_file(officer, "alpha"), "interview")
    assert _attach(officer, "alpha", request_id).status_code == 302
    originals = _objects(s3_endpoint, bucket)

    result = app.test_cli_runner().invoke(args=["backup", "-o", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    [(key, data)] = originals.items()
    assert (tmp_path / "backup" / "uploads" / key).read_bytes() == data == PDF

    restored_bucket = _new_bucket(s3_endpoint)
    target = Target(empty_target.admin_url, storage.S3Storage(restored_bucket, s3_endpoint, "us-east-1"))
    # A bucket that already holds files is refused, as a folder that does, before anything is restored.
    _client(s3_endpoint).put_object(Bucket=restored_bucket, Key="9/stray.pdf", Body=b"%PDF-")
    with pytest.raises(BackupError, match="upload store is not empty"):
        operations.restore(tmp_path / "backup", target)
    _client(s3_endpoint).delete_object(Bucket=restored_bucket, Key="9/stray.pdf")

    operations.restore(tmp_path / "backup", target)
    assert _objects(s3_endpoint, restored_bucket) == originals
    assert operations.tenant_counts(target.admin_url) == operations.tenant_counts(app.config["DATABASE_ADMIN_URL"])


@pytest.fixture(scope="module")
def target(app, tmp_path_factory):
    from tests.ops.test_tenant_move import _other_instance

    with _other_instance(app, tmp_path_factory.mktemp("s3-target")) as other:
        yield other


def test_an_association_moves_between_two_instances_on_buckets(app, tenant_a, bucket, s3_endpoint, tmp_path,
                                                               target, monkeypatch):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    request_id = open_request(officer, "alpha", open_file(officer, "alpha", name="ريم في الدلو"), "interview")
    assert _attach(officer, "alpha", request_id).status_code == 302

    out = tmp_path / "alpha-export"
    result = app.test_cli_runner().invoke(args=["tenants", "export", "alpha", "--data", "--out", str(out)])
    assert result.exit_code == 0, result.output
    [exported] = [p for p in (out / "uploads").rglob("*") if p.is_file()]
    assert exported.read_bytes() == PDF

    target_bucket = _new_bucket(s3_endpoint)
    _use_bucket(monkeypatch, target, s3_endpoint, target_bucket)
    result = target.test_cli_runner().invoke(args=["tenants", "import", "--data", str(out)])
    assert result.exit_code == 0, result.output
    [(key, data)] = _objects(s3_endpoint, target_bucket).items()
    assert data == PDF
    with app_ctx(target) as session:
        new_tenant = session.execute(sa.text("SELECT id FROM tenants WHERE slug = 'alpha'")).scalar()
    assert key.startswith(f"{new_tenant}/")

    moved = target.test_client()
    assert login(moved, "officer@alpha.test").status_code == 302
    listing = moved.get("/alpha/staff/beneficiaries").get_data(as_text=True)
    new_file = re.search(r'/alpha/staff/beneficiaries/(\d+)"', listing).group(1)
    new_request = re.search(r"/alpha/staff/requests/(\d+)",
                            moved.get(f"/alpha/staff/beneficiaries/{new_file}").get_data(as_text=True)).group(1)
    download = moved.get(_download_link(moved, "alpha", new_request))
    assert download.status_code == 200 and download.data == PDF


def test_an_import_the_bucket_refuses_leaves_no_association_behind(app, tenant_b, bucket, s3_endpoint, tmp_path,
                                                                   target, monkeypatch):
    officer = staff_client(app, "officer@beta.test", "beta", ["relations_officer"])
    request_id = open_request(officer, "beta", open_file(officer, "beta"), "interview")
    assert _attach(officer, "beta", request_id).status_code == 302
    out = tmp_path / "beta-export"
    assert app.test_cli_runner().invoke(args=["tenants", "export", "beta", "--data", "--out", str(out)]).exit_code == 0

    _use_bucket(monkeypatch, target, s3_endpoint, f"missing-{uuid.uuid4().hex[:8]}")
    with app_ctx(target) as session:
        files_before = session.execute(sa.text("SELECT count(*) FROM beneficiaries")).scalar()
    result = target.test_cli_runner().invoke(args=["tenants", "import", "--data", str(out)])
    assert result.exit_code != 0 and "upload store" in result.output
    with app_ctx(target) as session:  # the rows went back with the files
        assert session.execute(sa.text("SELECT count(*) FROM tenants WHERE slug = 'beta'")).scalar() == 0
        assert session.execute(sa.text("SELECT count(*) FROM beneficiaries")).scalar() == files_before


def test_the_s3_store_needs_a_bucket(monkeypatch, tmp_path):
    monkeypatch.setenv("WASL_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("UPLOAD_STORE", "s3")
    monkeypatch.delenv("S3_BUCKET", raising=False)
    with pytest.raises(wasl_config.ConfigError, match="S3_BUCKET"):
        wasl_config.from_environment()
    monkeypatch.setenv("UPLOAD_STORE", "ftp")
    with pytest.raises(wasl_config.ConfigError, match="UPLOAD_STORE"):
        wasl_config.from_environment()
    monkeypatch.setenv("UPLOAD_STORE", "s3")
    monkeypatch.setenv("S3_BUCKET", "wasl-uploads")
    assert wasl_config.from_environment()["S3_BUCKET"] == "wasl-uploads"


def test_a_bulk_import_keeps_its_sheet_in_the_bucket_from_upload_to_import(app, tenant_a, bucket, s3_endpoint,
                                                                            monkeypatch):
    """The check and the import may run on another server than the upload (a worker): the sheet and the
    checked rows go through the store, not the local folder."""
    from tests.test_imports import BAD, GOOD, HEADER, _check, _csv, _job, _mapping, _run, _upload

    monkeypatch.setitem(app.config, "IMPORT_RUNNER", "inline")
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    folder_before = _files(app.config["UPLOAD_FOLDER"])
    job_id = _upload(officer, _csv([HEADER, *GOOD, *BAD]))
    assert _check(officer, job_id, _mapping(_job(app, job_id))).status_code == 302
    assert _run(officer, job_id).status_code == 302
    job = _job(app, job_id)
    assert (job.state, job.created_count, job.bad_rows) == ("done", 2, 4)
    stored = sorted(_objects(s3_endpoint, bucket))
    assert stored == sorted([f"{tenant_a}/imports/{job.stored_name}",
                             f"{tenant_a}/imports/{job.stored_name.rsplit('.', 1)[0]}.checked.jsonl"])
    assert _files(app.config["UPLOAD_FOLDER"]) == folder_before


def test_an_import_sheet_the_bucket_refuses_is_a_message_on_the_file_field(app, tenant_a, bucket, monkeypatch):
    from tests.helpers import post_form
    from tests.test_imports import GOOD, HEADER, _csv

    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    monkeypatch.setitem(app.config, "S3_BUCKET", f"missing-{uuid.uuid4().hex[:8]}")
    response = post_form(officer, "/alpha/staff/imports", {"kind": "beneficiaries",
                                                           "file": (_csv([HEADER, *GOOD]), "sheet.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    assert "تعذر حفظ الملف" in response.get_data(as_text=True)
    with app_ctx(app) as session:
        assert session.execute(sa.text("SELECT count(*) FROM imports")).scalar() == 0
