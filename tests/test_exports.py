"""Exports: exactly the list's filtered rows, only the fields the role may see, RTL sheets, audited."""
import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from core.extensions import db
from core.models import AuditEntry
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx, login, make_user
from tests.test_staff_helpers import act, open_file, open_request, staff_client

IDS = ("1058529940", "1001244019", "1000000008")


@pytest.fixture
def office(app, tenant_a, tenant_b):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    widow = open_file(officer, "alpha", name="سعاد الأرملة", national_id=IDS[0], categories=["widow"])
    open_file(officer, "alpha", name="=HYPERLINK(\"x\")", national_id=IDS[1], categories=["widow"],
              mobile="0551112222")
    orphan = open_file(officer, "alpha", name="يتيم صغير", national_id=IDS[2], categories=["orphan"],
                       birth_date="2015-01-01")
    first = open_request(officer, "alpha", widow, "phone")
    open_request(officer, "alpha", orphan, "interview")
    act(officer, "alpha", first, "check_documents")
    other = staff_client(app, "officer@beta.test", "beta", ["relations_officer"])
    open_file(other, "beta", name="ملف جمعية أخرى", national_id=IDS[0], categories=["widow"])
    return officer


def _csv(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_file_export_holds_exactly_the_filtered_rows(office):
    rows = _csv(office.get("/alpha/staff/exports/beneficiaries.csv?category=widow&lang=en"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["File", "Name", "ID number"]
    assert sorted(r[1] for r in body) == sorted(["سعاد الأرملة", "'=HYPERLINK(\"x\")"])
    assert all(r[2] in IDS[:2] for r in body)
    assert "ملف جمعية أخرى" not in str(rows) and "يتيم صغير" not in str(rows)
    everyone = _csv(office.get("/alpha/staff/exports/beneficiaries.csv"))
    assert len(everyone) == 4


def test_request_export_follows_the_state_filter(office):
    rows = _csv(office.get("/alpha/staff/exports/requests.csv?state=documents_pending&lang=en"))
    assert len(rows) == 2 and rows[1][2] == "سعاد الأرملة" and rows[1][3] == "Waiting for documents"
    assert len(_csv(office.get("/alpha/staff/exports/requests.csv"))) == 3


def test_a_viewer_gets_no_id_numbers_mobiles_or_birth_dates(app, office):
    viewer = staff_client(app, "viewer@alpha.test", "alpha", ["viewer"])
    rows = _csv(viewer.get("/alpha/staff/exports/beneficiaries.csv?lang=en"))
    assert "ID number" not in rows[0] and "Mobile" not in rows[0] and "Birth date" not in rows[0]
    assert "Monthly income (SAR)" not in rows[0]
    flat = str(rows)
    assert not any(i in flat for i in IDS) and "966" not in flat and "2015-01-01" not in flat
    assert "يتيم صغير" in flat
    officer_rows = _csv(office.get("/alpha/staff/exports/beneficiaries.csv?lang=en"))
    assert "ID number" in officer_rows[0]


def test_xlsx_is_right_to_left_in_arabic_and_holds_the_same_rows(office):
    response = office.get("/alpha/staff/exports/beneficiaries.xlsx?category=widow")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.active
    assert sheet.sheet_view.rightToLeft is True
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][1] == "الاسم" and len(values) == 3
    assert all(not str(v).startswith("=") for row in values for v in row if v is not None)
    english = load_workbook(io.BytesIO(office.get("/alpha/staff/exports/beneficiaries.xlsx?lang=en").data)).active
    assert not english.sheet_view.rightToLeft


def test_each_export_is_audited_with_its_filters_and_row_count(app, office):
    office.get("/alpha/staff/exports/beneficiaries.csv?category=widow")
    with app_ctx(app), cross_tenant_scope():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "export.beneficiaries")).one()
        assert entry.after["rows"] == 2 and entry.after["filters"] == {"category": "widow"}
        assert entry.actor_id is not None


def test_exports_are_for_members_only(app, office, client):
    outsider = staff_client(app, "officer2@beta.test", "beta", ["relations_officer"])
    assert outsider.get("/alpha/staff/exports/beneficiaries.csv").status_code == 404
    assert client.get("/alpha/staff/exports/requests.xlsx").status_code == 302  # to the login page
    assert office.get("/alpha/staff/exports/requests.pdf").status_code == 404


def test_the_list_pages_link_their_exports_with_the_filters(office):
    html = office.get("/alpha/staff/requests?state=received").get_data(as_text=True)
    assert "/alpha/staff/exports/requests.csv?state=received" in html
    assert "/alpha/staff/exports/referrals.xlsx" in office.get("/alpha/staff/referrals").get_data(as_text=True)


def test_the_admin_exports_the_filtered_audit_log(app, office):
    make_user(app, "admin@alpha.test", {"alpha": ["tenant_admin"]})
    admin = app.test_client()
    login(admin, "admin@alpha.test")
    rows = _csv(admin.get("/alpha/admin/exports/audit.csv?action=beneficiary.create&lang=en"))
    assert rows[0][:3] == ["When", "When (Hijri)", "Who"]
    assert len(rows) == 4 and {r[4] for r in rows[1:]} == {"beneficiary.create"}
    assert rows[0][5] == "What" and {r[5] for r in rows[1:]} == {"Opened a file"}  # the code, then its label
    assert "ملف جمعية أخرى" not in str(rows)
    assert admin.get("/alpha/admin/exports/audit.csv?since=yesterday").status_code == 422
    assert office.get("/alpha/admin/exports/audit.csv").status_code == 403
