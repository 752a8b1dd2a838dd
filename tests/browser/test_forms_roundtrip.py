"""Staff forms in a real browser (Arabic, desktop and a 390×844 phone): a refused form keeps what was typed and
its banner links to the field; the language switch after the refusal lands on the page; dates typed with
Arabic-Indic digits or in Hijri are previewed in both calendars and stored as the right day; rejecting and
closing ask for a confirmation."""
from datetime import date

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.tenancy import tenant_scope
from core.workflow.models import RequestDocument, SupportRequest
from tests.browser.conftest import screenshot
from tests.helpers import PASSWORD, app_ctx
from tests.test_staff_helpers import act, open_file, open_request, receive_all_documents, staff_client

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 390, "height": 844}}
AUG_7 = date(2024, 8, 7)


def _tenant_id(app):
    from core import tenants
    from core.tenancy import cross_tenant_scope

    with app_ctx(app), cross_tenant_scope():
        return tenants.by_slug("alpha").id


def _documents(app, request_id):
    with app_ctx(app), tenant_scope(_tenant_id(app)):
        return [d.id for d in db.session.scalars(sa.select(RequestDocument).where(
            RequestDocument.request_id == request_id).order_by(RequestDocument.id))]


def _received_on(app, doc_id):
    with app_ctx(app), tenant_scope(_tenant_id(app)):
        return db.session.get(RequestDocument, doc_id).received_on


def _state(app, request_id):
    with app_ctx(app), tenant_scope(_tenant_id(app)):
        return db.session.get(SupportRequest, request_id).state


def _browser_page(browser, live_server, email, viewport):
    context = browser.new_context(locale="ar-SA", viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.goto(f"{live_server}/auth/login?lang=ar")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/alpha/staff/")
    return context, page


def _switch_language(page, lang):
    """The language link in the top bar (behind the menu button on a phone)."""
    if page.locator(".navbar-toggler").is_visible():
        page.locator(".navbar-toggler").click()
    link = page.locator(f'a[hreflang="{lang}"]')
    link.wait_for(state="visible")
    with page.expect_navigation():
        link.click()


def _fits(page, viewport):
    if viewport == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 392


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_refused_checklist_keeps_values_and_the_language_switch_lands_on_the_page(app, browser, live_server,
                                                                                 tenant_a, viewport):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    request_id = open_request(officer, "alpha", open_file(officer, "alpha"), "interview")
    first, second, *_ = _documents(app, request_id)
    context, page = _browser_page(browser, live_server, "officer@alpha.test", viewport)
    url = f"{live_server}/alpha/staff/requests/{request_id}"
    page.goto(url)

    # A date that does not exist, with the "verified" tick: refused, and both stay as typed.
    page.fill(f"#rec-{first}", "31/02/2024")
    page.check(f"#ver-{first}")
    page.locator(f"tr:has(#rec-{first}) button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert page.input_value(f"#rec-{first}") == "31/02/2024"
    assert page.is_checked(f"#ver-{first}")
    assert "/documents/" in page.url  # the address of the POST that was refused
    # The banner's link names the field and focuses it.
    link = page.locator(".error-summary a").first
    assert "/" in link.inner_text() or link.inner_text()
    link.click()
    assert page.evaluate("document.activeElement.id") == f"rec-{first}"
    _fits(page, viewport)
    screenshot(page, f"forms-refused-checklist-ar-{viewport}")

    # The language switch goes to the request page in English (no 405 on the POST address).
    _switch_language(page, "en")
    assert page.url == f"{url}?lang=en"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").first.is_visible()
    _switch_language(page, "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"

    # Arabic-Indic digits and a Hijri date: previewed in both calendars, stored as 7 August 2024.
    for doc_id, typed in ((first, "٠٧/٠٨/٢٠٢٤"), (second, "١٤٤٦/٠٢/٠٣ هـ")):
        page.fill(f"#rec-{doc_id}", "")
        page.type(f"#rec-{doc_id}", typed)
        echo = page.locator(f"#rec-{doc_id}-understood")
        echo.locator("text=1446-02-03").wait_for()
        assert "2024-08-07" in echo.inner_text()
        page.locator(f"tr:has(#rec-{doc_id}) button[type=submit]").click()
        page.wait_for_url(url)
        assert _received_on(app, doc_id) == AUG_7, typed
    context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_reject_and_close_ask_for_a_confirmation(app, browser, live_server, tenant_a, viewport):
    staff = staff_client(app, "staff@alpha.test", "alpha", ["relations_officer"])
    staff_client(app, "reviewer@alpha.test", "alpha", ["reviewer"])
    request_id = open_request(staff, "alpha", open_file(staff, "alpha"), "interview")
    assert act(staff, "alpha", request_id, "check_documents").status_code == 302
    receive_all_documents(app, staff, "alpha", request_id)
    assert act(staff, "alpha", request_id, "declare", method="in_person", signed="1").status_code == 302
    assert act(staff, "alpha", request_id, "send_to_review").status_code == 302
    context, page = _browser_page(browser, live_server, "reviewer@alpha.test", viewport)
    url = f"{live_server}/alpha/staff/requests/{request_id}"
    page.goto(url)

    card = page.locator(".action-reject")
    card.locator("input[name=meeting_date]").type("1446/02/03 هـ")  # a Hijri meeting date
    card.locator("textarea[name=members]").fill("أ. سعد، أ. نورة، أ. خالد")
    reason = "الدخل الشهري للأسرة يزيد على الحد المعتمد"
    card.locator("textarea[name=reason]").fill(reason)
    card.locator("button[type=submit]").click()
    page.wait_for_selector(".confirm-page")
    assert reason in page.locator(".confirm-page").inner_text()
    assert _state(app, request_id) == "under_review"
    _fits(page, viewport)
    screenshot(page, f"forms-confirm-reject-ar-{viewport}")
    page.locator('button[name=confirmed][value="1"]').click()
    page.wait_for_url(url)
    assert _state(app, request_id) == "rejected"
    with app_ctx(app), tenant_scope(_tenant_id(app)):
        assert db.session.get(SupportRequest, request_id).committee_meeting_date == AUG_7

    context.close()

    # Closing before the beneficiary was told: a warning, a reason required, then the confirmation.
    context, page = _browser_page(browser, live_server, "staff@alpha.test", viewport)
    page.goto(url)
    assert page.locator(".close-untold").is_visible()
    page.locator(".action-close button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert _state(app, request_id) == "rejected"
    page.locator(".action-close textarea[name=reason]").fill("انتقل المستفيد ولا يمكن الوصول إليه")
    page.locator(".action-close button[type=submit]").click()
    page.wait_for_selector(".confirm-warning")
    page.locator('button[name=confirmed][value="1"]').click()
    page.wait_for_url(url)
    assert _state(app, request_id) == "closed"
    context.close()
