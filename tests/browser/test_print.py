"""The request page printed from Chromium: the record only (no navigation, buttons or forms), in Arabic;
the printable letters open as PDFs from the links on the page."""
import pytest

from tests.browser.conftest import screenshot
from tests.helpers import make_tenant
from tests.test_staff_helpers import act, open_file, open_request, staff_client

pytestmark = pytest.mark.browser


def test_the_request_page_prints_without_navigation_buttons_or_forms(app, live_server, page):
    make_tenant(app, "alpha", license_number='"650060001"')
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    request_id = open_request(officer, "alpha", open_file(officer, "alpha"), "interview")
    assert act(officer, "alpha", request_id, "check_documents").status_code == 302

    page.goto(f"{live_server}/auth/login?lang=ar")
    page.fill("#email", "officer@alpha.test")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit]")
    url = f"{live_server}/alpha/staff/requests/{request_id}"
    page.goto(url)
    assert page.locator(".navbar").is_visible() and page.locator(".staff-nav").is_visible()
    assert page.locator("form").first.is_visible()

    page.emulate_media(media="print")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    for selector in (".navbar", ".staff-nav", ".print-links", "footer", "#actions"):
        assert not page.locator(selector).first.is_visible(), selector
    visible_controls = page.evaluate(
        "[...document.querySelectorAll('form, button, .btn, input, select')]"
        ".filter(e => e.getClientRects().length > 0).map(e => e.outerHTML.slice(0, 120))")
    assert visible_controls == []
    assert page.locator("h1 .reference").is_visible()  # the record itself stays
    assert page.locator("#documents table").is_visible()
    screenshot(page, "request-print-ar")

    pdf = page.pdf(format="A4")  # what the browser's print dialog would produce
    assert pdf.startswith(b"%PDF")

    page.emulate_media(media="screen")
    for letter in ("receipt", "declaration"):
        href = page.locator(f".print-links a[href*='/{letter}.pdf']").get_attribute("href")
        response = page.request.get(f"{live_server}{href}")
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert page.locator(".print-links a[href*='/decision.pdf']").count() == 0
