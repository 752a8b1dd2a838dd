"""Untranslated and raw text (issue 8, defect 7): the audit log says who did what to which record, with
labelled before/after fields and dd/mm/yyyy date filters; the conflict panel shows translated values."""
import re
from datetime import datetime
from pathlib import Path

import pytest

from core import audit
from core.audit_labels import ACTIONS, action_label
from core.calendar import RIYADH
from core.tenancy import tenant_scope
from tests.helpers import app_ctx, login, make_user, post_form
from tests.test_staff_helpers import open_file, staff_client

ROOT = Path(__file__).resolve().parent.parent


def _admin(app, client):
    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    login(client, "admin@alpha.example")


def _write(app, tenant_id, *records):
    with app_ctx(app) as session, tenant_scope(tenant_id):
        made = [audit.record(action, **kwargs) for action, kwargs in records]
        session.commit()
        return [e.id for e in made]


def test_every_action_code_in_the_source_has_a_label():
    codes = set()
    for path in [*ROOT.glob("core/**/*.py"), *ROOT.glob("blueprints/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'audit\.record\(\s*"([a-z_]+(?:\.[a-z_]+)+)"', text))
        codes |= set(re.findall(r'_set_status\([^)]*"([a-z_]+\.[a-z_]+)"', text))
    assert len(codes) > 60
    assert sorted(c for c in codes if c not in ACTIONS) == []


@pytest.mark.parametrize("code, english", [
    ("policy.approve", "Recorded the board's approval of the policy"),
    ("request.accept", "Request: Accept"),
    ("complaint.decide", "Complaint: Record the decision"),
    ("file.freeze", "File: Freeze the file"),
    ("export.beneficiaries", "Exported a list (beneficiaries)"),
])
def test_action_codes_read_as_words(app, code, english):
    with app.test_request_context("/?lang=en"):
        assert action_label(code) == (english, True)
    assert action_label("nothing.known") == ("nothing.known", False)


def test_the_audit_log_names_the_person_the_action_and_the_record_in_arabic(app, client, tenant_a):
    officer_id = make_user(app, "noura@alpha.example", {"alpha": ["relations_officer"]})
    _write(app, tenant_a,
           ("membership.update", dict(object_type="User", object_id=str(officer_id),
                                      before={"roles": ["relations_officer"]},
                                      after={"roles": ["relations_officer", "social_researcher"]})),
           ("policy.approve", dict(object_type="PolicyVersion", object_id="2", before={"status": "draft"},
                                   after={"status": "approved"})))
    _admin(app, client)
    html = client.get("/alpha/admin/audit?lang=ar").get_data(as_text=True)
    table = html.split('<table class="table table-sm audit">')[1].split("</table>")[0]
    assert "policy.approve" not in table and "membership.update" not in table
    assert "سجّل اعتماد مجلس الإدارة للسياسة" in table
    assert "غيّر أدوار شخص" in table
    # the person acted on by name, linked to their page; no "User 8"
    assert f'href="/alpha/admin/users/{officer_id}">شخص — <bdi>noura</bdi></a>' in table
    assert f"User {officer_id}" not in table
    # before/after as labelled, translated values, never JSON
    assert "الأدوار" in table and "الباحث الاجتماعي" in table
    assert "{" not in table and '"roles"' not in table


def test_an_entry_shows_before_and_after_as_labelled_fields(app, client, tenant_a):
    [entry_id] = _write(app, tenant_a, ("beneficiary.update", dict(
        object_type="Beneficiary", object_id="999", before={"marital_status": "single", "city": "جدة"},
        after={"marital_status": "married", "city": "الدمام"})))
    _admin(app, client)
    html = client.get(f"/alpha/admin/audit/{entry_id}?lang=en").get_data(as_text=True)
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td><bdi>([^<]+)</bdi></td><td><bdi>([^<]+)</bdi></td></tr>',
                      html)
    assert rows == [("Marital status", "Single", "Married"), ("City", "جدة", "الدمام")]
    assert "Changed a file" in html and "audit-json" not in html and "married" not in html


@pytest.mark.parametrize("since", ["01/02/2026", "١/٢/٢٠٢٦", "٠١/٠٢/٢٠٢٦", "2026-02-01", "1.2.2026", "١٤٤٧/٠٨/١٣ هـ"])
def test_date_filters_take_day_month_year_and_arabic_digits(app, client, tenant_a, since):
    _write(app, tenant_a, ("beneficiary.create", {}), ("auth.logout", {}))
    _admin(app, client)
    response = client.get(f"/alpha/admin/audit?lang=en&since={since}")
    assert response.status_code == 200, since


def test_date_filters_cut_on_the_day_typed_day_first(app, client, tenant_a):
    with app_ctx(app) as session, tenant_scope(tenant_a):
        old = audit.record("beneficiary.create")
        new = audit.record("auth.logout")
        old.created_at = datetime(2026, 1, 10, 9, 0, tzinfo=RIYADH)
        new.created_at = datetime(2026, 3, 5, 9, 0, tzinfo=RIYADH)
        session.commit()
    _admin(app, client)

    def shown(query):
        html = client.get(f"/alpha/admin/audit?lang=en&{query}").get_data(as_text=True)
        html = html.split('<table class="table table-sm audit">')[1]
        return {label for label in ("Opened a file", "Logged out") if label in html}

    assert shown("since=01/02/2026") == {"Logged out"}           # 1 February, not 2 January
    assert shown("until=١٠/٠١/٢٠٢٦") == {"Opened a file"}
    assert shown("since=11/01/2026&until=04/03/2026") == set()
    assert shown("until=1447/07/21") == {"Opened a file"}  # 10 January 2026, typed in the Hijri calendar


def test_date_filters_are_plain_text_fields_with_the_format_shown(app, client, tenant_a):
    _admin(app, client)
    html = client.get("/alpha/admin/audit?lang=ar").get_data(as_text=True)
    for key in ("since", "until"):
        field = re.search(rf'<input[^>]*id="filter-{key}"[^>]*>', html, re.S)[0]
        assert 'type="text"' in field and 'placeholder="يوم/شهر/سنة"' in field
    response = client.get("/alpha/admin/audit?lang=ar&until=31/02/2026")
    error = response.get_data(as_text=True).split('id="filter-until-error">')[1].split("</div>")[0]
    assert response.status_code == 422 and "هذا التاريخ غير موجود" in error


def test_the_audit_log_reads_names_in_a_fixed_number_of_queries(app, client, tenant_a):
    from core.extensions import db
    from tests.test_search import QueryCounter

    _admin(app, client)

    def count():
        with app.app_context():
            engine = db.engine
        with QueryCounter(engine) as counter:
            assert client.get("/alpha/admin/audit").status_code == 200
        return counter.count

    _write(app, tenant_a, *[("user.create", dict(object_type="User", object_id=str(i))) for i in range(2)])
    few = count()
    _write(app, tenant_a, *[("user.create", dict(object_type="User", object_id=str(i))) for i in range(40)])
    assert count() == few


def test_the_conflict_panel_shows_translated_labels_and_values(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    file_id = open_file(officer, "alpha", marital_status="married")
    page = f"/alpha/staff/beneficiaries/{file_id}/edit"
    data = {"name": "أحمد محمد العتيبي", "national_id": "1058529940", "nationality": "SA", "gender": "male",
            "marital_status": "married"}
    assert post_form(officer, page, {**data, "city": "جدة", "version": "1"}).status_code == 302
    response = post_form(officer, page + "?lang=ar", {**data, "city": "الدمام", "version": "1"})
    assert response.status_code == 409
    panel = response.get_data(as_text=True).split('class="alert alert-warning conflict"')[1].split("</div>")[0]
    assert "متزوج" in panel and "married" not in panel
    assert "الحالة الاجتماعية" in panel and "جدة" in panel


def test_empty_fields_on_the_person_card_show_a_dash(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    file_id = open_file(officer, "alpha", mobile="", email="", city="", birth_date="", marital_status="")
    html = officer.get(f"/alpha/staff/beneficiaries/{file_id}?lang=ar").get_data(as_text=True)
    card = html.split("<dl class=\"row mb-0 small\">")[1].split("</dl>")[0]
    values = dict(re.findall(r'<dt class="col-5">([^<]+)</dt><dd class="col-7">(.*?)</dd>', card, re.S))
    for label in ("الجوال", "البريد الإلكتروني", "العنوان", "تاريخ الميلاد", "الحالة الاجتماعية"):
        assert '<span class="empty-value" aria-hidden="true">—</span>' in values[label], label
        assert "غير مسجَّل" in values[label]
    assert "—" not in values["الجنس"]


def test_the_action_filter_is_a_list_of_labels_and_filters_by_code(app, client, tenant_a):
    _write(app, tenant_a, ("beneficiary.create", {}), ("auth.logout", {}))
    _admin(app, client)
    html = client.get("/alpha/admin/audit?lang=ar").get_data(as_text=True)
    select = html.split('<select class="form-select form-select-sm" id="filter-action" name="action">')[1]
    select = select.split("</select>")[0]
    assert '<option value="beneficiary.create">فتح ملفًا</option>' in select
    assert '<option value="request.">طلب: أي خطوة</option>' in select
    shown = client.get("/alpha/admin/audit?lang=en&action=beneficiary.create").get_data(as_text=True)
    table = shown.split('<table class="table table-sm audit">')[1]
    assert "Opened a file" in table and "Logged out" not in table
    assert '<option value="beneficiary.create" selected>' in shown
