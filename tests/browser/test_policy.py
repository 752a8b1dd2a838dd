"""The policy in a real browser (Debian's Chromium): right to left in Arabic, left to right in English,
and an admin recording the board's approval through the form."""
import pytest

from tests.browser.conftest import screenshot
from tests.helpers import make_user

pytestmark = pytest.mark.browser


def test_the_arabic_policy_reads_right_to_left_and_its_contents_lead_to_each_section(
        live_server, page, seed_tenants):
    page.goto(f"{live_server}/live-law/policy?lang=ar")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.locator("h1").inner_text() == "سياسة تنظيم العلاقة مع المستخدمين"
    assert page.locator(".policy-channels li").all_inner_texts()[:2] == ["المقابلة", "الاتصالات الهاتفية"]
    assert page.locator(".policy-channels").evaluate("e => getComputedStyle(e).direction") == "rtl"
    numbers = page.locator("#board-approval ~ .board-approval-record bdi.num").all_inner_texts()
    assert numbers == ["1", "1445/08/18", "2024/02/28"]
    page.locator(".policy-toc a[href='#procedure']").click()
    assert page.evaluate("location.hash") == "#procedure"
    assert page.locator("#procedure").is_visible()
    screenshot(page, "policy-live-law-ar")

    page.goto(f"{live_server}/live-law/policy?lang=en")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    assert page.locator("h1").inner_text() == "User Relations Policy"
    assert page.locator(".board-approval-text").evaluate("e => getComputedStyle(e).direction") == "rtl"
    screenshot(page, "policy-live-law-en")


def test_an_admin_records_an_approval_and_sees_the_calendar_warning_first(
        app, live_server, page, seed_tenants):
    make_user(app, "admin@irth.test", {"irth": ["tenant_admin"]})
    page.goto(f"{live_server}/auth/login?lang=ar")
    page.fill("#email", "admin@irth.test")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/irth/policy")
    assert "لم يعتمد مجلس الإدارة هذه السياسة بعد" in page.locator("#board-approval").locator("..").inner_text()

    page.goto(f"{live_server}/irth/admin/policy/1")
    page.fill("#session", "4")
    page.select_option("#weekday", "الخميس")  # 2024-08-07 was a Wednesday
    page.fill("#hijri_date", "1446-02-03")
    page.fill("#gregorian_date", "2024-08-07")
    page.click("#record-approval button[type=submit]")
    assert "لا يوافق التاريخ الميلادي" in page.locator("#pending-warnings").inner_text()
    assert "لا يوافق التاريخ الميلادي" in page.locator("#weekday-warning").inner_text()
    screenshot(page, "policy-approval-warning")

    page.check("#confirm")
    page.click("#record-approval button[type=submit]")
    assert "معتمدة ومنشورة" in page.locator("h1").first.inner_text()
    page.goto(f"{live_server}/irth/policy")
    record = page.locator(".board-approval-record").inner_text()
    assert "يوم الخميس" in record and "1446-02-03" in record


#: Each character's left edge, read in the order they appear on screen.
VISUAL_ORDER = """el => { const n = el.firstChild; const out = [];
  for (let i = 0; i < n.length; i++) { const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
    out.push([n.data[i], r.getBoundingClientRect().left]); }
  return out.sort((a, b) => a[1] - b[1]).map(c => c[0]).join(""); }"""


def test_hyphenated_numbers_read_as_written_and_never_wrap(live_server, page, seed_tenants):
    page.goto(f"{live_server}/model-welfare/policy?lang=ar")
    meeting = page.locator(".board-approval-text bdi.num", has_text="٤٥").first
    assert meeting.evaluate(VISUAL_ORDER) == "٢٤-٤٥-٨"  # left to right as written, not ٨-٤٥-٢٤
    assert meeting.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/model-welfare/policy?lang=ar")
    for number in page.locator(".policy-document bdi.num").all()[:40]:
        box = number.bounding_box()
        assert box is None or box["height"] < 40  # on one line
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "policy-model-welfare-phone-ar")


def test_the_admin_reviews_the_clauses_with_their_differences(app, live_server, page, seed_tenants):
    make_user(app, "admin@model-welfare.test", {"model-welfare": ["tenant_admin"]})
    page.goto(f"{live_server}/auth/login?lang=ar")
    page.fill("#email", "admin@model-welfare.test")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/model-welfare/admin/policy/clauses")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    row = page.locator("[id='clause-procedure.receive']")
    assert row.locator("[data-status=own]").count() == 1
    assert "بلباقة" in row.locator("ins").all_inner_texts()[0] or row.locator("del").count() > 0
    assert page.locator("#wording-advice li[data-code=minimum_for_deadline]").count() == 1
    screenshot(page, "policy-clauses-admin-ar")
