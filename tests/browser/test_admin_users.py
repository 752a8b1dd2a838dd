"""The admin's users page on a 390 px phone: the members and the invitations waiting to be accepted fit the
screen, without scrolling sideways."""
import pytest

from core.extensions import db
from core.invitations import operations as invitations
from core.tenancy import cross_tenant_scope, tenant_scope
from tests.browser.conftest import screenshot
from tests.helpers import PASSWORD, app_ctx, make_user

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
EMAILS = ["a.very.long.name.of.a.social.researcher@association-for-development.example",
          "officer@alpha.example", "reviewer.of.requests@alpha.example"]

#: Elements under `selector` whose content is wider than they are (they scroll or spill sideways).
OVERFLOWING = """selector => [...document.querySelectorAll(selector + ', ' + selector + ' *')]
  .filter(el => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible'
          || el.getBoundingClientRect().right > document.documentElement.clientWidth + 1
          || el.getBoundingClientRect().left < -1)
  .map(el => el.tagName + '.' + el.className)"""


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_invitations_fit_a_phone_without_scrolling_sideways(app, browser, live_server, tenant_a, lang):
    admin = make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    with app_ctx(app), cross_tenant_scope():
        from core import tenants

        alpha = tenants.by_slug("alpha")
        with tenant_scope(alpha):
            for email in EMAILS:
                invitations.invite(alpha, email, ["social_researcher", "relations_officer", "reviewer"], admin)
        db.session.commit()
    context = browser.new_context(locale="ar-SA", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/auth/login?lang={lang}")
        page.fill("#email", "admin@alpha.example")
        page.fill("#password", PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url("**/alpha/**")
        page.goto(f"{live_server}/alpha/admin/users?lang={lang}")
        screenshot(page, f"admin-invitations-phone-{lang}")
        rows = page.locator(".invitations [data-email]")
        assert rows.count() == 3
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
        assert page.evaluate(OVERFLOWING, ".invitations") == []
        assert page.evaluate(OVERFLOWING, ".members") == []
        withdraw = rows.first.get_by_role("button")
        box = withdraw.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert "<" not in page.title()
    finally:
        context.close()
