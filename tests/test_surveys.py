"""Satisfaction surveys: a one-time link after a served request or a programme, aggregates for staff only."""
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from core.beneficiaries.models import Beneficiary
from core.extensions import db
from core.jobs import REGISTRY
from core.messaging.models import OutboxMessage
from core.surveys import operations
from core.surveys.models import SurveyInvitation, SurveyResponse
from core.tenancy import cross_tenant_scope, tenant_scope
from tests.helpers import app_ctx, csrf_token, post_form
from tests.test_staff_helpers import act, open_file, open_request, receive_all_documents, staff_client

LINK_RE = re.compile(r"/(\w[\w-]*)/survey/([A-Za-z0-9_-]+)")


def _served_request(app, slug="alpha", **file_fields):
    officer = staff_client(app, f"officer@{slug}.test", slug, ["relations_officer", "social_researcher"])
    reviewer = staff_client(app, f"reviewer@{slug}.test", slug, ["reviewer"])
    file_id = open_file(officer, slug, **file_fields)
    request_id = open_request(officer, slug, file_id, "phone")
    act(officer, slug, request_id, "check_documents")
    receive_all_documents(app, officer, slug, request_id)
    act(officer, slug, request_id, "declare", method="in_person", signed="1")
    act(officer, slug, request_id, "send_to_review")
    assert act(reviewer, slug, request_id, "accept", meeting_date="2026-01-10",
               members="أ. سعد، أ. نورة").status_code == 302
    act(officer, slug, request_id, "register")
    response = act(officer, slug, request_id, "serve", kind="financial", amount="500")
    assert response.status_code == 302
    return officer, request_id


def _invite_job(app, now=None):
    with app_ctx(app):
        return REGISTRY["surveys.invite_served"].run(now or datetime.now(UTC))


def _link(app):
    with app_ctx(app), cross_tenant_scope():
        message = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "survey")).one()
        return message, LINK_RE.search(message.body).group(0)


def _answer(client, link, **scores):
    data = {"overall": "5", "respect": "4", "speed": "3", "clarity": "4", "comment": "", **scores}
    return post_form(client, link, data)


def test_a_served_request_gets_one_survey_link_that_works_once(app, client, tenant_a):
    _served_request(app)
    assert _invite_job(app) == 1
    assert _invite_job(app) == 0  # idempotent: no second invitation for the same request
    message, link = _link(app)
    assert message.medium == "sms" and len(message.body) <= 134  # two UCS-2 segments
    page = client.get(link)
    assert page.status_code == 200 and "رضاك العام عن الخدمة" in page.get_data(as_text=True)
    assert _answer(client, link, overall="٥", comment="شكراً على حسن التعامل").status_code == 200
    again = client.get(link)
    assert again.status_code == 410 and "already answered" in client.get(link + "?lang=en").get_data(as_text=True)
    with app_ctx(app), tenant_scope(tenant_a):
        [response] = db.session.scalars(sa.select(SurveyResponse)).all()
        assert response.service == "financial_aid" and response.channel == "phone"
        assert response.comment == "شكراً على حسن التعامل"


def test_a_second_answer_on_the_same_link_is_refused(app, tenant_a):
    _served_request(app)
    _invite_job(app)
    _, link = _link(app)
    first, second = app.test_client(), app.test_client()
    token_1, token_2 = csrf_token(first, link), csrf_token(second, link)
    data = {"overall": "5", "respect": "5", "speed": "5", "clarity": "5"}
    assert first.post(link, data={**data, "csrf_token": token_1}).status_code == 200
    assert second.post(link, data={**data, "csrf_token": token_2}).status_code == 410
    with app_ctx(app), tenant_scope(tenant_a):
        assert db.session.scalar(sa.select(sa.func.count(SurveyResponse.id))) == 1


