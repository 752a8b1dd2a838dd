"""Categories and services are tenant data: a tenant file can set its own, or take the defaults."""
import pytest

from core import tenant_files
from tests.helpers import TENANT_TOML, app_ctx, login, make_tenant, make_user

CUSTOM = """
[[categories]]
code = "students"
label_ar = "الطلاب"
label_en = "Students"

[[services]]
code = "scholarship"
label_ar = "منحة دراسية"
label_en = "Scholarship"
[[services.documents]]
code = "transcript"
label_ar = "كشف الدرجات"
label_en = "Transcript"
"""


def test_a_tenant_file_sets_its_own_categories_and_services(app, client):
    from core import tenants
    from core.beneficiaries.vocabulary import categories
    from core.tenancy import cross_tenant_scope
    from core.workflow.services import services

    make_tenant(app, "gamma")
    with app_ctx(app) as session, cross_tenant_scope():
        tenants.provision(tenant_files.parse(TENANT_TOML.format(slug="gamma") + CUSTOM))
        session.commit()
        tenant = tenants.by_slug("gamma")
        assert [c.code for c in categories(tenant)] == ["students"]
        [scholarship] = services(tenant)
        assert [d.code for d in scholarship.documents] == ["transcript"]
    make_user(app, "officer@gamma.example", {"gamma": ["relations_officer"]})
    login(client, "officer@gamma.example")
    page = client.get("/gamma/staff/beneficiaries/new").get_data(as_text=True)
    assert "الطلاب" in page


def test_without_them_the_defaults_from_seed_004_apply(app):
    from core import tenants
    from core.beneficiaries.vocabulary import categories
    from core.tenancy import cross_tenant_scope

    make_tenant(app, "delta")
    with app_ctx(app), cross_tenant_scope():
        codes = [c.code for c in categories(tenants.by_slug("delta"))]
    # Seed 004's definition of a beneficiary, in its order.
    assert codes[:3] == ["low_income_family", "widow", "orphan"]
    assert "students" not in codes


def test_a_category_code_twice_is_refused_naming_the_key():
    text = TENANT_TOML.format(slug="eps") + CUSTOM + CUSTOM.split("[[services]]")[0]
    with pytest.raises(tenant_files.TenantFileError, match="categories: code 'students' is defined twice"):
        tenant_files.parse(text)
