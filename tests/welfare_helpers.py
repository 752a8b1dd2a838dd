"""Shared set-up for the welfare modules' tests (no tests here): tenants with modules, valid IDs, files."""
import re

import sqlalchemy as sa

from core.extensions import db
from tests.helpers import app_ctx, post_form
from tests.test_staff_helpers import act, id_from, open_file, open_request, receive_all_documents, staff_client

ALL_MODULES = ["eligibility_verification", "service_controls", "rights_duties"]

TOML = """
slug = "{slug}"
name_ar = "جمعية {slug}"
name_en = "{slug} association"
channels = ["office_interview", "field_visit", "phone"]
modules = {modules}
file_access = "{file_access}"
{extra}
[review]
body = "{body}"
label_ar = "مدير خدمات المستفيدين"
label_en = "Beneficiary services manager"
[referral]
label_ar = "مدير خدمات المستفيدين"
label_en = "Beneficiary services manager"
{tables}
"""


def make_welfare_tenant(app, slug, modules=ALL_MODULES, file_access="all_staff", body="manager", extra="",
                        tables="") -> int:
    from core import tenant_files, tenants
    from core.tenancy import cross_tenant_scope

    text = TOML.format(slug=slug, modules=str(list(modules)).replace("'", '"'), file_access=file_access,
                       body=body, extra=extra, tables=tables)
    with app_ctx(app), cross_tenant_scope():
        result = tenants.provision(tenant_files.parse(text))
        db.session.commit()
        return result.tenant.id


def national_id(n: int, first: int = 1) -> str:
    """A valid Saudi ID (first digit 1) or iqama (2): 8 digits from n, then the Luhn check digit."""
    body = f"{first}{n:08d}"
    total = 0
    for i, ch in enumerate(body):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return body + str((10 - total % 10) % 10)


def user_id(app, email) -> int:
    from core.models import User
    from core.tenancy import cross_tenant_scope

    with app_ctx(app), cross_tenant_scope():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


def file_status(app, tenant_id, beneficiary_id) -> str:
    from core.beneficiaries.models import Beneficiary
    from core.tenancy import tenant_scope

    with app_ctx(app), tenant_scope(tenant_id):
        return db.session.get(Beneficiary, beneficiary_id).status


def version(client, url) -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="version" value="(\d+)"', page)
    assert match, url
    return match.group(1)


def lifecycle_post(client, slug, beneficiary_id, what, **data):
    url = f"/{slug}/staff/beneficiaries/{beneficiary_id}/lifecycle"
    data.setdefault("version", version(client, url))
    data.setdefault("confirmed", "1")  # freeze, exclude and death ask for a confirmation first
    return post_form(client, f"{url}/{what}", data, form_page=url)


def add_member(client, slug, beneficiary_id, relation, name, **extra):
    response = post_form(client, f"/{slug}/staff/beneficiaries/{beneficiary_id}/household",
                         {"relation": relation, "name": name, **extra},
                         form_page=f"/{slug}/staff/beneficiaries/{beneficiary_id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


__all__ = ["act", "id_from", "open_file", "open_request", "receive_all_documents", "staff_client", "post_form"]
