"""REST API v1: tokens fix the tenant and act with the user's roles; the same operations as the pages."""
import pytest
import sqlalchemy as sa

from core.apitokens.models import ApiToken
from core.beneficiaries.models import Beneficiary
from core.extensions import db
from core.models import AuditEntry
from core.tenancy import cross_tenant_scope
from core.workflow.models import SupportRequest
from tests.api_helpers import FILE, Api, make_token
from tests.helpers import app_ctx, post_form
from tests.test_staff_helpers import staff_client


@pytest.fixture
def officer(app, client, tenant_a):
    return Api(client, make_token(app, "officer@alpha.test", "alpha", ["relations_officer"]))


def _count(app, model, *where):
    with app_ctx(app), cross_tenant_scope():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_without_a_valid_token_every_call_is_401_json(app, client, tenant_a):
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Bearer wasl_1_" + "x" * 43}):
        response = client.get("/api/v1/beneficiaries", headers=headers)
        assert response.status_code == 401
        assert response.json["error"]["code"] == 401


def test_a_file_is_opened_read_and_changed_through_the_same_operations_as_the_pages(app, officer):
    created = officer.post("/beneficiaries", json=FILE)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["file_number"] == 1 and body["national_id"] == "1058529940" and body["mobile"] == "+966501234567"
    assert body["categories"] == ["low_income_family"]
    listed = officer.get("/beneficiaries").json
    assert [b["id"] for b in listed["items"]] == [body["id"]] and listed["next_after"] is None
    changed = officer.patch(f"/beneficiaries/{body['id']}", json={"city": "جدة", "version": body["version"]})
    assert changed.status_code == 200, changed.json
    assert changed.json["city"] == "جدة" and changed.json["name"] == FILE["name"]
    stale = officer.patch(f"/beneficiaries/{body['id']}", json={"city": "مكة", "version": body["version"]})
    assert stale.status_code == 409
    with app_ctx(app), cross_tenant_scope():
        actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert "beneficiary.create" in actions and "beneficiary.update" in actions
        assert db.session.scalar(sa.select(Beneficiary.city)) == "جدة"


def test_bad_input_is_422_with_a_field_map_and_nothing_is_written(app, officer):
    response = officer.post("/beneficiaries", json={**FILE, "national_id": "1058529941", "mobile": "12"})
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert set(fields) >= {"national_id", "mobile"}
    missing = officer.post("/beneficiaries", json={"name": "x"})
    assert missing.status_code == 422 and "national_id" in missing.json["error"]["fields"]
    assert _count(app, Beneficiary) == 0
    officer.post("/beneficiaries", json=FILE)
    twice = officer.post("/beneficiaries", json=FILE)
    assert twice.status_code == 422 and "national_id" in twice.json["error"]["fields"]
    assert _count(app, Beneficiary) == 1


def test_arabic_indic_digits_are_accepted_in_typed_numbers(officer):
    response = officer.post("/beneficiaries", json={**FILE, "national_id": "١٠٥٨٥٢٩٩٤٠", "mobile": "٠٥٠١٢٣٤٥٦٧"})
    assert response.status_code == 201, response.json
    assert response.json["national_id"] == "1058529940"
    member = officer.post(f"/beneficiaries/{response.json['id']}/incomes",
                          json={"kind": "salary", "monthly_amount": "١٥٠٠٫٥٠"})
    assert member.status_code == 201, member.json
    assert member.json["monthly_amount"] == "1500.50"


