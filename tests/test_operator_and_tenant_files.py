"""Issue 8, defects 4, 11, 13, 14: the operator's tenant page shows its command as code (not as raw HTML)
and counts the board approvals actually recorded; /favicon.ico is a real icon; a custom channel or tool
declared but not listed is warned about by `wasl tenants check` and on the admin settings page."""
from datetime import date

import sqlalchemy as sa

from core import tenants
from core.models.policy import BoardApproval, PolicyVersion
from core.tenancy import cross_tenant_scope, tenant_scope
from tests.helpers import TENANT_TOML, app_ctx, login, make_user

UNLISTED = """
[[custom_channels]]
code = "home_visit"
label_ar = "الزيارة المنزلية"
label_en = "Home visit"

[[custom_tools]]
code = "price_list"
label_ar = "قائمة الأسعار"
label_en = "Price list"
"""


# --- favicon -----------------------------------------------------------------------------------------

def test_favicon_is_a_real_icon_and_every_page_links_it(client, tenant_a):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # the ICO header
    assert response.headers["Cache-Control"].startswith("public") or "max-age" in response.headers["Cache-Control"]
    for page in ("/", "/alpha/", "/auth/login"):
        html = client.get(page).get_data(as_text=True)
        assert 'rel="icon" href="/favicon.ico"' in html, page
    assert client.get("/static/img/favicon.svg").status_code == 200
    assert client.get("/apple-touch-icon.png").status_code == 200


# --- operator page ------------------------------------------------------------------------------------

def _operator(app, client):
    make_user(app, "op@platform.test", operator=True)
    login(client, "op@platform.test")


def test_the_export_command_is_shown_as_code_not_as_raw_html(app, client, tenant_a):
    _operator(app, client)
    html = client.get("/operator/tenants/alpha?lang=ar").get_data(as_text=True)
    hint = html.split('class="small text-body-secondary tenant-export-hint">')[1].split("</p>")[0]
    assert '<code dir="ltr">wasl tenants export alpha</code>' in hint
    assert "&lt;code" not in hint


def test_board_approvals_are_counted_from_the_records_not_the_tenant_file(app, client, seed_tenants):
    _operator(app, client)

    def shown():
        html = client.get("/operator/tenants/model-welfare?lang=en").get_data(as_text=True)
        return html.split('class="board-approvals">')[1].split("</dd>")[0]

    before = shown()
    with app_ctx(app) as session, cross_tenant_scope():
        tenant = tenants.by_slug("model-welfare")
        file_count = len(tenant.settings.get("board_approvals", []))
        with tenant_scope(tenant):
            recorded = session.scalar(sa.select(sa.func.count()).select_from(BoardApproval))
            number = session.scalar(sa.select(sa.func.max(PolicyVersion.number)))
            # an approval recorded on the admin's policy pages: it is not in the tenant file
            session.add(BoardApproval(version_number=number, position=99, meeting="12", session="3",
                                      gregorian_date=date(2026, 10, 4), hijri_date="1448-04-12",
                                      policy_title="سياسة تنظيم العلاقة مع المستفيدين"))
            session.commit()
    assert f'<bdi dir="ltr">{recorded}</bdi>' in before
    after = shown()
    assert f'<bdi dir="ltr">{recorded + 1}</bdi>' in after and recorded + 1 != file_count
    assert "the latest on" in after and "2026-10-04" in after


# --- custom entries declared but not listed -------------------------------------------------------

def test_tenants_check_warns_about_a_custom_channel_or_tool_not_listed(app, tmp_path):
    path = tmp_path / "gamma.toml"
    path.write_text(TENANT_TOML.format(slug="gamma") + UNLISTED, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["tenants", "check", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "custom_channels: 'home_visit' is declared but not listed in 'channels'" in result.output
    assert "custom_tools: 'price_list' is declared but not listed in 'tools'" in result.output
    listed = TENANT_TOML.format(slug="gamma").replace(
        'channels = ["interview", "phone"]',
        'channels = ["interview", "phone", "home_visit"]\ntools = ["price_list"]') + UNLISTED
    path.write_text(listed, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["tenants", "check", str(path)], catch_exceptions=False)
    assert "is declared but not listed" not in result.output


def test_the_settings_page_warns_about_custom_entries_not_ticked(app, client):
    from tests.helpers import make_tenant

    make_tenant(app, "gamma")
    with app_ctx(app) as session, cross_tenant_scope():
        tenant = tenants.by_slug("gamma")
        tenant.settings = {**tenant.settings,
                           "custom_channels": [{"code": "home_visit", "label_ar": "الزيارة المنزلية",
                                                "label_en": "Home visit"}]}
        session.commit()
    make_user(app, "admin@gamma.test", {"gamma": ["tenant_admin"]})
    login(client, "admin@gamma.test")
    html = client.get("/gamma/admin/settings?lang=ar").get_data(as_text=True)
    warning = html.split('class="alert alert-warning small unlisted-custom"')[1].split("</div>")[0]
    assert "الزيارة المنزلية" in warning and 'href="#section-channels"' in warning
    with app_ctx(app) as session, cross_tenant_scope():
        tenant = tenants.by_slug("gamma")
        tenant.settings = {**tenant.settings, "channels": [*tenant.settings["channels"], "home_visit"]}
        session.commit()
    assert "unlisted-custom" not in client.get("/gamma/admin/settings").get_data(as_text=True)


def test_another_tenants_admin_cannot_open_the_settings_page(app, client, tenant_a, tenant_b):
    make_user(app, "admin@beta.test", {"beta": ["tenant_admin"]})
    login(client, "admin@beta.test")
    assert client.get("/alpha/admin/settings").status_code in (403, 404)
