"""Staff forms: typed dates in either calendar, values kept after an error, the error summary, the language
switch after a refused form, and the confirmation step of irreversible actions."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from core.dates import DateInputError, read_date, understood
from core.extensions import db
from core.models import AuditEntry
from core.tenancy import tenant_scope
from core.workflow.models import Interaction, RequestDocument, SupportRequest
from tests.helpers import app_ctx, post_form
from tests.test_staff_helpers import (
    COMMITTEE,
    act,
    complete_verification,
    open_file,
    open_request,
    receive_all_documents,
    staff_client,
)

AUG_7 = date(2024, 8, 7)  # = 1446-02-03 (Umm al-Qura), a Wednesday


# --- the parser ----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "2024-08-07", "2024/8/7", "07/08/2024", "7/8/2024", "07-08-2024", "07.08.2024", "2024-08-07 م",
    "٠٧/٠٨/٢٠٢٤", "٢٠٢٤-٠٨-٠٧", "۰۷/۰۸/۲۰۲۴",
    "1446/02/03 هـ", "1446/02/03هـ", "1446-02-03", "03/02/1446", "3/2/1446 ه", "1446/2/3 AH",
    "١٤٤٦/٠٢/٠٣ هـ", "٠٣/٠٢/١٤٤٦ هـ", "\u200f07/08/2024\u200f",
])
def test_every_accepted_form_of_a_date_reads_as_the_same_day(typed):
    assert read_date(typed).day == AUG_7


def test_the_year_decides_the_calendar():
    assert read_date("1446/02/03").calendar == "hijri"
    assert read_date("07/08/2024").calendar == "gregorian"
    assert read_date("1500/12/29").calendar == "hijri"  # the Umm al-Qura table's last year


@pytest.mark.parametrize("typed, words", [
    ("31/02/2024", "does not exist"),
    ("2024-13-01", "does not exist"),
    ("1446/13/01", "Umm al-Qura"),
    ("1300/01/01", "Umm al-Qura"),
    ("2024/08/07 هـ", "does not belong"),
    ("1446/02/03 م", "does not belong"),
    ("08/2024", "day/month/year"),
    ("tomorrow", "day/month/year"),
    ("२०२४-०८-०७", "digits 0-9"),
])
def test_a_date_that_cannot_be_read_is_refused_with_a_reason(app, typed, words):
    with app.test_request_context("/?lang=en"):
        with pytest.raises(DateInputError) as caught:
            read_date(typed)
        assert words in str(caught.value.message)


def test_the_reason_is_in_arabic_for_an_arabic_page(app):
    with app.test_request_context("/?lang=ar"):
        with pytest.raises(DateInputError) as caught:
            read_date("31/02/2024")
        assert re.search("[\u0600-\u06ff]", str(caught.value.message))
        assert "does not exist" not in str(caught.value.message)


def test_understood_tells_both_calendars(client):
    assert understood("") is None
    seen = understood("٠٧/٠٨/٢٠٢٤")
    assert seen["iso"] == "2024-08-07" and seen["hijri"] == "1446-02-03" and seen["calendar"] == "gregorian"
    body = client.get("/dates/understand", query_string={"value": "1446/02/03 هـ", "lang": "ar"}).get_json()
    assert body["ok"] and body["iso"] == "2024-08-07" and "1446-02-03" in body["html"] and "2024-08-07" in body["html"]
    bad = client.get("/dates/understand", query_string={"value": "31/02/2024", "lang": "en"}).get_json()
    assert not bad["ok"] and "does not exist" in bad["error"]


# --- a request on its way, over HTTP -------------------------------------------------------------

def _tenant_id(app, slug):
    from core import tenants
    from core.tenancy import cross_tenant_scope

    with app_ctx(app), cross_tenant_scope():
        return tenants.by_slug(slug).id


def _documents(app, slug, request_id):
    with app_ctx(app), tenant_scope(_tenant_id(app, slug)):
        return [(d.id, d.version) for d in db.session.scalars(
            sa.select(RequestDocument).where(RequestDocument.request_id == request_id).order_by(RequestDocument.id))]


@pytest.fixture
def officer(app, tenant_a):
    return staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])


@pytest.fixture
def new_request(app, officer):
    beneficiary_id = open_file(officer, "alpha")
    return open_request(officer, "alpha", beneficiary_id, "interview")


def _under_review(app, officer, request_id):
    assert act(officer, "alpha", request_id, "check_documents").status_code == 302
    receive_all_documents(app, officer, "alpha", request_id)
    assert act(officer, "alpha", request_id, "declare", method="in_person", signed="1").status_code == 302
    complete_verification(app, officer, "alpha", request_id)
    assert act(officer, "alpha", request_id, "send_to_review").status_code == 302


def _state(app, request_id):
    with app_ctx(app), tenant_scope(_tenant_id(app, "alpha")):
        return db.session.get(SupportRequest, request_id).state


def test_the_documents_checklist_keeps_the_typed_date_and_the_tick_on_an_error(app, officer, new_request):
    (doc_id, version), *_ = _documents(app, "alpha", new_request)
    url = f"/alpha/staff/requests/{new_request}"
    response = post_form(officer, f"{url}/documents/{doc_id}", {"received_on": "31/02/2024", "verified": "1",
                                                                "version": str(version)}, form_page=url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    row = page.split(f'id="rec-{doc_id}"', 1)[1].split("</form>", 1)[0]
    assert 'value="31/02/2024"' in row  # not replaced by today's date
    assert re.search(rf'id="ver-{doc_id}"[^>]*checked', page)  # the "verified" tick is kept
    # The banner at the top lists the field's message as a link to it.
    summary = page.split('class="alert alert-danger error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'href="#received_on-error"' in summary
    assert 'id="received_on-error"' in row


@pytest.mark.parametrize("typed", ["٠٧/٠٨/٢٠٢٤", "1446/02/03 هـ", "١٤٤٦/٠٢/٠٣ هـ"])
def test_a_document_date_typed_in_arabic_digits_or_hijri_is_stored_as_the_right_day(app, officer, new_request,
                                                                                   typed):
    (doc_id, version), *_ = _documents(app, "alpha", new_request)
    url = f"/alpha/staff/requests/{new_request}"
    response = post_form(officer, f"{url}/documents/{doc_id}", {"received_on": typed, "version": str(version)},
                         form_page=url)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app_ctx(app), tenant_scope(_tenant_id(app, "alpha")):
        assert db.session.get(RequestDocument, doc_id).received_on == AUG_7


def test_the_server_echoes_the_understood_date_when_the_form_comes_back(app, officer):
    beneficiary_id = open_file(officer, "alpha")
    url = f"/alpha/staff/beneficiaries/{beneficiary_id}"
    response = post_form(officer, f"{url}/household", {"relation": "son", "name": "", "birth_date": "١٤٤٦/٠٢/٠٣ هـ"},
                         form_page=url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="١٤٤٦/٠٢/٠٣ هـ"' in page
    echo = page.split('id="hm-birth_date-understood"', 1)[1].split("</div>", 1)[0]
    assert "2024-08-07" in echo and "1446-02-03" in echo


def test_the_verification_checklist_keeps_what_was_typed_on_an_error(app):
    from core.eligibility.models import VerificationStep
    from tests import welfare_helpers as welfare

    tenant_id = welfare.make_welfare_tenant(app, "elig")
    officer = welfare.staff_client(app, "officer@elig.test", "elig", ["relations_officer"])
    request_id = welfare.open_request(officer, "elig", welfare.open_file(officer, "elig"), "phone")
    url = f"/elig/staff/requests/{request_id}/verification"
    with app_ctx(app), tenant_scope(tenant_id):
        step = db.session.scalars(sa.select(VerificationStep).where(VerificationStep.request_id == request_id)
                                  .where(VerificationStep.kind == "evidence")).first()
        step_id, version = step.id, step.version
    # "done" without evidence is refused: the chosen status and the typed note stay on the form.
    response = post_form(officer, f"{url}/steps/{step_id}", {"status": "done", "note": "", "version": str(version)},
                         form_page=url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'id="st-{step_id}".*?<option value="done" selected', page, re.S)
    typed = "ملاحظة طويلة " * 160  # over 2000 characters
    response = post_form(officer, f"{url}/steps/{step_id}", {"status": "not_applicable", "note": typed,
                                                             "version": str(version)}, form_page=url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'value="{typed}"' in page
    assert re.search(rf'id="st-{step_id}".*?<option value="not_applicable" selected', page, re.S)


def _page_field(html):
    """The hidden field every staff form carries: the page it was shown on (a browser posts it back)."""
    return re.search(r'name="_page" value="([^"]*)"', html).group(1).replace("&amp;", "&")


def test_the_language_switch_after_a_refused_form_points_at_the_page(app, officer, new_request):
    assert act(officer, "alpha", new_request, "check_documents").status_code == 302
    receive_all_documents(app, officer, "alpha", new_request)
    url = f"/alpha/staff/requests/{new_request}"
    shown_on = _page_field(officer.get(url).get_data(as_text=True))
    assert shown_on == url
    response = act(officer, "alpha", new_request, "declare", method="in_person", _page=shown_on)  # not signed
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    link = re.search(r'href="([^"]+)" lang="en" hreflang="en"', page).group(1).replace("&amp;", "&")
    assert link == f"{url}?lang=en"
    assert officer.get(link).status_code == 200
    # Refused twice in a row (the second form was on the refusal's page): still the page, not the POST address.
    again = act(officer, "alpha", new_request, "declare", method="in_person", _page=_page_field(page))
    assert f'href="{url}?lang=ar"' in again.get_data(as_text=True)  # the page is in English now
    # Without the field, the browser's Referer names the page.
    by_referrer = act(officer, "alpha", new_request, "declare", method="in_person",
                      headers={"Referer": f"http://localhost{url}?lang=ar"})
    assert f'href="{url}?lang=ar"' in by_referrer.get_data(as_text=True)


def test_rejecting_asks_for_a_confirmation_first(app, officer, new_request):
    reviewer = staff_client(app, "reviewer@alpha.test", "alpha", ["reviewer"])
    _under_review(app, officer, new_request)
    reason = "الدخل الشهري للأسرة يزيد على الحد المعتمد في اللائحة"
    asked = act(reviewer, "alpha", new_request, "reject", reason=reason, confirmed=None, **COMMITTEE)
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "confirm-page" in page and reason in page and 'name="confirmed" value="1"' in page
    assert _state(app, new_request) == "under_review"  # nothing was written yet: no state, audit or message
    with app_ctx(app), tenant_scope(_tenant_id(app, "alpha")):
        from core.messaging.models import OutboxMessage

        assert not db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "request.reject")).first()
        assert not db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "decision_rejected")).first()
    back = act(reviewer, "alpha", new_request, "reject", reason=reason, confirmed="back", **COMMITTEE)
    assert back.status_code == 200 and reason in back.get_data(as_text=True)
    assert "confirm-page" not in back.get_data(as_text=True) and _state(app, new_request) == "under_review"
    # Bad input is refused before the confirmation, not after it.
    refused = act(reviewer, "alpha", new_request, "reject", reason="", confirmed=None, **COMMITTEE)
    assert refused.status_code == 422 and "confirm-page" not in refused.get_data(as_text=True)
    assert act(reviewer, "alpha", new_request, "reject", reason=reason, **COMMITTEE).status_code == 302
    assert _state(app, new_request) == "rejected"


def test_closing_a_rejection_before_the_beneficiary_was_told_needs_a_reason(app, officer, new_request):
    reviewer = staff_client(app, "reviewer@alpha.test", "alpha", ["reviewer"])
    _under_review(app, officer, new_request)
    assert act(reviewer, "alpha", new_request, "reject", reason="الدخل يزيد على الحد المعتمد",
               **COMMITTEE).status_code == 302
    page = officer.get(f"/alpha/staff/requests/{new_request}").get_data(as_text=True)
    assert "close-untold" in page
    refused = act(officer, "alpha", new_request, "close")
    assert refused.status_code == 422 and 'id="reason-error"' in refused.get_data(as_text=True)
    why = "انتقل المستفيد إلى مدينة أخرى ولا يمكن الوصول إليه"
    asked = act(officer, "alpha", new_request, "close", reason=why, confirmed=None)
    assert asked.status_code == 200 and "confirm-warning" in asked.get_data(as_text=True)
    assert act(officer, "alpha", new_request, "close", reason=why).status_code == 302
    with app_ctx(app), tenant_scope(_tenant_id(app, "alpha")):
        assert db.session.get(SupportRequest, new_request).state == "closed"
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "request.close")).one()
        assert entry.after["closed_before_told"] is True and entry.after["reason"] == why
        summaries = db.session.scalars(sa.select(Interaction.summary).where(Interaction.request_id == new_request))
        assert any(why in s for s in summaries)


def test_closing_after_the_beneficiary_was_told_needs_no_reason(app, officer, new_request):
    reviewer = staff_client(app, "reviewer@alpha.test", "alpha", ["reviewer"])
    _under_review(app, officer, new_request)
    assert act(reviewer, "alpha", new_request, "reject", reason="الدخل يزيد على الحد المعتمد",
               **COMMITTEE).status_code == 302
    url = f"/alpha/staff/requests/{new_request}"
    from tests.test_staff_helpers import version_of

    told = post_form(officer, f"{url}/notified", {"channel": "phone", "version": version_of(officer, url)},
                     form_page=url)
    assert told.status_code == 302, told.get_data(as_text=True)[:2000]
    assert "close-untold" not in officer.get(url).get_data(as_text=True)
    assert act(officer, "alpha", new_request, "close").status_code == 302


def test_another_associations_staff_cannot_confirm_an_action(app, officer, new_request, tenant_b):
    outsider = staff_client(app, "reviewer@beta.test", "beta", ["reviewer", "relations_officer"])
    response = post_form(outsider, f"/alpha/staff/requests/{new_request}/actions/withdraw",
                         {"reason": "سبب", "version": "1", "confirmed": "1"}, form_page="/beta/staff/")
    assert response.status_code in (403, 404)
    assert _state(app, new_request) == "received"


# --- every staff form keeps what was typed when it is refused ------------------------------------

FORMS = {
    # name: (path under the file, the form's page under the file, posted values, values that must come back)
    "new file": ("/alpha/staff/beneficiaries/new", None,
                 {"name": "سعاد علي الزهراني", "national_id": "123", "nationality": "SA", "gender": "female",
                  "mobile": "0501234567", "city": "جدة", "language": "ar", "birth_date": "١٤٠٠/٠١/٠١ هـ"},
                 ['value="سعاد علي الزهراني"', 'value="جدة"', 'value="١٤٠٠/٠١/٠١ هـ"',
                  '<option value="female" selected']),
    "household": ("{file}/household", "{file}",
                  {"relation": "daughter", "name": "", "birth_date": "07/08/2024", "schooling": "الصف الأول"},
                  ['value="07/08/2024"', 'value="الصف الأول"', '<option value="daughter" selected']),
    "income": ("{file}/incomes", "{file}", {"kind": "salary", "monthly_amount": "كثير"},
               ['value="كثير"', '<option value="salary" selected']),
    "contact": ("{file}/contacts", "{file}", {"channel": "phone", "direction": "out", "summary": ""},
                ['<option value="phone" selected', '<option value="out" selected']),
    "referral": ("{file}/referrals", "{file}", {"question": "؟"}, [">؟</textarea>"]),
    "new request": ("{file}/requests/new", "{file}/requests/new",
                    {"channel": "phone", "service": "", "office": "فرع الشمال", "details": "سلة غذائية للأسرة"},
                    ['value="فرع الشمال"', ">سلة غذائية للأسرة</textarea>", '<option value="phone" selected']),
}


@pytest.mark.parametrize("form", FORMS)
def test_a_refused_staff_form_shows_every_typed_value_again(app, officer, form):
    path, page, data, expected = FORMS[form]
    file_url = f"/alpha/staff/beneficiaries/{open_file(officer, 'alpha')}"
    response = post_form(officer, path.format(file=file_url), data,
                         form_page=page.format(file=file_url) if page else None)
    assert 400 <= response.status_code < 500, response.status_code
    html = response.get_data(as_text=True)
    for piece in expected:
        assert piece in html, piece
    assert "error-summary" in html and 'href="#' in html.split("error-summary", 1)[1].split("</div>", 1)[0]


def test_an_admin_form_banner_links_each_error_to_its_field(app, tenant_a):
    admin = staff_client(app, "admin@alpha.test", "alpha", ["tenant_admin"])
    response = post_form(admin, "/alpha/admin/users/invite", {"email": "ليس بريدًا", "roles": []})
    assert 400 <= response.status_code < 500
    html = response.get_data(as_text=True)
    summary = html.split("error-summary", 1)[1].split("</div>", 1)[0]
    assert 'href="#email-error"' in summary and 'id="email-error"' in html
    assert 'value="ليس بريدًا"' in html


def test_freezing_a_file_asks_for_a_confirmation_and_going_back_keeps_the_values(app):
    from core.beneficiaries.models import Beneficiary
    from tests import welfare_helpers as welfare

    tenant_id = welfare.make_welfare_tenant(app, "frz")
    officer = welfare.staff_client(app, "officer@frz.test", "frz", ["relations_officer"])
    file_id = welfare.open_file(officer, "frz")

    def status():
        with app_ctx(app), tenant_scope(tenant_id):
            return db.session.get(Beneficiary, file_id).status

    before = status()
    asked = welfare.lifecycle_post(officer, "frz", file_id, "freeze", reason="unreported_change", confirmed="")
    assert asked.status_code == 200 and "confirm-page" in asked.get_data(as_text=True)
    assert status() == before
    back = welfare.lifecycle_post(officer, "frz", file_id, "freeze", reason="unreported_change", confirmed="back")
    assert back.status_code == 200 and "confirm-page" not in back.get_data(as_text=True)
    assert '<option value="unreported_change" selected' in back.get_data(as_text=True)
    assert status() == before
    assert welfare.lifecycle_post(officer, "frz", file_id, "freeze", reason="unreported_change").status_code == 302
    assert status() == "frozen"


@pytest.mark.parametrize("hostile", ["//evil.example/x", "https://evil.example/alpha/staff/", "javascript:alert(1)",
                                     "/\\evil.example", ""])
def test_the_language_link_never_points_off_the_site(app, hostile):
    from core.i18n import lang_url

    with app.test_request_context("/alpha/staff/requests/1/actions/declare", method="POST",
                                  data={"_page": hostile}, headers={"Referer": hostile}):
        from flask import request

        request.url_rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "staff.request_action")
        link = lang_url("en")
    assert link.startswith("/") and not link.startswith("//") and "evil" not in link and "javascript" not in link