def test_a_request_moves_through_its_state_machine_by_api(app, officer, client):
    b = officer.post("/beneficiaries", json=FILE).json
    opened = officer.post(f"/beneficiaries/{b['id']}/requests", json={"channel": "phone", "service": "financial_aid"})
    assert opened.status_code == 201, opened.json
    r = opened.json
    assert r["state"] == "received" and "check_documents" in r["actions"] and r["documents"]
    wrong = officer.post(f"/requests/{r['id']}/actions/serve", json={"version": r["version"], "kind": "financial"})
    assert wrong.status_code == 409
    moved = officer.post(f"/requests/{r['id']}/actions/check_documents", json={"version": r["version"]})
    assert moved.status_code == 200 and moved.json["state"] == "documents_pending"
    reviewer = Api(client, make_token(app, "reviewer@alpha.test", "alpha", ["reviewer"]))
    refused = reviewer.post(f"/requests/{r['id']}/actions/withdraw",
                            json={"version": moved.json["version"], "reason": "طلب المستفيد"})
    assert refused.status_code == 403
    unknown = officer.post(f"/requests/{r['id']}/actions/fly", json={"version": 1})
    assert unknown.status_code == 404
    assert officer.get("/requests?state=documents_pending").json["items"][0]["id"] == r["id"]
    assert officer.get("/requests?state=received").json["items"] == []


def test_referrals_are_asked_and_answered_by_the_referral_role_only(app, officer, client):
    b = officer.post("/beneficiaries", json=FILE).json
    asked = officer.post(f"/beneficiaries/{b['id']}/referrals", json={"question": "هل يستحق المساعدة الطارئة؟"})
    assert asked.status_code == 201, asked.json
    version = asked.json["version"]
    not_theirs = officer.post(f"/referrals/{asked.json['id']}/answer", json={"answer": "نعم", "version": version})
    assert not_theirs.status_code == 403
    referral_role = Api(client, make_token(app, "ref@alpha.test", "alpha", ["referral_officer"]))
    answered = referral_role.post(f"/referrals/{asked.json['id']}/answer",
                                  json={"answer": "نعم يستحق", "version": version})
    assert answered.status_code == 200 and answered.json["answer"] == "نعم يستحق"
    assert officer.get("/referrals?answered=false").json["items"] == []
    again = referral_role.post(f"/referrals/{asked.json['id']}/answer",
                               json={"answer": "مرة أخرى", "version": answered.json["version"]})
    assert again.status_code == 409


def test_a_token_of_tenant_a_cannot_reach_tenant_b(app, client, tenant_a, tenant_b):
    a = Api(client, make_token(app, "a@alpha.test", "alpha", ["relations_officer"]))
    b = Api(client, make_token(app, "b@beta.test", "beta", ["relations_officer"]))
    theirs = b.post("/beneficiaries", json=FILE).json
    request = b.post(f"/beneficiaries/{theirs['id']}/requests", json={"channel": "phone",
                                                                       "service": "financial_aid"}).json
    assert a.get("/beneficiaries").json["items"] == []
    assert a.get("/requests").json["items"] == []
    assert a.get(f"/beneficiaries/{theirs['id']}").status_code == 404
    assert a.get(f"/requests/{request['id']}").status_code == 404
    assert a.patch(f"/beneficiaries/{theirs['id']}", json={"city": "x", "version": 1}).status_code == 404
    assert a.post(f"/requests/{request['id']}/actions/check_documents", json={"version": 1}).status_code == 404
    assert a.post(f"/beneficiaries/{theirs['id']}/household", json={"relation": "son", "name": "سعد"}).status_code \
        == 404
    # The same national ID may have a file in both associations: they never see each other's.
    assert a.post("/beneficiaries", json=FILE).status_code == 201
    with app_ctx(app), cross_tenant_scope():
        assert db.session.scalar(sa.select(SupportRequest.state)) == "received"


def test_fields_the_role_may_not_see_are_left_out(app, officer, client):
    officer.post("/beneficiaries", json=FILE)
    viewer = Api(client, make_token(app, "viewer@alpha.test", "alpha", ["viewer"]))
    item = viewer.get("/beneficiaries").json["items"][0]
    assert item["name"] == FILE["name"]
    assert "national_id" not in item and "mobile" not in item and "birth_date" not in item
    assert viewer.post("/beneficiaries", json={**FILE, "national_id": "1001244019"}).status_code == 403


