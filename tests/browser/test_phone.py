"""Every staff page (and the admin's pages) on a 390×844 phone, in Arabic and in English: nothing wider
than the screen (no sideways scrolling) and no serious or critical accessibility violation (axe-core).
Numbers read as written inside Arabic text."""
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import screenshot
from tests.helpers import PASSWORD, app_ctx, post_form
from tests.test_staff_helpers import act, open_file, open_request, staff_client

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
AXE = Axe()
ROLES = ["relations_officer", "social_researcher", "referral_officer", "reviewer", "executive_director",
         "tenant_admin"]


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="ar-SA", viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=1)
    page = context.new_page()
    yield page
    context.close()


SLUG = "model-welfare"  # every welfare module, and the longest English name of the seeds


def _settings(app, slug=SLUG):
    from core import tenants
    from core.tenancy import cross_tenant_scope

    with app_ctx(app), cross_tenant_scope():
        return tenants.by_slug(slug).settings


def _staff_with_work(app, slug=SLUG):
    """One person holding every staff role in the association, a file with a request and a referral (so
    lists have rows)."""
    settings = _settings(app, slug)
    client = staff_client(app, "all@ph.test", slug, ROLES)
    file_id = open_file(client, slug, email="long.name.for.testing@example.com",
                        categories=[settings["categories"][0]["code"]])
    request_id = open_request(client, slug, file_id, settings["channels"][0], service=settings["services"][0]["code"],
                              details="أسرة من خمسة أفراد تحتاج مساعدة عاجلة")
    act(client, slug, request_id, "check_documents")
    post_form(client, f"/{slug}/staff/beneficiaries/{file_id}/referrals", {"question": "ما المستندات المطلوبة؟"},
              form_page=f"/{slug}/staff/beneficiaries/{file_id}")
    return file_id, request_id


def _log_in(page, live_server, slug=SLUG):
    page.goto(f"{live_server}/auth/login")
    page.fill("#email", "all@ph.test")
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"**/{slug}/staff/")


def _problems(page, url) -> list[str]:
    page.goto(url)
    found = []
    # A mobile browser widens its layout viewport (innerWidth) to fit a page that is too wide, and shrinks
    # it on screen: compare with the phone's own width.
    width = min(page.evaluate("window.innerWidth"), PHONE["width"])
    scroll = page.evaluate("document.scrollingElement.scrollWidth")
    # In a right-to-left page what overflows goes off the left edge, which scrollWidth does not count:
    # every visible element must lie between the two edges.
    wide = page.evaluate("""(w) => [...document.querySelectorAll('body *')].filter(e => {
            const r = e.getBoundingClientRect();
            if (e.closest('.table-cards > thead, .visually-hidden, .visually-hidden-focusable')) return false;
            return r.width > 0 && r.height > 1 && (r.right > w + 1 || r.left < -1);
        }).slice(-3).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().width))""",
                         width)
    if scroll > width or wide:
        found.append(f"{url}: {scroll}px wide at {width}px: {wide}")
    # A table (or anything) that scrolls sideways inside the page is sideways scrolling too.
    inner = page.evaluate("""() => [...document.querySelectorAll('main *')].filter(e => {
        const x = getComputedStyle(e).overflowX;
        return (x === 'auto' || x === 'scroll') && e.scrollWidth > e.clientWidth + 1;
    }).map(e => e.tagName + '.' + e.className + ' ' + e.scrollWidth)""")
    if inner:
        found.append(f"{url}: scrolls sideways inside {inner[:3]}")
    results = AXE.run(page)
    serious = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
    if serious:
        found.append(f"{url}: {serious}")
    return found


