"""The dashboard in a real browser: Chart.js draws every figure, right to left in Arabic, on a phone too."""
import pytest

from tests.browser.conftest import screenshot
from tests.helpers import PASSWORD, make_user
from tests.test_reports import DATA, _requests, _welfare_data

pytestmark = pytest.mark.browser


def test_dashboard_draws_its_charts_right_to_left(app, browser, live_server, tenant_a):
    _requests(app, tenant_a, DATA)
    _draws(app, browser, live_server, "reports-ar", 5)  # requests (4) and satisfaction


def test_dashboard_draws_complaints_satisfaction_and_files(app, browser, live_server):
    from tests.helpers import make_tenant

    tenant_id = make_tenant(app, "alpha", modules='["grievances", "service_controls"]')
    _requests(app, tenant_id, DATA[:1])
    _welfare_data(app, tenant_id)
    _draws(app, browser, live_server, "reports-welfare-ar", 8)


def _draws(app, browser, live_server, prefix, figures):
    make_user(app, "director@alpha.example", {"alpha": ["executive_director"]})
    for width, name in ((1280, prefix), (390, f"{prefix}-phone")):
        context = browser.new_context(locale="ar-SA", viewport={"width": width, "height": 900})
        page = context.new_page()
        errors = []
        page.on("response", lambda r, errors=errors: errors.append(r.url)
                if r.status >= 400 and "favicon" not in r.url else None)
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.goto(f"{live_server}/auth/login")
        page.fill("#email", "director@alpha.example")
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="تسجيل الدخول").click()
        page.wait_for_url("**/alpha/staff/")
        page.goto(f"{live_server}/alpha/staff/reports?from=2026-01&to=2026-02")
        drawn = page.evaluate("""() => [...document.querySelectorAll('canvas[data-figure]')].map(c => {
            const chart = Chart.getChart(c);
            return chart ? {type: chart.config.type, reverse: !!(chart.options.scales.x || {}).reverse} : null; })""")
        assert len(drawn) == figures and all(drawn), drawn
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert all(d["reverse"] for d in drawn if d["type"] == "bar")
        assert not errors, errors
        screenshot(page, name)
        context.close()
