"""The beneficiary's side on a 390 px phone, in Arabic: apply, follow the request, complain, rate the service.

Every portal page is checked with axe-core (no serious or critical violations) and weighed: what a first
visit downloads (the page, its stylesheets and scripts) stays under 200 KB for a slow rural connection.
"""
import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe

from core.extensions import db
from core.messaging.models import OutboxMessage
from core.tenancy import tenant_scope
from tests.browser.conftest import screenshot
from tests.helpers import app_ctx
from tests.portal_helpers import portal_tenant, reference_of

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MAX_BYTES = 200 * 1024
AXE = Axe()


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="ar-SA", viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=1)
    page = context.new_page()
    yield page
    context.close()


def check_page(page, name: str) -> None:
    """No serious or critical accessibility violations, no sideways scrolling, under 200 KB, a screenshot."""
    # After a click the page's elements can be there before its stylesheets: axe would then judge the
    # contrast of unstyled text (seen once in CI, on a busy machine, on the navigation bar).
    page.wait_for_load_state("load")
    results = AXE.run(page)
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{name}: {serious}"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{name} scrolls sideways"
    weight = page.evaluate("""() => performance.getEntriesByType('navigation').concat(
        performance.getEntriesByType('resource')).reduce((sum, e) => sum + e.transferSize, 0)""")
    assert 0 < weight < MAX_BYTES, f"{name} weighs {weight} bytes"
    screenshot(page, f"portal-{name.removesuffix('-en')}-{page.locator('html').get_attribute('lang')}-390")


def fresh(page, url):
    """A first visit: nothing in the browser's cache (what a slow connection must download)."""
    page.context.clear_cookies()
    client = page.context.new_cdp_session(page)
    client.send("Network.clearBrowserCache")
    page.goto(url)


def test_apply_follow_and_report_a_change_on_a_phone(app, phone, live_server):
    tenant_id = portal_tenant(app)
    fresh(phone, f"{live_server}/alpha/")
    assert phone.locator("html").get_attribute("dir") == "rtl"
    check_page(phone, "home")
    phone.get_by_role("link", name="قدّم طلب دعم إلكترونياً").click()
    check_page(phone, "apply")
    phone.fill("#name", "فاطمة علي الزهراني")
    phone.fill("#national_id", "١٠٠١٢٤٤٠١٩")  # Arabic-Indic digits, as a phone keyboard types them
    phone.select_option("#gender", "female")
    phone.fill("#mobile", "٠٥٥١٢٣٤٥٦٧")
    phone.fill("#city", "جدة")
    phone.select_option("#service", "in_kind_aid")
    phone.fill("#details", "أسرة من خمسة أفراد")
    phone.check("#declaration")
    phone.fill("#signature", "فاطمة علي الزهراني")
    phone.get_by_role("button", name="أرسل طلبي").click()
    phone.wait_for_url("**/alpha/apply/done")
    reference = reference_of(app, tenant_id)
    assert phone.locator(".reference").inner_text() == reference
    check_page(phone, "applied")

    # A week later, on another phone: the status page after the check.
    fresh(phone, f"{live_server}/alpha/status")
    check_page(phone, "status-lookup")
    phone.fill("#reference", reference)
    phone.fill("#national_id", "1001244019")
    phone.fill("#mobile", "0551234567")
    phone.get_by_role("button", name="اعرض طلبي").click()
    phone.wait_for_selector(".request-state")
    assert "مستلم" in phone.locator(".request-state").inner_text()
    check_page(phone, "status")

    phone.get_by_role("link", name="الإبلاغ عن تغيير في وضعي أو بيانات تواصلي").click()
    check_page(phone, "change")
    phone.check("#kind-contact")
    phone.fill("#mobile", "0507777777")
    phone.get_by_role("button", name="أرسل التغيير").click()
    phone.wait_for_selector("text=شكراً لك: أُرسل التغيير")

    # Wrong details: told so on the form, in Arabic.
    fresh(phone, f"{live_server}/alpha/status")
    phone.fill("#reference", "2026-99999")
    phone.fill("#national_id", "1001244019")
    phone.fill("#mobile", "0551234567")
    phone.get_by_role("button", name="اعرض طلبي").click()
    assert "لم نجد طلباً بهذه البيانات" in phone.locator("#reference-error").inner_text()
    check_page(phone, "status-not-found")


def test_file_and_follow_a_complaint_on_a_phone(app, phone, live_server):
    portal_tenant(app)
    fresh(phone, f"{live_server}/alpha/complaints/new")
    check_page(phone, "complaint-new")
    phone.get_by_role("button", name="أرسل التظلم").click()  # empty: every missing item is named
    assert "البند ٤: الضرر غير محدد." in phone.locator("#harm-error").inner_text()
    check_page(phone, "complaint-missing-items")
    for field, value in {"name": "خالد سعد القحطاني", "national_id": "١٠٥٨٥٢٩٩٤٠", "mobile": "0551234567",
                         "subject": "تأخر صرف المساعدة", "facts": "تقدمت بطلب ولم يصلني رد رغم المراجعة المتكررة",
                         "against": "قسم خدمات المستفيدين", "harm": "تأخر سداد الإيجار",
                         "reasons": "تجاوز المدة المعلنة", "previous_steps": "اتصلت مرتين",
                         "requested": "البت في طلبي"}.items():
        phone.fill(f"#{field}", value)
    from datetime import UTC, datetime, timedelta

    phone.fill("#event_date", (datetime.now(UTC) - timedelta(days=3)).date().isoformat())
    phone.get_by_role("button", name="أرسل التظلم").click()
    phone.wait_for_selector(".complaint-state")
    assert phone.locator(".decision-due .date-h").count() >= 1
    check_page(phone, "complaint-status")


def test_a_survey_on_a_phone(app, phone, live_server):
    tenant_id = portal_tenant(app)
    with app_ctx(app), tenant_scope(tenant_id):
        from core import tenants
        from core.surveys import operations

        operations.invite(tenants.by_slug("alpha"), operations.Contact("سارة", mobile="+966501112233"),
                          operations.program_subject(3, "برنامج الحاسب الآلي", "Computer course"))
        db.session.commit()
        body = db.session.scalars(sa.select(OutboxMessage.body)).one()
    link = body[body.index("/alpha/survey/"):].split()[0]
    fresh(phone, f"{live_server}{link}")
    check_page(phone, "survey")
    for question in ("overall", "respect", "speed", "clarity"):
        phone.locator(f"label[for={question}-4]").click()
    phone.get_by_role("button", name="أرسل رأيي").click()
    phone.wait_for_selector("text=شكراً على رأيك")
    check_page(phone, "survey-thanks")


def test_the_portal_in_english_reads_left_to_right_on_a_phone(app, phone, live_server):
    portal_tenant(app, modules=("grievances", "rights_duties"))
    fresh(phone, f"{live_server}/alpha/?lang=en")
    assert phone.locator("html").get_attribute("dir") == "ltr"
    assert phone.get_by_role("link", name="Your rights and duties").count() == 1
    check_page(phone, "home-en")
    phone.get_by_role("link", name="Apply online for support").click()
    assert phone.locator("h1").inner_text() == "Apply online for support"
    check_page(phone, "apply-en")
    fresh(phone, f"{live_server}/alpha/complaints/new?lang=en")
    check_page(phone, "complaint-new-en")
