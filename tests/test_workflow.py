"""The state machine: guards by role and state, reasons, deadlines, and no lost update."""
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.messaging.models import OutboxMessage
from core.models import AuditEntry
from core.tenancy import cross_tenant_scope
from core.workflow.deadlines import decision_due
from core.workflow.models import SupportRequest
from core.workflow.states import TRANSITIONS, Action, RequestState, possible
from tests.helpers import app_ctx
from tests.test_staff_helpers import act, open_file, open_request, receive_all_documents, staff_client


def _state(app, request_id):
    with app_ctx(app), cross_tenant_scope():
        request = db.session.get(SupportRequest, request_id)
        return request.state, request.version


def _count(app, model):
    with app_ctx(app), cross_tenant_scope():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _changes(app):
    """Audit rows of changes (views of pages are audited too, but change nothing)."""
    with app_ctx(app), cross_tenant_scope():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action.not_like("%.view")))


@pytest.fixture
def desk(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    reviewer = staff_client(app, "reviewer@alpha.test", "alpha", ["reviewer"])
    file_id = open_file(officer, "alpha", email="ahmad@example.com")
    request_id = open_request(officer, "alpha", file_id, "interview")
    return officer, reviewer, request_id


def _to_review(app, officer, request_id):
    act(officer, "alpha", request_id, "check_documents")
    receive_all_documents(app, officer, "alpha", request_id)
    act(officer, "alpha", request_id, "declare", method="in_person", signed="1")
    response = act(officer, "alpha", request_id, "send_to_review", meeting_date="2026-01-10", members="سعد، نورة")
    assert response.status_code == 302


def test_an_illegal_transition_is_refused_and_changes_nothing(app, desk):
    officer, reviewer, request_id = desk
    before = _state(app, request_id)
    changes = _changes(app)
    response = act(officer, "alpha", request_id, "serve", kind="financial", amount="100")
    assert response.status_code == 409
    assert "لا يمكن" in response.get_data(as_text=True)
    assert _state(app, request_id) == before
    assert _changes(app) == changes


def test_declaration_waits_for_every_required_document(app, desk):
    officer, _, request_id = desk
    act(officer, "alpha", request_id, "check_documents")
    response = act(officer, "alpha", request_id, "declare", method="in_person", signed="1")
    assert response.status_code == 409
    assert "صورة الهوية" in response.get_data(as_text=True)
    assert _state(app, request_id)[0] == "documents_pending"


def test_rejection_without_a_reason_is_refused(app, desk):
    officer, reviewer, request_id = desk
    _to_review(app, officer, request_id)
    messages = _count(app, OutboxMessage)
    response = act(reviewer, "alpha", request_id, "reject", reason="")
    assert response.status_code == 422
    assert "من حق المستفيد معرفة سبب رفض طلبه" in response.get_data(as_text=True)
    assert _state(app, request_id)[0] == "under_review"
    assert _count(app, OutboxMessage) == messages


def test_a_role_that_may_not_decide_cannot_accept(app, desk):
    officer, _, request_id = desk
    _to_review(app, officer, request_id)
    response = act(officer, "alpha", request_id, "accept")
    assert response.status_code == 403
    assert _state(app, request_id)[0] == "under_review"
    viewer = staff_client(app, "viewer@alpha.test", "alpha", ["viewer"])
    version = str(_state(app, request_id)[1])
    assert act(viewer, "alpha", request_id, "reject", reason="سبب كافٍ للرفض هنا", version=version).status_code == 403
    assert _state(app, request_id)[0] == "under_review"


def test_the_second_save_of_two_is_refused_as_changed_by_someone_else(app, desk):
    officer, _, request_id = desk
    colleague = staff_client(app, "colleague@alpha.test", "alpha", ["social_researcher"])
    stale_version = _state(app, request_id)[1]
    assert act(colleague, "alpha", request_id, "check_documents", version=str(stale_version)).status_code == 302
    response = act(officer, "alpha", request_id, "withdraw", reason="طلب المستفيد", version=str(stale_version))
    assert response.status_code == 409
    assert "عدّل شخص آخر" in response.get_data(as_text=True)
    assert _state(app, request_id)[0] == "documents_pending"


def test_withdrawal_needs_a_reason_and_ends_the_request(app, desk):
    officer, _, request_id = desk
    assert act(officer, "alpha", request_id, "withdraw", reason="").status_code == 422
    assert act(officer, "alpha", request_id, "withdraw", reason="لم يعد بحاجة").status_code == 302
    assert _state(app, request_id)[0] == "withdrawn"
    version = str(_state(app, request_id)[1])
    assert act(officer, "alpha", request_id, "check_documents", version=version).status_code == 409


def test_sending_for_review_sets_the_due_date_and_tells_the_beneficiary(app, desk):
    officer, _, request_id = desk
    _to_review(app, officer, request_id)
    with app_ctx(app), cross_tenant_scope():
        request = db.session.get(SupportRequest, request_id)
        assert request.decision_due == decision_due(request.sent_to_review_at, 14)
        message = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "under_review")).one()
        assert request.decision_due.isoformat() in message.body
        assert "لجنة البحث" in message.body


