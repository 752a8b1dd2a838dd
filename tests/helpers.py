"""Helpers the tests share: data set-up in its own app context, logging in with a CSRF token."""
import re
from contextlib import contextmanager

from core.extensions import db

PASSWORD = "correct horse battery"

TENANT_TOML = """
slug = "{slug}"
name_ar = "جمعية {slug}"
name_en = "{slug} association"
channels = ["interview", "phone"]
[review]
body = "committee"
label_ar = "لجنة البحث"
label_en = "Research committee"
[referral]
label_ar = "مسؤول العلاقات العامة"
label_en = "Public relations officer"
"""



@contextmanager
def app_ctx(app):
    """Setup and assertions run in their own app context, never shared with client requests."""
    with app.app_context():
        yield db.session
        db.session.remove()


def make_tenant(app, slug: str, **extra_toml):
    from core import tenant_files, tenants
    from core.tenancy import cross_tenant_scope

    # Top-level keys go before the file's tables, or TOML would put them inside the last table.
    text = "".join(f"{k} = {v}\n" for k, v in extra_toml.items()) + TENANT_TOML.format(slug=slug)
    with app_ctx(app), cross_tenant_scope():
        result = tenants.provision(tenant_files.parse(text))
        db.session.commit()
        return result.tenant.id


def make_user(app, email: str, roles: dict | None = None, operator: bool = False, password: str = PASSWORD):
    """Create a user with {tenant_slug: [roles]}; returns the user id."""
    from core import accounts, tenants
    from core.tenancy import cross_tenant_scope

    with app_ctx(app), cross_tenant_scope():
        user = accounts.create_user(email, email.split("@")[0], password, is_operator=operator)
        for slug, role_list in (roles or {}).items():
            accounts.grant_roles(user, tenants.by_slug(slug), role_list)
        db.session.commit()
        return user.id


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url="/auth/login") -> str:
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, email: str, password: str = PASSWORD, follow=False):
    token = csrf_token(client)
    return client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token},
                       follow_redirects=follow)


def post_form(client, url: str, data: dict, form_page: str | None = None, **kwargs):
    """POST with the CSRF token a real browser would have taken from the form page."""
    token = csrf_token(client, form_page or url)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)