def test_keyset_pages_follow_next_after(app, officer):
    ids = ["1058529940", "1001244019", "1000000008"]
    for national_id in ids:
        assert officer.post("/beneficiaries", json={**FILE, "national_id": national_id}).status_code == 201
    first = officer.get("/beneficiaries?limit=2").json
    assert len(first["items"]) == 2 and first["next_after"]
    second = officer.get(f"/beneficiaries?limit=2&after={first['next_after']}").json
    assert len(second["items"]) == 1 and second["next_after"] is None
    assert officer.get("/beneficiaries?limit=0").status_code == 422


def test_tokens_are_made_and_revoked_in_the_ui_and_stored_hashed(app, tenant_a):
    browser = staff_client(app, "maker@alpha.test", "alpha", ["social_researcher"])
    page = post_form(browser, "/alpha/staff/api-tokens", {"name": "نظام المحاسبة"})
    html = page.get_data(as_text=True)
    token = html.split('class="d-block text-break user-select-all new-token" dir="ltr">')[1].split("<")[0]
    assert token.startswith("wasl_")
    with app_ctx(app), cross_tenant_scope():
        stored = db.session.scalars(sa.select(ApiToken)).one()
        assert stored.token_hash != token and token not in stored.token_hash and stored.name == "نظام المحاسبة"
        token_id = stored.id
    api = Api(app.test_client(), token)
    assert api.get("/beneficiaries").status_code == 200
    assert token not in browser.get("/alpha/staff/api-tokens").get_data(as_text=True)
    assert post_form(browser, f"/alpha/staff/api-tokens/{token_id}/revoke", {},
                     form_page="/alpha/staff/api-tokens").status_code == 302
    assert api.get("/beneficiaries").status_code == 401
    blank = post_form(browser, "/alpha/staff/api-tokens", {"name": ""})
    assert blank.status_code == 422


def test_a_token_acts_with_the_users_current_roles(app, client, tenant_a):
    from core.models import TenantRole

    api = Api(client, make_token(app, "gone@alpha.test", "alpha", ["relations_officer"]))
    assert api.get("/beneficiaries").status_code == 200
    with app_ctx(app), cross_tenant_scope():
        db.session.execute(sa.delete(TenantRole))
        db.session.commit()
    assert api.get("/beneficiaries").status_code == 401


def test_someone_elses_token_cannot_be_revoked(app, tenant_a):
    make_token(app, "owner@alpha.test", "alpha", ["relations_officer"])
    with app_ctx(app), cross_tenant_scope():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    other = staff_client(app, "other@alpha.test", "alpha", ["relations_officer"])
    response = post_form(other, f"/alpha/staff/api-tokens/{token_id}/revoke", {}, form_page="/alpha/staff/api-tokens")
    assert response.status_code == 404


def test_openapi_document_and_docs_page(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/beneficiaries", "/api/v1/requests/{request_id}/actions/{action}", "/api/v1/referrals"):
        assert path in spec["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and "/api/v1/beneficiaries" in docs.get_data(as_text=True)


def test_api_lists_run_the_same_number_of_queries_for_few_or_many_rows(app, officer):
    from tests.test_search import QueryCounter

    def count(url):
        with app.app_context():
            engine = db.engine
        with QueryCounter(engine) as counter:
            assert officer.get(url).status_code == 200
        return counter.count

    ids = ["1058529940", "1001244019"]
    for national_id in ids:
        b = officer.post("/beneficiaries", json={**FILE, "national_id": national_id}).json
        officer.post(f"/beneficiaries/{b['id']}/requests", json={"channel": "phone", "service": "financial_aid"})
    few = {url: count(url) for url in ("/beneficiaries", "/requests", "/referrals")}
    from tests.test_search import _make_files

    _make_files(app, 30, 10)
    assert {url: count(url) for url in few} == few