@pytest.mark.parametrize("sent, days, due", [
    (datetime(2026, 1, 4, 6, 0, tzinfo=UTC), 14, date(2026, 1, 18)),      # a Sunday morning
    (datetime(2026, 1, 8, 20, 30, tzinfo=UTC), 14, date(2026, 1, 22)),    # Thursday 23:30 in Riyadh
    (datetime(2026, 1, 8, 21, 30, tzinfo=UTC), 14, date(2026, 1, 23)),    # already Friday in Riyadh
    (datetime(2026, 2, 20, 10, 0, tzinfo=UTC), 14, date(2026, 3, 6)),     # across the end of February
    (datetime(2028, 2, 20, 10, 0, tzinfo=UTC), 14, date(2028, 3, 5)),     # leap year
    (datetime(2026, 12, 25, 10, 0, tzinfo=UTC), 10, date(2027, 1, 4)),    # across the year, a tenant's own SLA
])
def test_decision_due_is_the_riyadh_day_sent_plus_the_sla(sent, days, due):
    assert decision_due(sent, days) == due


def test_overdue_requests_come_first_in_the_decision_queue_and_are_marked(app, desk):
    officer, reviewer, request_id = desk
    _to_review(app, officer, request_id)
    second = open_request(officer, "alpha", open_file(officer, "alpha", national_id="1001244019",
                                                          name="فاطمة علي"), "phone")
    _to_review(app, officer, second)
    with app_ctx(app), cross_tenant_scope():
        db.session.get(SupportRequest, second).decision_due = date(2020, 1, 1)
        db.session.commit()
    home = reviewer.get("/alpha/staff/?lang=en").get_data(as_text=True)
    queue = home.split('id="queue-decision"')[1]
    assert queue.index("فاطمة علي") < queue.index("أحمد محمد العتيبي")
    assert "Overdue" in queue
    listing = officer.get("/alpha/staff/requests?overdue=1").get_data(as_text=True)
    assert "فاطمة علي" in listing and "أحمد محمد العتيبي" not in listing
    page = officer.get(f"/alpha/staff/requests/{second}?lang=en").get_data(as_text=True)
    assert "The decision is overdue" in page


def test_the_transition_table_follows_the_policy_steps():
    path = [Action.check_documents, Action.declare, Action.send_to_review, Action.accept, Action.register,
            Action.serve, Action.close]
    state = RequestState.received
    for action in path:
        assert state in TRANSITIONS[action].sources
        state = TRANSITIONS[action].target
    assert state == RequestState.closed
    assert possible("under_review", {"relations_officer"}) == [Action.withdraw]
    assert set(possible("under_review", {"reviewer"})) == {Action.accept, Action.reject}
