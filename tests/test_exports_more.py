"""Exports of the complaints list and the survey results: the list's rows, the role's fields, aggregates only."""
import csv
import io
from datetime import date

import sqlalchemy as sa
from openpyxl import load_workbook

from core.extensions import db
from core.models import AuditEntry
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx
from tests.portal_helpers import portal_tenant
from tests.test_api_more import COMPLAINT, _answers, _file_complaint
from tests.test_staff_helpers import staff_client


def _csv(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def _complaints(app, client):
    portal_tenant(app, "alpha")
    portal_tenant(app, "beta")
    _file_complaint(app, client, "alpha")
    _file_complaint(app, client, "beta")
    with app_ctx(app), cross_tenant_scope():
        from core.grievances.models import Complaint

        return db.session.scalars(sa.select(Complaint.reference).order_by(Complaint.id)).all()


def test_the_director_exports_the_complaints_of_this_association_with_the_complainant(app, client):
    alpha_ref, _beta_ref = _complaints(app, client)
    director = staff_client(app, "ed@alpha.test", "alpha", ["executive_director"])
    rows = _csv(director.get("/alpha/staff/exports/complaints.csv?lang=en"))
    header, body = rows[0], rows[1:]
    assert header[:7] == ["Reference", "Subject", "State", "Received through", "Complainant", "ID number", "Mobile"]
    assert len(body) == 1 and body[0][0] == alpha_ref and body[0][4] == COMPLAINT["name"]
    assert body[0][2] == "Received" and "Filed (Hijri)" in header
    assert _csv(director.get("/alpha/staff/exports/complaints.csv?overdue=1"))[1:] == []
    assert len(_csv(director.get("/alpha/staff/exports/complaints.csv?state=received"))) == 2
    assert len(_csv(director.get("/alpha/staff/exports/complaints.csv?state=closed"))) == 1
    sheet = load_workbook(io.BytesIO(director.get("/alpha/staff/exports/complaints.xlsx?lang=ar").data)).active
    assert sheet.sheet_view.rightToLeft and sheet.max_row == 2
    with app_ctx(app), cross_tenant_scope():
        # The first export's entry (the full list, one row): in the order they were written, not the heap's.
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "export.complaints")
                                   .order_by(AuditEntry.id)).first()
        assert entry.after["rows"] == 1


def test_other_roles_export_no_complainant_and_only_the_complaints_they_may_open(app, client):
    _complaints(app, client)
    admin = staff_client(app, "admin@alpha.test", "alpha", ["tenant_admin"])
    rows = _csv(admin.get("/alpha/staff/exports/complaints.csv?lang=en"))
    assert len(rows) == 2 and not {"Complainant", "ID number", "Mobile"} & set(rows[0])
    assert COMPLAINT["name"] not in str(rows) and COMPLAINT["national_id"] not in str(rows)
    officer = staff_client(app, "ro@alpha.test", "alpha", ["relations_officer"])
    assert _csv(officer.get("/alpha/staff/exports/complaints.csv"))[1:] == []


def test_no_complaints_export_without_the_module(app, tenant_a):
    director = staff_client(app, "ed@alpha.test", "alpha", ["executive_director"])
    assert director.get("/alpha/staff/exports/complaints.csv").status_code == 404


def test_survey_results_export_the_page_tables_with_no_average_below_three(app, tenant_a, tenant_b):
    _answers(app, tenant_a, date(2026, 1, 1), "financial_aid", "phone", [5, 4, 3])
    _answers(app, tenant_a, date(2026, 2, 1), "in_kind_aid", "phone", [1, 2])
    _answers(app, tenant_b, date(2026, 1, 1), "financial_aid", "phone", [1, 1, 1, 1])
    viewer = staff_client(app, "viewer@alpha.test", "alpha", ["viewer"])
    rows = _csv(viewer.get("/alpha/staff/exports/surveys.csv?lang=en"))
    assert rows[0] == ["Grouped by", "Group", "Answers", "Average (1–5)"]
    by_month = [r[1:] for r in rows if r[0] == "By month"]
    assert by_month == [["2026-01", "3", "4.0"], ["2026-02", "2", "too few answers to show"]]
    assert [r[1:] for r in rows if r[0] == "By channel"] == [["Phone calls", "5", "3.0"]]
    february = _csv(viewer.get("/alpha/staff/exports/surveys.csv?from=٢٠٢٦-٠٢&lang=en"))
    assert [r[1:] for r in february if r[0] == "By month"] == [["2026-02", "2", "too few answers to show"]]
    for month in ("2026-13", "0000-01", "२०२६-01"):
        assert viewer.get(f"/alpha/staff/exports/surveys.csv?from={month}").status_code == 400, month
    assert staff_client(app, "x@beta.test", "beta", ["viewer"]).get("/alpha/staff/exports/surveys.csv") \
        .status_code == 404
