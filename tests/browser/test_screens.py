"""What a person sees in a real browser: direction, language switch, logging in and out."""
import pytest

from tests.browser.conftest import screenshot
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_login_page_in_arabic_and_english(page, live_server):
    page.goto(f"{live_server}/auth/login")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text() == "تسجيل الدخول إلى وصل"
    # Right-to-left for real: the form's label sits at the right edge of its column.
    label = page.locator("label[for=email]").bounding_box()
    field = page.locator("#email").bounding_box()
    assert label["x"] + label["width"] > field["x"] + field["width"] - 5
    assert screenshot(page, "login-ar").stat().st_size > 5000

    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("h1").inner_text() == "Log in to Wasl"
    assert screenshot(page, "login-en").stat().st_size > 5000


def test_tenant_home_in_arabic_and_english(page, live_server, seed_tenants):
    page.goto(f"{live_server}/al-humaima/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "جمعية التنمية الأهلية بالحميمة" in page.locator(".navbar-brand").inner_text()
    assert "مناديب المكاتب الفرعية" in page.locator(".channels").inner_text()
    screenshot(page, "tenant-home-ar")
    page.goto(f"{live_server}/al-humaima/?lang=en")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert "Branch-office representatives" in page.locator(".channels").inner_text()
    screenshot(page, "tenant-home-en")


def test_staff_logs_in_sees_the_staff_area_and_logs_out(app, page, live_server, tenant_a):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    page.goto(f"{live_server}/auth/login")
    page.fill("#email", "officer@alpha.example")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="تسجيل الدخول").click()
    page.wait_for_url("**/alpha/staff/")
    assert page.locator("h1").inner_text() == "قوائم العمل"
    screenshot(page, "staff-home-ar")
    page.get_by_role("button", name="تسجيل الخروج").click()
    page.wait_for_url("**/auth/login")
    page.goto(f"{live_server}/alpha/staff/")
    assert "/auth/login" in page.url