def test_a_missing_or_out_of_range_score_is_named_and_nothing_is_spent(app, client, tenant_a):
    _served_request(app)
    _invite_job(app)
    _, link = _link(app)
    response = _answer(client, link + "?lang=en", overall="7", speed="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="overall-error"' in html and 'id="speed-error"' in html and "Choose a rating from 1 to 5." in html
    assert client.get(link).status_code == 200  # the link still works


def test_unknown_or_another_tenants_link_is_not_found(app, client, tenant_a, tenant_b):
    _served_request(app)
    _invite_job(app)
    _, link = _link(app)
    assert client.get("/alpha/survey/not-a-token").status_code == 404
    assert client.get(link.replace("/alpha/", "/beta/")).status_code == 404


def test_an_expired_link_is_refused(app, client, tenant_a):
    _served_request(app)
    _invite_job(app)
    _, link = _link(app)
    with app_ctx(app), tenant_scope(tenant_a):
        db.session.execute(sa.update(SurveyInvitation).values(
            expires_at=datetime.now(UTC) - timedelta(minutes=1)))
        db.session.commit()
    assert client.get(link).status_code == 410


def test_requests_served_long_ago_are_not_surveyed(app, tenant_a):
    _served_request(app)
    assert _invite_job(app, now=datetime.now(UTC) + timedelta(days=15)) == 0


def test_programmes_invite_a_contact_without_a_file(app, tenant_a):
    with app_ctx(app), tenant_scope(tenant_a):
        from core import tenants

        tenant = tenants.by_slug("alpha")
        subject = operations.program_subject(7, "برنامج الحاسب", "Computer course")
        contact = operations.Contact("سارة", mobile="+966501112233")
        first = operations.invite(tenant, contact, subject)
        again = operations.invite(tenant, contact, subject)
        assert again.id == first.id
        assert operations.invite(tenant, operations.Contact("بلا وسيلة"), subject) is None
        db.session.commit()
        [message] = db.session.scalars(sa.select(OutboxMessage)).all()
        assert message.beneficiary_id is None and message.recipient == "+966501112233"


def test_staff_see_averages_by_service_and_staff_but_not_who_answered(app, client, tenant_a):
    officer, _ = _served_request(app, email="", mobile="0501234567")
    with app_ctx(app), tenant_scope(tenant_a):
        from core import tenants

        tenant = tenants.by_slug("alpha")
        beneficiary = db.session.scalars(sa.select(Beneficiary)).one()
    _invite_job(app)
    # Two more people answer about programmes and one more service answer, through invitations.
    links = [_link(app)[1]]
    with app_ctx(app), tenant_scope(tenant_a):
        for n in range(3):
            operations.invite(tenant, operations.Contact(f"p{n}", email=f"p{n}@example.com"),
                              operations.program_subject(1, "برنامج", "Programme"))
        db.session.commit()
        bodies = db.session.scalars(sa.select(OutboxMessage.body).where(OutboxMessage.kind == "survey")
                                    .order_by(OutboxMessage.id)).all()
    links = [LINK_RE.search(b).group(0) for b in bodies]
    for link, score in zip(links, ["5", "4", "2", "3"], strict=True):
        assert _answer(app.test_client(), link, overall=score, respect=score, speed=score, clarity=score,
                       comment=f"تعليق {score}").status_code == 200
    page = officer.get("/alpha/staff/surveys?lang=en").get_data(as_text=True)
    assert '<bdi dir="ltr" class="survey-total">4</bdi>' in page
    by_service = page.split("survey-service")[1].split("</table>")[0]
    assert "Financial aid" in by_service and "too few answers to show" in by_service  # one answer: hidden
    assert '<bdi dir="ltr" class="average">3.00</bdi>' in page.split("survey-service")[1].split("</table>")[0] \
        .split("Programmes")[1]  # (4 + 2 + 3) / 3
    assert "تعليق 5" in page
    assert beneficiary.name not in page and "p0@example.com" not in page


def test_survey_results_need_a_member_of_the_tenant(app, client, tenant_a, tenant_b):
    staff_client(app, "x@alpha.test", "alpha", ["viewer"])
    outsider = staff_client(app, "y@beta.test", "beta", ["executive_director"])
    assert outsider.get("/alpha/staff/surveys").status_code == 404


def test_wasl_jobs_run_sends_the_invitations_for_cron(app, tenant_a):
    _served_request(app)
    result = app.test_cli_runner().invoke(args=["jobs", "run", "surveys.invite_served"])
    assert result.exit_code == 0 and "changed=1" in result.output, result.output
    assert app.test_cli_runner().invoke(args=["jobs", "run", "nope"]).exit_code != 0


def test_the_associations_own_questions_are_asked_after_the_fixed_ones(app, client):
    from core import tenant_files, tenants

    text = """
slug = "gamma"
name_ar = "جمعية غاما"
name_en = "Gamma association"
channels = ["phone"]
[review]
body = "committee"
label_ar = "لجنة البحث"
label_en = "Research committee"
[referral]
label_ar = "مسؤول العلاقات العامة"
label_en = "Public relations officer"
[[survey_questions]]
code = "waiting_place"
label_ar = "ملاءمة مكان الانتظار"
label_en = "The waiting area"
"""
    with app_ctx(app), cross_tenant_scope():
        tenant = tenants.provision(tenant_files.parse(text)).tenant
        db.session.commit()
        tenant_id = tenant.id
    with app_ctx(app), tenant_scope(tenant_id):
        tenant = tenants.by_slug("gamma")
        operations.invite(tenant, operations.Contact("x", email="x@example.com"),
                          operations.program_subject(1, "برنامج", "Programme"))
        db.session.commit()
        body = db.session.scalars(sa.select(OutboxMessage.body)).one()
    link = LINK_RE.search(body).group(0)
    page = client.get(link).get_data(as_text=True)
    assert page.index("رضاك العام عن الخدمة") < page.index("ملاءمة مكان الانتظار")
    assert _answer(client, link).status_code == 422  # the association's question needs an answer too
    assert _answer(client, link, t_waiting_place="2").status_code == 200
    with app_ctx(app), tenant_scope(tenant_id):
        from core.surveys.models import SurveyAnswer

        scores = dict(db.session.execute(sa.select(SurveyAnswer.question, SurveyAnswer.score)).all())
    assert scores == {"overall": 5, "respect": 4, "speed": 3, "clarity": 4, "t_waiting_place": 2}
