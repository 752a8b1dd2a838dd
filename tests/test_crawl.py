"""A small version of scripts/crawl_hostile.py: hostile values in every form staff, an admin and the
operator can reach give no 500, and a refusal (4xx) writes nothing."""
from scripts.crawl_hostile import crawl
from tests.conftest import _admin_engine
from tests.helpers import login, make_user
from tests.test_staff_helpers import open_file, open_request, staff_client

PAYLOADS = ["²", "9" * 30, "\u202eexe.pdf", "x" * 3000, "\x00"]


def test_hostile_values_in_every_form_give_no_500_and_refusals_write_nothing(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha",
                           ["relations_officer", "social_researcher", "referral_officer", "reviewer"])
    file_id = open_file(officer, "alpha")
    request_id = open_request(officer, "alpha", file_id, "phone")
    make_user(app, "admin@alpha.test", {"alpha": ["tenant_admin"]})
    make_user(app, "operator@wasl.test", operator=True)
    admin, operator = app.test_client(), app.test_client()
    login(admin, "admin@alpha.test")
    login(operator, "operator@wasl.test")
    engine = _admin_engine()
    try:
        report = crawl(
            {"officer": officer, "admin": admin, "operator": operator},
            {"officer": [f"/alpha/staff/requests/{request_id}", f"/alpha/staff/beneficiaries/{file_id}",
                         "/alpha/staff/beneficiaries/new", "/alpha/staff/search"],
             "admin": ["/alpha/admin/settings", "/alpha/admin/users/invite", "/alpha/admin/"],
             "operator": ["/operator/tenants/new", "/operator/tenants/alpha/edit"]},
            engine, payloads=PAYLOADS, max_pages=6, max_forms=14)
    finally:
        engine.dispose()
    assert report.submissions > 40
    assert report.problems == []
