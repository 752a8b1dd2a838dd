"""Bulk import: mapping, a dry run that reports every bad row and writes nothing, idempotent by national ID."""
import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from core.beneficiaries.models import Beneficiary, BeneficiaryCategory, HouseholdMember
from core.extensions import db
from core.imports.models import ImportJob
from core.models import AuditEntry
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx, post_form
from tests.test_staff_helpers import staff_client

HEADER = ["الاسم", "رقم الهوية", "الجنس", "الجوال", "تاريخ الميلاد", "الفئة", "ملاحظات"]
GOOD = [
    ["سعاد علي", "1058529940", "أنثى", "0501234567", "1980-05-01", "الأرامل", "x"],
    ["Fahad Saleh", "١٠٠١٢٤٤٠١٩", "Male", "", "1400-01-01", "orphan، widow", ""],
]
BAD = [
    ["", "1000000008", "ذكر", "", "", "", ""],                       # no name
    ["محمد", "1058529941", "ذكر", "12", "", "", ""],                   # bad check digit, bad mobile
    ["نورة", "1058529940", "أنثى", "", "", "", ""],                    # same ID as row 2
    ["خالد", "1000000008", "غير معروف", "", "2090-01-01", "", ""],     # unknown gender, future date
]


def _csv(rows):
    import csv

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return io.BytesIO(buffer.getvalue().encode("utf-8-sig"))


def _xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


@pytest.fixture
def officer(app, tenant_a, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_RUNNER", "inline")
    return staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])


def _upload(client, data, name="last-year.csv", kind="beneficiaries"):
    response = post_form(client, "/alpha/staff/imports", {"kind": kind, "file": (data, name)},
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def _check(client, job_id, mapping=None):
    page = f"/alpha/staff/imports/{job_id}"
    return post_form(client, f"{page}/check", mapping or {}, form_page=page)


def _run(client, job_id):
    page = f"/alpha/staff/imports/{job_id}"
    return post_form(client, f"{page}/run", {}, form_page=page)


def _job(app, job_id):
    with app_ctx(app), cross_tenant_scope():
        job = db.session.scalars(sa.select(ImportJob).where(ImportJob.id == job_id)).one()
        db.session.expunge(job)
        return job


def _count(app, model):
    with app_ctx(app), cross_tenant_scope():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _mapping(job):
    return {f"map_{field}": str(index) for field, index in job.mapping.items()}


def test_columns_are_guessed_from_arabic_headers(app, officer):
    job = _job(app, _upload(officer, _csv([HEADER, *GOOD])))
    assert job.mapping == {"name": 0, "national_id": 1, "gender": 2, "mobile": 3, "birth_date": 4, "categories": 5}
    assert job.total_rows == 2


def test_dry_run_reports_every_bad_row_and_writes_nothing(app, officer):
    job_id = _upload(officer, _csv([HEADER, *GOOD, *BAD]))
    audit_before = _count(app, AuditEntry)
    assert _check(officer, job_id, _mapping(_job(app, job_id))).status_code == 302
    job = _job(app, job_id)
    assert job.state == "checked" and job.bad_rows == 4 and job.created_count == 2 and job.processed_rows == 6
    assert _count(app, Beneficiary) == 0
    html = officer.get(f"/alpha/staff/imports/{job_id}?lang=en").get_data(as_text=True)
    problems = html.split('class="table table-sm import-problems"')[1]
    rows = [(r.split("</td>")[0].split(">")[-1], r.split("<bdi>")[1].split("<")[0])
            for r in problems.split('<tr><td dir="ltr"')[1:]]
    assert rows == [("4", "الاسم"), ("5", "رقم الهوية"), ("5", "الجوال"), ("6", "رقم الهوية"), ("7", "الجنس"),
                    ("7", "تاريخ الميلاد")]
    assert "موجود من قبل في الصف 2" in problems
    csv_report = officer.get(f"/alpha/staff/imports/{job_id}/problems.csv").get_data().decode("utf-8-sig")
    assert len(csv_report.strip().splitlines()) == 7
    with app_ctx(app), cross_tenant_scope():
        changes = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()[audit_before:]
    assert set(changes) == {"import.check", "import.checked"}


def test_import_then_import_again_creates_nothing_new(app, officer):
    job_id = _upload(officer, _xlsx([HEADER, *GOOD, *BAD]), name="last-year.xlsx")
    _check(officer, job_id, _mapping(_job(app, job_id)))
    assert _run(officer, job_id).status_code == 302
    job = _job(app, job_id)
    assert job.state == "done" and job.created_count == 2 and job.bad_rows == 4
    with app_ctx(app), cross_tenant_scope():
        files = {b.national_id: b for b in db.session.scalars(sa.select(Beneficiary))}
        assert set(files) == {"1058529940", "1001244019"}
        fahad = files["1001244019"]
        assert fahad.gender == "male" and fahad.birth_calendar == "hijri" and fahad.birth_date.year == 1979
        assert files["1058529940"].mobile == "+966501234567" and files["1058529940"].gender == "female"
        assert sorted(db.session.scalars(sa.select(BeneficiaryCategory.code)
                                         .where(BeneficiaryCategory.beneficiary_id == fahad.id))) == ["orphan", "widow"]
        assert sorted(b.file_number for b in files.values()) == [1, 2]
        created = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                    .where(AuditEntry.action == "beneficiary.create"))
        assert created == 2
    again = _upload(officer, _csv([HEADER, *GOOD]))
    _check(officer, again, _mapping(_job(app, again)))
    _run(officer, again)
    job = _job(app, again)
    assert job.state == "done" and job.created_count == 0 and job.existing_count == 2
    assert _count(app, Beneficiary) == 2
    # A file opened by hand afterwards takes the next number: the counter moved with the import.
    from tests.test_staff_helpers import open_file

    new_id = open_file(officer, "alpha", national_id="1000000008")
    with app_ctx(app), cross_tenant_scope():
        assert db.session.get(Beneficiary, new_id).file_number == 3


