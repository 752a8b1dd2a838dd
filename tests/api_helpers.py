"""Shared steps for API tests (no tests here): users with tokens, authorised calls."""
from core.extensions import db
from tests.helpers import app_ctx, make_user


def make_token(app, email: str, slug: str, roles: list[str]) -> str:
    """A new user with `roles` in tenant `slug`, and an API token of theirs there (the plain token)."""
    from werkzeug.datastructures import MultiDict

    from core import tenants
    from core.apitokens.operations import create_token
    from core.models import User
    from core.tenancy import cross_tenant_scope, tenant_scope

    user_id = make_user(app, email, {slug: roles})
    with app_ctx(app):
        with cross_tenant_scope():
            tenant = tenants.by_slug(slug)
            user = db.session.get(User, user_id)
        with tenant_scope(tenant):
            _token, plain = create_token(tenant, user, MultiDict({"name": "tests"}))
            db.session.commit()
    return plain


class Api:
    """A test client that sends the token with every call."""

    def __init__(self, client, token):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def get(self, url, **kw):
        return self.client.get(f"/api/v1{url}", headers=self.headers, **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(f"/api/v1{url}", json=json or {}, headers=self.headers, **kw)

    def patch(self, url, json=None, **kw):
        return self.client.patch(f"/api/v1{url}", json=json or {}, headers=self.headers, **kw)

    def delete(self, url, **kw):
        return self.client.delete(f"/api/v1{url}", headers=self.headers, **kw)


FILE = {"name": "أحمد محمد العتيبي", "national_id": "1058529940", "gender": "male", "mobile": "0501234567",
        "birth_date": "1980-05-01", "categories": ["low_income_family"], "city": "الرياض"}
