"""REST API v1: complaints (confidential, read only) and survey results (aggregates only)."""
from datetime import date

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.grievances.models import Complaint
from core.models import AuditEntry
from core.surveys.models import SurveyAnswer, SurveyResponse
from core.tenancy import cross_tenant_scope, tenant_scope
from tests.api_helpers import Api, make_token
from tests.helpers import app_ctx, post_form
from tests.portal_helpers import portal_tenant
from tests.test_staff_helpers import VALID_IDS

COMPLAINT = {"name": "خالد سعد القحطاني", "national_id": VALID_IDS[0], "mobile": "0551234567", "email": "",
             "subject": "تأخر صرف المساعدة", "facts": "تقدمت بطلب في شهر رجب ولم يصلني أي رد حتى الآن رغم المراجعة",
             "against": "قسم خدمات المستفيدين", "harm": "تأخر سداد الإيجار", "reasons": "تجاوز المدة المعلنة",
             "previous_steps": "اتصلت مرتين", "requested": "البت في طلبي", "other_information": "", "late_excuse": ""}


def _file_complaint(app, client, slug):
    from core.calendar import local_date
    from core.models.base import utcnow

    event = local_date(utcnow()).isoformat()
    response = post_form(client, f"/{slug}/complaints/new", {**COMPLAINT, "event_date": event})
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
    with app_ctx(app), cross_tenant_scope():
        return db.session.scalars(sa.select(Complaint.id).order_by(Complaint.id.desc())).first()


@pytest.fixture
def complaints(app, client):
    portal_tenant(app, "alpha")
    portal_tenant(app, "beta")
    alpha = _file_complaint(app, client, "alpha")
    beta = _file_complaint(app, client, "beta")
    return alpha, beta


def api(app, client, email, slug, roles):
    return Api(client, make_token(app, email, slug, roles))


def test_the_executive_director_reads_complaints_with_their_content_and_the_read_is_audited(app, client, complaints):
    alpha, _beta = complaints
    director = api(app, client, "ed@alpha.test", "alpha", ["executive_director"])
    listed = director.get("/complaints")
    assert listed.status_code == 200, listed.json
    assert [c["id"] for c in listed.json["items"]] == [alpha]
    item = listed.json["items"][0]
    assert item["name"] == COMPLAINT["name"] and item["facts"] == COMPLAINT["facts"]
    assert item["state"] == "received" and item["overdue"] is False
    one = director.get(f"/complaints/{alpha}")
    assert one.status_code == 200 and one.json["national_id"] == VALID_IDS[0]
    with app_ctx(app), cross_tenant_scope():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "complaint.view")) == 1


def test_complaint_filters_and_bad_filters(app, client, complaints):
    director = api(app, client, "ed@alpha.test", "alpha", ["executive_director"])
    assert len(director.get("/complaints?state=received").json["items"]) == 1
    assert director.get("/complaints?state=closed").json["items"] == []
    assert director.get("/complaints?overdue=true").json["items"] == []
    assert len(director.get("/complaints?overdue=false&received_via=portal").json["items"]) == 1
    bad = director.get("/complaints?state=lost&received_via=pigeon")
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"state", "received_via"}


def test_other_roles_get_no_confidential_content(app, client, complaints):
    alpha, _beta = complaints
    admin = api(app, client, "admin@alpha.test", "alpha", ["tenant_admin"])
    item = admin.get("/complaints").json["items"][0]
    assert item["reference"] and item["subject"] == COMPLAINT["subject"]
    assert not {"name", "national_id", "mobile", "facts", "harm", "requested"} & set(item)
    assert "facts" not in admin.get(f"/complaints/{alpha}").json
    officer = api(app, client, "ro@alpha.test", "alpha", ["relations_officer", "social_researcher", "reviewer"])
    assert officer.get("/complaints").json["items"] == []
    refused = officer.get(f"/complaints/{alpha}")
    assert refused.status_code == 404 and refused.json["error"]["code"] == 404


def test_a_token_of_one_association_cannot_reach_anothers_complaints(app, client, complaints):
    alpha, beta = complaints
    director = api(app, client, "ed@alpha.test", "alpha", ["executive_director"])
    assert director.get(f"/complaints/{beta}").status_code == 404
    other = api(app, client, "ed@beta.test", "beta", ["executive_director"])
    assert other.get(f"/complaints/{alpha}").status_code == 404
    assert [c["id"] for c in other.get("/complaints").json["items"]] == [beta]


def test_without_the_grievances_module_there_are_no_complaints(app, client, tenant_a):
    director = api(app, client, "ed@alpha.test", "alpha", ["executive_director"])
    assert director.get("/complaints").status_code == 404


# --- survey results ---------------------------------------------------------------------------------

def _answers(app, tenant_id, month, service, channel, scores):
    with app_ctx(app), tenant_scope(tenant_id):
        for score in scores:
            response = SurveyResponse(month=month, subject_kind="service", service=service, channel=channel)
            db.session.add(response)
            db.session.flush()
            db.session.add(SurveyAnswer(response_id=response.id, question="overall", score=score))
        db.session.commit()


@pytest.fixture
def surveyed(app, tenant_a, tenant_b):
    _answers(app, tenant_a, date(2026, 1, 1), "financial_aid", "phone", [5, 4, 3])
    _answers(app, tenant_a, date(2026, 2, 1), "in_kind_aid", "interview", [1, 2])
    _answers(app, tenant_b, date(2026, 1, 1), "financial_aid", "phone", [1, 1, 1, 1])


def test_survey_results_are_aggregates_with_no_average_below_three_answers(app, client, surveyed):
    viewer = api(app, client, "viewer@alpha.test", "alpha", ["viewer"])
    by_month = viewer.get("/surveys/results")
    assert by_month.status_code == 200, by_month.json
    assert by_month.json == {"by": "month", "total": 5, "min_group": 3, "rows": [
        {"key": "2026-01", "responses": 3, "average": 4.0}, {"key": "2026-02", "responses": 2, "average": None}]}
    by_service = viewer.get("/surveys/results?by=service&from=2026-01&to=2026-01").json
    assert by_service["total"] == 3 and by_service["rows"] == [
        {"key": "financial_aid", "responses": 3, "average": 4.0}]
    by_channel = viewer.get("/surveys/results?by=channel&from=2026-02").json
    assert by_channel["rows"] == [{"key": "interview", "responses": 2, "average": None}]
    assert viewer.get("/surveys/results?by=question").json["rows"] == [
        {"key": "overall", "responses": 5, "average": 3.0}]


def test_survey_results_refuse_bad_months_on_their_field(app, client, surveyed):
    viewer = api(app, client, "viewer@alpha.test", "alpha", ["viewer"])
    bad = viewer.get("/surveys/results?from=2026-13&by=staff")
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"from", "by"}
    for month in ("0000-01", "२०२६-01", "2026-1"):  # year 0 was a 500 (schemathesis found it)
        refused = viewer.get(f"/surveys/results?from={month}")
        assert refused.status_code == 422 and set(refused.json["error"]["fields"]) == {"from"}, month
    backwards = viewer.get("/surveys/results?from=2026-05&to=2026-01")
    assert backwards.status_code == 422 and "to" in backwards.json["error"]["fields"]


def test_the_new_resources_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in ("/api/v1/complaints", "/api/v1/complaints/{complaint_id}", "/api/v1/surveys/results",
                 "/api/v1/referrals", "/api/v1/referrals/{referral_id}/answer"):
        assert path in spec["paths"], path
    assert {"Complaint", "Results"} <= set(spec["components"]["schemas"])