@pytest.mark.parametrize("slug", [SLUG, "irth"])  # irth: the programme modules
def test_every_staff_page_fits_a_phone_and_passes_axe(app, phone, live_server, seed_tenants, slug):
    file_id, request_id = _staff_with_work(app, slug)
    services = [s["code"] for s in _settings(app, slug)["services"]]
    _log_in(phone, live_server, slug)
    problems = []
    for lang in ("ar", "en"):
        phone.goto(f"{live_server}/{slug}/staff/?lang={lang}")
        assert phone.locator("html").get_attribute("lang") == lang
        urls = phone.eval_on_selector_all(".staff-nav a", "links => links.map(a => a.href)")
        urls += [f"{live_server}/{slug}/staff/beneficiaries/{file_id}",
                 f"{live_server}/{slug}/staff/requests/{request_id}",
                 # the admin's pages of this issue: categories and services
                 f"{live_server}/{slug}/admin/catalog/categories", f"{live_server}/{slug}/admin/catalog/services",
                 f"{live_server}/{slug}/admin/catalog/services/new",
                 f"{live_server}/{slug}/admin/catalog/services/{services[0]}"]
        assert len(urls) >= 12
        phone.goto(f"{live_server}/{slug}/admin/")
        urls += [f"{live_server}/{slug}/admin/"] + phone.eval_on_selector_all(
            ".admin-links a", "links => links.map(a => a.href)")
        for url in dict.fromkeys(urls):
            problems += _problems(phone, url)
        screenshot(phone, f"phone-request-{slug}-{lang}-390")
    assert problems == [], "\n".join(problems)


def test_the_request_page_puts_its_actions_first_on_a_phone(app, phone, live_server, seed_tenants):
    _file_id, request_id = _staff_with_work(app)
    _log_in(phone, live_server)
    phone.goto(f"{live_server}/{SLUG}/staff/requests/{request_id}")
    actions = phone.locator("#actions").bounding_box()
    assert actions is not None and actions["y"] < PHONE["height"], "the actions are below the first screen"


def test_queues_with_work_come_first_and_empty_ones_are_collapsed(app, phone, live_server, seed_tenants):
    _staff_with_work(app)
    _log_in(phone, live_server)
    sections = phone.eval_on_selector_all(
        "section[id^=queue-]", "s => s.map(e => [e.id, +e.querySelector('.queue-count').innerText, "
                               "e.querySelector('details') ? e.querySelector('details').open : true])")
    counts = [count for _id, count, _open in sections]
    assert counts == sorted(counts, key=lambda c: c == 0), sections  # every queue with work before any empty one
    assert all(not is_open for _id, count, is_open in sections if count == 0)
    assert any(count > 0 for _id, count, _open in sections)


VISUAL_ORDER = """(el) => {
    const text = el.firstChild.nodeType === 3 ? el.firstChild : el.querySelector('*').firstChild;
    const box = (i) => { const r = document.createRange(); r.setStart(text, i); r.setEnd(text, i + 1);
                         return r.getBoundingClientRect(); };
    const last = text.length - 1;
    return {first: box(0).left, last: box(last).left, text: text.data,
            lines: el.getClientRects().length + (Math.abs(box(0).top - box(last).top) > 2 ? 1 : 0),
            bidi: getComputedStyle(el).unicodeBidi, wrap: getComputedStyle(el).whiteSpace};
}"""


def test_the_board_meeting_number_reads_in_order_inside_arabic_text(phone, live_server, seed_tenants):
    phone.goto(f"{live_server}/model-welfare/policy?lang=ar")
    number = phone.locator("bdi.num", has_text="٢٤-٤٥-٨").first
    seen = number.evaluate(VISUAL_ORDER)
    assert seen["text"] == "٢٤-٤٥-٨"
    assert seen["first"] < seen["last"], f"drawn right to left: {seen}"  # ٢ on the left, ٨ on the right
    assert seen["lines"] == 1 and seen["bidi"] == "isolate-override" and seen["wrap"] == "nowrap"


def test_references_never_break_at_their_hyphen_on_a_phone(app, phone, live_server, seed_tenants):
    _file_id, request_id = _staff_with_work(app)
    _log_in(phone, live_server)
    for url in (f"{live_server}/{SLUG}/staff/requests", f"{live_server}/{SLUG}/staff/",
                f"{live_server}/{SLUG}/staff/requests/{request_id}"):
        phone.goto(url)
        references = phone.locator("bdi[dir=ltr]", has_text="2026-")
        assert references.count() > 0, url
        for i in range(references.count()):
            seen = references.nth(i).evaluate(VISUAL_ORDER)
            assert seen["lines"] == 1 and seen["first"] < seen["last"], (url, seen)
