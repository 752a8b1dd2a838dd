"""The request page printed from Chromium: the record only (no navigation, buttons or forms), in Arabic;
the printable letters open as PDFs from the links on the page."""
import pytest

from tests.browser.conftest import screenshot
from tests.helpers import make_tenant
from tests.test_staff_helpers import act, open_file, open_request, staff_client

pytestmark = pytest.mark.browser

#: Forms, buttons and inputs a printed page would still show.
VISIBLE_CONTROLS = ("[...document.querySelectorAll('form, button, .btn, input, select, textarea')]"
                    ".filter(e => e.getClientRects().length > 0).map(e => e.outerHTML.slice(0, 120))")


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
    assert page.evaluate(VISIBLE_CONTROLS) == []
    assert page.locator("h1 .reference").is_visible()  # the record itself stays
    assert page.locator("#documents table").is_visible()
    screenshot(page, "request-print-ar")

    pdf = page.pdf(format="A4")  # what the browser's print dialog would produce
    assert pdf.startswith(b"%PDF")

    # Every staff page prints the same way: the list, the file, the work queues.
    for other in ("/alpha/staff/requests", "/alpha/staff/beneficiaries/1", "/alpha/staff/"):
        page.goto(f"{live_server}{other}")
        assert not page.locator(".navbar").is_visible() and not page.locator(".staff-nav").is_visible()
        assert page.evaluate(VISIBLE_CONTROLS) == [], other

    page.emulate_media(media="screen")
    page.goto(url)
    for letter in ("receipt", "declaration"):
        href = page.locator(f".print-links a[href*='/{letter}.pdf']").get_attribute("href")
        response = page.request.get(f"{live_server}{href}")
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert page.locator(".print-links a[href*='/decision.pdf']").count() == 0


def test_attachments_preview_inline_and_the_request_page_fits_a_phone(app, live_server, browser, tmp_path):
    from tests.test_staff_documents import PNG_IMAGE

    make_tenant(app, "alpha")
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    request_id = open_request(officer, "alpha", open_file(officer, "alpha"), "interview")
    context = browser.new_context(locale="ar-SA", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/auth/login?lang=ar")
        page.fill("#email", "officer@alpha.test")
        page.fill("#password", "correct horse battery")
        page.click("button[type=submit]")
        page.goto(f"{live_server}/alpha/staff/requests/{request_id}")
        scan = tmp_path / "هوية.png"
        scan.write_bytes(PNG_IMAGE)
        page.set_input_files("#file", str(scan))
        page.select_option("#document_id", index=1)
        page.click("form[action$='/attachments'] button[type=submit]")
        item = page.locator(".attachment").first
        assert "صورة الهوية الوطنية أو الإقامة" in item.locator(".attachment-document").inner_text()
        item.locator("summary").click()
        image = item.locator("img.attachment-preview")
        image.wait_for()
        assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") == 1  # loaded under the CSP
        wide = page.evaluate("[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
                             " > innerWidth + 1 || e.getBoundingClientRect().left < -1).map(e => e.tagName + '.' +"
                             " e.className).slice(0, 5)")
        assert wide == [], wide
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "request-attachments-phone-ar")

        # A PDF previews in a frame (Chromium's viewer), which the page's and the preview's CSP both allow.
        from weasyprint import HTML

        console = []
        page.on("console", lambda message: console.append(message.text))
        letter = tmp_path / "letter.pdf"
        letter.write_bytes(HTML(string="<p>preview</p>").write_pdf())
        page.set_input_files("#file", str(letter))
        page.click("form[action$='/attachments'] button[type=submit]")
        page.locator(".attachment").nth(1).locator("summary").click()
        page.locator("iframe.attachment-preview").wait_for()
        # (wait_for_function polls with eval, which the page's CSP refuses.) A refused frame turns into
        # chrome-error://; an allowed one holds Chromium's PDF viewer.
        for _attempt in range(50):
            urls = [frame.url for frame in page.frames]
            if any(u.startswith(("chrome-error:", "chrome-extension:")) for u in urls):
                break
            page.wait_for_timeout(100)
        assert not [u for u in urls if u.startswith("chrome-error:")], urls
        assert any(u.endswith("/preview") for u in urls), urls
        assert not [text for text in console if "Content Security Policy" in text or "Refused" in text]

        page.click("a[href$='/correct']")
        assert page.locator("#channel").is_visible() and page.locator("#service").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.select_option("#channel", "phone")
        page.fill("#details", "تصحيح: الطلب لإيجار المنزل")
        page.click("form[action$='/correct'] button[type=submit]")
        assert "تصحيح: الطلب لإيجار المنزل" in page.locator("main").inner_text()
        screenshot(page, "request-corrected-phone-ar")
    finally:
        context.close()


def test_the_declaration_and_decision_letter_open_from_the_page_as_pdfs_with_the_associations_name(
        app, live_server, page):
    from tests.test_policy_document import pdf_text
    from tests.test_staff_print import _decided_request

    _officer, _reviewer, request_id = _decided_request(app, "alpha")
    page.goto(f"{live_server}/auth/login?lang=ar")
    page.fill("#email", "reviewer@alpha.test")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/alpha/staff/requests/{request_id}")
    for letter in ("declaration", "decision"):
        link = page.locator(f".print-links a[href*='/{letter}.pdf']")
        assert link.is_visible()
        response = page.request.get(f"{live_server}{link.get_attribute('href')}")
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        text = pdf_text(response.body())
        assert "جمعية" in text and "alpha" in text and "650060001" in text
