"""Beneficiary files: each bad value is named on its field, nothing is written; edits never overwrite."""
import re

import pytest
import sqlalchemy as sa

from core.beneficiaries.models import Beneficiary, HouseholdMember, IncomeSource
from core.extensions import db
from core.models import AuditEntry
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx, post_form
from tests.test_staff_helpers import VERSION_RE, open_file, staff_client

GOOD = {"name": "فاطمة أحمد", "national_id": "1058529940", "nationality": "SA", "gender": "female",
        "mobile": "0501234567", "birth_date": "1990-03-01", "birth_calendar": "gregorian", "language": "ar"}


def _files(app):
    with app_ctx(app), cross_tenant_scope():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Beneficiary))


@pytest.fixture
def officer(app, tenant_a):
    return staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])


@pytest.mark.parametrize("field, value, message", [
    ("national_id", "1058529941", "رقم الهوية غير صحيح"),
    ("national_id", "", "هذا الحقل مطلوب"),
    ("mobile", "0111234567", "هذا ليس رقم جوال"),
    ("email", "not-an-address", "name@example.com"),
    ("birth_date", "1990-02-30", "هذا التاريخ غير موجود"),
    ("birth_date", "2999-01-01", "في المستقبل"),
    ("gender", "other", "اختر أحد الخيارات"),
    ("name", "", "هذا الحقل مطلوب"),
    ("categories", "astronaut", "اختر أحد الخيارات"),
    ("nationality", "XX", "اختر أحد الخيارات"),
])
def test_each_bad_value_gets_a_message_on_its_field_and_nothing_is_written(app, officer, field, value, message):
    response = post_form(officer, "/alpha/staff/beneficiaries/new", {**GOOD, field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'id="{field}-error">([^<]*)<', html)
    assert error and message in error.group(1), html[:200]
    assert _files(app) == 0


def test_english_messages_on_the_english_page(app, officer):
    response = post_form(officer, "/alpha/staff/beneficiaries/new?lang=en", {**GOOD, "national_id": "3058529940"})
    assert "A national ID starts with 1" in response.get_data(as_text=True)


def test_hijri_birth_date_is_stored_as_the_gregorian_day(app, officer):
    file_id = open_file(officer, "alpha", birth_date="1446-02-03", birth_calendar="hijri")
    with app_ctx(app), cross_tenant_scope():
        assert db.session.get(Beneficiary, file_id).birth_date.isoformat() == "2024-08-07"
    response = post_form(officer, "/alpha/staff/beneficiaries/new",
                         {**GOOD, "national_id": "1001244019", "birth_date": "1446-13-01", "birth_calendar": "hijri"})
    assert response.status_code == 422 and "أم القرى" in response.get_data(as_text=True)


def test_a_national_id_has_one_file_per_association(app, officer, tenant_b):
    open_file(officer, "alpha")
    response = post_form(officer, "/alpha/staff/beneficiaries/new", {**GOOD, "national_id": "1058529940"})
    assert response.status_code == 422 and "لهذا الرقم ملف قائم" in response.get_data(as_text=True)
    other = staff_client(app, "officer@beta.test", "beta", ["relations_officer"])
    open_file(other, "beta")  # another association may have its own file for the same person
    with app_ctx(app), cross_tenant_scope():
        numbers = db.session.execute(sa.select(Beneficiary.tenant_id, Beneficiary.file_number)).all()
    assert sorted(n for _, n in numbers) == [1, 1]


def test_file_numbers_count_up_per_association(app, officer):
    first = open_file(officer, "alpha")
    second = open_file(officer, "alpha", national_id="1001244019")
    with app_ctx(app), cross_tenant_scope():
        assert [db.session.get(Beneficiary, i).file_number for i in (first, second)] == [1, 2]


def test_the_mobile_is_stored_e164_and_the_name_normalised(app, officer):
    file_id = open_file(officer, "alpha", mobile="٠٥٥١٢٣٤٥٦٧", name="أحْمَد  الـعتيبي")
    with app_ctx(app), cross_tenant_scope():
        b = db.session.get(Beneficiary, file_id)
        assert b.mobile == "+966551234567"
        assert b.name_search == "احمد العتيبي"


def test_the_second_of_two_edits_is_refused_and_nothing_is_overwritten(app, officer):
    file_id = open_file(officer, "alpha")
    colleague = staff_client(app, "researcher@alpha.test", "alpha", ["social_researcher"])
    url = f"/alpha/staff/beneficiaries/{file_id}/edit"
    mine = officer.get(url).get_data(as_text=True)
    theirs = colleague.get(url).get_data(as_text=True)
    version = VERSION_RE.search(mine).group(1)
    assert VERSION_RE.search(theirs).group(1) == version
    base = {**GOOD, "national_id": "1058529940", "version": version}
    assert post_form(colleague, url, {**base, "city": "جدة"}).status_code == 302
    response = post_form(officer, url, {**base, "city": "مكة"})
    assert response.status_code == 409
    assert "عدّل شخص آخر" in response.get_data(as_text=True)
    with app_ctx(app), cross_tenant_scope():
        assert db.session.get(Beneficiary, file_id).city == "جدة"
    # Saving again from the page shown after the refusal (it carries the new version) works.
    new_version = VERSION_RE.search(response.get_data(as_text=True)).group(1)
    assert post_form(officer, url, {**base, "city": "مكة", "version": new_version}).status_code == 302


def test_household_members_and_income_are_validated_and_audited(app, officer):
    file_id = open_file(officer, "alpha")
    page = f"/alpha/staff/beneficiaries/{file_id}"
    response = post_form(officer, f"{page}/household", {"relation": "son", "name": "", "national_id": "1234"},
                         form_page=page)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "هذا الحقل مطلوب" in html and "رقم الهوية عشرة أرقام" in html
    assert post_form(officer, f"{page}/household", {"relation": "son", "name": "محمد", "birth_date": "2012-09-01",
                                                     "schooling": "الصف السادس"}, form_page=page).status_code == 302
    assert post_form(officer, f"{page}/incomes", {"kind": "salary", "monthly_amount": "-5"},
                     form_page=page).status_code == 422
    assert post_form(officer, f"{page}/incomes", {"kind": "social_security", "monthly_amount": "١٢٠٠"},
                     form_page=page).status_code == 302
    with app_ctx(app), cross_tenant_scope():
        assert db.session.scalar(sa.select(HouseholdMember.name)) == "محمد"
        assert str(db.session.scalar(sa.select(IncomeSource.monthly_amount))) == "1200.00"
        actions = list(db.session.scalars(sa.select(AuditEntry.action)))
    assert "beneficiary.household.add" in actions and "beneficiary.income.add" in actions


def test_viewing_a_file_is_audited_and_a_viewer_cannot_edit(app, officer):
    file_id = open_file(officer, "alpha")
    viewer = staff_client(app, "viewer@alpha.test", "alpha", ["viewer"])
    assert viewer.get(f"/alpha/staff/beneficiaries/{file_id}").status_code == 200
    assert viewer.get(f"/alpha/staff/beneficiaries/{file_id}/edit").status_code == 403
    assert viewer.get("/alpha/staff/beneficiaries/new").status_code == 403
    with app_ctx(app), cross_tenant_scope():
        views = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "beneficiary.view")).all()
        assert any(v.object_id == str(file_id) for v in views)
