"""Import, personal data, API tokens and API docs pages in a real browser: Arabic, right to left, on a phone."""
import io

import pytest

from tests.browser.conftest import screenshot
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_data_pages_fit_a_phone_right_to_left(app, browser, live_server, tenant_a, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_RUNNER", "inline")
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer", "executive_director"]})
    context = browser.new_context(locale="ar-SA", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("#email", "officer@alpha.example")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="تسجيل الدخول").click()
    page.wait_for_url("**/alpha/staff/")

    page.goto(f"{live_server}/alpha/staff/imports")
    sheet = "الاسم,رقم الهوية,الجنس,الجوال\nسعاد علي,1058529940,أنثى,0501234567\nمحمد,1058529941,ذكر,12\n"
    page.set_input_files("#file", files=[{"name": "قائمة.csv", "mimeType": "text/csv",
                                          "buffer": io.BytesIO(sheet.encode("utf-8-sig")).getvalue()}])
    page.get_by_role("button", name="رفع").click()
    page.wait_for_url("**/alpha/staff/imports/*")
    page.get_by_role("button", name="افحص الملف (لا يُكتب شيء)").click()
    page.wait_for_selector(".import-problems")
    assert page.locator(".import-problems tbody tr").count() == 2
    screenshot(page, "import-ar-phone")
    page.get_by_role("button", name="استيراد الصف الصحيح (1)").click()
    page.wait_for_selector(".import-state[data-state=done]")

    page.goto(f"{live_server}/alpha/staff/beneficiaries")
    page.locator("table a").first.click()
    page.get_by_role("link", name="البيانات الشخصية والموافقة").click()
    for name, url in (("personal-data-ar-phone", None), ("api-tokens-ar-phone", "/alpha/staff/api-tokens"),
                      ("api-docs-phone", "/api/v1/docs")):
        if url:
            page.goto(f"{live_server}{url}")
        assert page.locator("html").get_attribute("dir") == "rtl"
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 392, (name, wide)
        screenshot(page, name)
    context.close()