def test_household_members_join_their_files_by_id_number(app, officer):
    job_id = _upload(officer, _csv([HEADER, *GOOD]))
    _check(officer, job_id, _mapping(_job(app, job_id)))
    _run(officer, job_id)
    members = [["هوية رب الأسرة", "صلة القرابة", "الاسم", "تاريخ الميلاد"],
               ["1058529940", "ابن", "علي", "2010-02-02"],
               ["1058529940", "daughter", "مريم", ""],
               ["1000000008", "ابن", "مجهول", ""]]
    household = _upload(officer, _csv(members), kind="household")
    assert _job(app, household).mapping == {"beneficiary_national_id": 0, "relation": 1, "name": 2, "birth_date": 3}
    _check(officer, household, _mapping(_job(app, household)))
    assert _job(app, household).bad_rows == 1
    _run(officer, household)
    again = _upload(officer, _csv(members), kind="household")
    _check(officer, again, _mapping(_job(app, again)))
    _run(officer, again)
    assert _job(app, again).existing_count == 2 and _job(app, again).created_count == 0
    with app_ctx(app), cross_tenant_scope():
        assert sorted(db.session.scalars(sa.select(HouseholdMember.name))) == ["علي", "مريم"]


def test_mapping_errors_are_shown_on_their_fields(app, officer):
    job_id = _upload(officer, _csv([HEADER, *GOOD]))
    response = _check(officer, job_id, {"map_name": "0", "map_national_id": "0", "map_gender": "99"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="map_national_id-error"' in html and 'id="map_gender-error"' in html
    assert _run(officer, job_id).status_code == 409  # not checked yet


@pytest.mark.parametrize("name, content", [("list.pdf", b"%PDF-1.4"), ("list.xlsx", b"not a zip"),
                                           ("empty.csv", b""), ("header-only.csv", "الاسم,الهوية\n".encode())])
def test_a_file_that_is_not_a_sheet_is_refused_on_the_file_field(app, officer, name, content):
    response = post_form(officer, "/alpha/staff/imports",
                         {"kind": "beneficiaries", "file": (io.BytesIO(content), name)},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="file-error"' in response.get_data(as_text=True)
    assert _count(app, ImportJob) == 0


def test_imports_belong_to_their_association(app, officer, tenant_b):
    job_id = _upload(officer, _csv([HEADER, *GOOD]))
    other = staff_client(app, "officer@beta.test", "beta", ["relations_officer"])
    assert other.get(f"/beta/staff/imports/{job_id}").status_code == 404
    assert other.get(f"/alpha/staff/imports/{job_id}").status_code == 404
    viewer = staff_client(app, "viewer@alpha.test", "alpha", ["viewer"])
    assert viewer.get(f"/alpha/staff/imports/{job_id}").status_code == 403
    progress = officer.get(f"/alpha/staff/imports/{job_id}/progress").json
    assert progress == {"state": "uploaded", "processed": 0, "total": 2, "bad": 0, "created": 0, "existing": 0,
                        "running": False}


def test_the_task_queue_runs_the_same_check(app, officer):
    from core.imports.runner import run_import

    job_id = _upload(officer, _csv([HEADER, *GOOD, *BAD]))
    with app_ctx(app), cross_tenant_scope():
        job = db.session.scalars(sa.select(ImportJob)).one()
        job.state, tenant_id = "checking", job.tenant_id
        db.session.commit()
    with app.app_context():  # what the worker's task does, in this test's app (not the last one created)
        run_import.run(tenant_id, job_id, False, "en")
    job = _job(app, job_id)
    assert job.state == "checked" and job.bad_rows == 4 and job.created_count == 2
    html = officer.get(f"/alpha/staff/imports/{job_id}").get_data(as_text=True)
    assert "already on row 2" in html  # written in the language of the person who started it


def test_the_nightly_anonymisation_is_a_registered_job():
    from core.jobs import load_jobs

    assert "pdpl.anonymise_expired" in load_jobs()
