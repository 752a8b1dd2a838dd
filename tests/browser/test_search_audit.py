"""Name search and the readable audit log in a real browser: Arabic, right to left, desktop and a 390 px phone."""
import pytest

from tests.browser.conftest import screenshot
from tests.helpers import PASSWORD
from tests.test_staff_helpers import open_file, staff_client

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width, height", [(1280, 860), (390, 844)])
def test_search_by_any_word_and_read_the_audit_log(app, browser, live_server, tenant_a, width, height):
    officer = staff_client(app, "officer@alpha.example", "alpha", ["relations_officer", "tenant_admin"])
    open_file(officer, "alpha", name="أحمد بن عبدالله القحطاني", national_id="1058529940", marital_status="married")
    open_file(officer, "alpha", name="Omar Khalid Al-Zahrani", national_id="1001244019")
    context = browser.new_context(locale="ar-SA", viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("#email", "officer@alpha.example")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="تسجيل الدخول").click()
    page.wait_for_url("**/alpha/staff/")
    suffix = "phone" if width < 500 else "desktop"

    page.goto(f"{live_server}/alpha/staff/search")
    page.fill("#q", "القحطاني احمد عبد الله")
    page.get_by_role("button", name="بحث", exact=True).click()
    link = page.locator("a.file-name")
    assert link.count() == 1 and link.inner_text() == "أحمد بن عبدالله القحطاني"
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 2
    screenshot(page, f"name-search-ar-{suffix}")
    link.click()
    page.wait_for_url("**/alpha/staff/beneficiaries/*")
    assert "—" in page.locator("dl.row").first.inner_text()  # the empty e-mail shows a dash

    page.goto(f"{live_server}/alpha/admin/audit?until=٠١/١٢/٢٠٣٠")
    assert page.locator("#filter-since").get_attribute("type") == "text"
    table = page.locator("table.audit").inner_text()
    assert "فتح ملفًا" in table and "beneficiary.create" not in table
    screenshot(page, f"audit-log-ar-{suffix}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 2
    context.close()
