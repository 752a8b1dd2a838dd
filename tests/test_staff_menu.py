"""The staff menu is rendered once for each combination of what it shows (blueprints/staff/base.py:
staff_menu): it must still follow the page, the language, the association and its modules at once."""
import re

import sqlalchemy as sa

from core.extensions import db
from core.models import Tenant
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx
from tests.test_staff_helpers import staff_client


def _menu(client, url) -> str:
    page = client.get(url).get_data(as_text=True)
    return page[page.index('<nav class="staff-nav'):].split("</nav>")[0]


def _active(menu) -> list[str]:
    return re.findall(r'class="nav-link active" href="([^"]+)"', menu)


def _set_modules(app, slug, modules):
    with app_ctx(app), cross_tenant_scope():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
        tenant.settings = {**(tenant.settings or {}), "modules": modules}
        db.session.commit()


def test_the_menu_follows_the_page_the_language_the_association_and_its_modules(app, tenant_a, tenant_b):
    alpha = staff_client(app, "menu-a@alpha.test", "alpha", ["relations_officer"])
    beta = staff_client(app, "menu-b@beta.test", "beta", ["viewer"])
    assert _active(_menu(alpha, "/alpha/staff/requests")) == ["/alpha/staff/requests"]
    assert _active(_menu(alpha, "/alpha/staff/beneficiaries")) == ["/alpha/staff/beneficiaries"]
    arabic, english = _menu(alpha, "/alpha/staff/search"), _menu(alpha, "/alpha/staff/search?lang=en")
    assert "الطلبات" in arabic and "Requests" in english and "الطلبات" not in english
    # Another association's menu: its own addresses, and a viewer gets no "New file".
    other = _menu(beta, "/beta/staff/search")
    assert "/beta/staff/requests" in other and "/alpha/" not in other and "/staff/beneficiaries/new" not in other
    assert "/alpha/staff/beneficiaries/new" in _menu(alpha, "/alpha/staff/search?lang=ar")
    # A module switched on shows its link on the next page, and goes when switched off.
    assert "/alpha/staff/complaints" not in _menu(alpha, "/alpha/staff/search")
    _set_modules(app, "alpha", ["grievances"])
    assert "/alpha/staff/complaints" in _menu(alpha, "/alpha/staff/search")
    _set_modules(app, "alpha", [])
    assert "/alpha/staff/complaints" not in _menu(alpha, "/alpha/staff/search")
