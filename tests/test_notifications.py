"""Staff notifications: made when the event happens, only for the people concerned, counted in the staff
navigation, marked read one by one or all at once, never visible to another association's staff."""
import re
from datetime import UTC, datetime

import sqlalchemy as sa
import time_machine

from core.extensions import db
from core.messaging.models import OutboxMessage
from core.notifications.models import Notification
from core.tenancy import tenant_scope
from tests.helpers import app_ctx, login, post_form
from tests.test_staff_helpers import act, receive_all_documents
from tests.welfare_helpers import make_welfare_tenant, open_file, open_request, staff_client, user_id

T0 = datetime(2026, 1, 4, 6, 0, tzinfo=UTC)


def _unread(client, slug) -> int:
    page = client.get(f"/{slug}/staff/notifications").get_data(as_text=True)
    match = re.search(r'class="badge rounded-pill text-bg-danger unread-count">(\d+)<', page)
    return int(match.group(1)) if match else 0


def _ids(client, slug) -> list[int]:
    page = client.get(f"/{slug}/staff/notifications").get_data(as_text=True)
    return [int(x) for x in re.findall(r'id="notification-(\d+)"', page)]


def _to_review(app, slug, officer, manager_email):
    file_id = open_file(officer, slug)
    request_id = open_request(officer, slug, file_id, "phone")
    act(officer, slug, request_id, "check_documents")
    receive_all_documents(app, officer, slug, request_id)
    act(officer, slug, request_id, "declare", method="in_person", signed="1")
    response = act(officer, slug, request_id, "send_to_review", manager_id=str(user_id(app, manager_email)))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return file_id, request_id


def _refer(client, slug, file_id, question="ما المستندات المطلوبة؟"):
    response = post_form(client, f"/{slug}/staff/beneficiaries/{file_id}/referrals", {"question": question},
                         form_page=f"/{slug}/staff/beneficiaries/{file_id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def test_each_event_notifies_only_the_person_concerned(app):
    make_welfare_tenant(app, "nt", modules=[])
    officer = staff_client(app, "officer@nt.test", "nt", ["relations_officer"])
    manager = staff_client(app, "manager@nt.test", "nt", ["reviewer"])
    other_reviewer = staff_client(app, "other@nt.test", "nt", ["reviewer"])
    referral = staff_client(app, "referral@nt.test", "nt", ["referral_officer"])

    # A request sent to one manager: only that manager is told.
    file_id, request_id = _to_review(app, "nt", officer, "manager@nt.test")
    assert _unread(manager, "nt") == 1 and _unread(other_reviewer, "nt") == 0 and _unread(officer, "nt") == 0
    page = manager.get("/nt/staff/notifications").get_data(as_text=True)
    assert "طلب ينتظر قرارك" in page
    assert '/nt/staff/notifications/' in page

    # A referral: the referral role is told, not the one who asked.
    _refer(officer, "nt", file_id)
    assert _unread(referral, "nt") == 1 and _unread(officer, "nt") == 0
    inbox = referral.get("/nt/staff/referrals").get_data(as_text=True)
    referral_id = int(inbox.split("/referrals/")[1].split("/answer")[0])
    # Its answer: the one who asked is told.
    response = post_form(referral, f"/nt/staff/referrals/{referral_id}/answer",
                         {"answer": "صورة الهوية", "version": "1"}, form_page="/nt/staff/referrals")
    assert response.status_code == 302
    assert _unread(officer, "nt") == 1 and _unread(referral, "nt") == 1 and _unread(manager, "nt") == 1


def test_a_committee_request_tells_every_reviewer_but_not_the_sender(app):
    make_welfare_tenant(app, "cm", modules=[], body="committee")
    officer = staff_client(app, "officer@cm.test", "cm", ["relations_officer", "reviewer"])
    one = staff_client(app, "one@cm.test", "cm", ["reviewer"])
    two = staff_client(app, "two@cm.test", "cm", ["reviewer"])
    file_id = open_file(officer, "cm")
    request_id = open_request(officer, "cm", file_id, "phone")
    act(officer, "cm", request_id, "check_documents")
    receive_all_documents(app, officer, "cm", request_id)
    act(officer, "cm", request_id, "declare", method="in_person", signed="1")
    assert act(officer, "cm", request_id, "send_to_review").status_code == 302
    assert (_unread(one, "cm"), _unread(two, "cm"), _unread(officer, "cm")) == (1, 1, 0)


def test_opening_marks_read_and_leads_to_the_request_and_all_can_be_marked(app):
    make_welfare_tenant(app, "mr", modules=[])
    officer = staff_client(app, "officer@mr.test", "mr", ["relations_officer"])
    manager = staff_client(app, "manager@mr.test", "mr", ["reviewer", "referral_officer"])
    file_id, request_id = _to_review(app, "mr", officer, "manager@mr.test")
    _refer(officer, "mr", file_id)
    _refer(officer, "mr", file_id, "سؤال آخر")
    assert _unread(manager, "mr") == 3
    first = _ids(manager, "mr")[-1]  # the oldest: the request waiting for a decision
    response = post_form(manager, f"/mr/staff/notifications/{first}/read", {"open": "1"},
                         form_page="/mr/staff/notifications")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/mr/staff/requests/{request_id}")
    assert _unread(manager, "mr") == 2
    newest = _ids(manager, "mr")[0]  # a referral: answered from the inbox
    response = post_form(manager, f"/mr/staff/notifications/{newest}/read", {"open": "1"},
                         form_page="/mr/staff/notifications")
    assert "/mr/staff/referrals#referral-" in response.headers["Location"]
    assert _unread(manager, "mr") == 1
    response = post_form(manager, "/mr/staff/notifications/read-all", {}, form_page="/mr/staff/notifications")
    assert response.status_code == 302
    assert _unread(manager, "mr") == 0
    assert "unread-count" not in manager.get("/mr/staff/").get_data(as_text=True)


def test_another_persons_or_associations_notification_is_not_found(app):
    make_welfare_tenant(app, "ia", modules=[])
    make_welfare_tenant(app, "ib", modules=[])
    officer = staff_client(app, "officer@ia.test", "ia", ["relations_officer"])
    manager = staff_client(app, "manager@ia.test", "ia", ["reviewer"])
    colleague = staff_client(app, "colleague@ia.test", "ia", ["reviewer"])
    stranger = staff_client(app, "stranger@ib.test", "ib", ["reviewer", "relations_officer"])
    _to_review(app, "ia", officer, "manager@ia.test")
    [nid] = _ids(manager, "ia")
    # A colleague in the same association, and a member of another association, cannot see or mark it.
    assert nid not in _ids(colleague, "ia") and _ids(stranger, "ib") == []
    for client, slug in ((colleague, "ia"), (stranger, "ib")):
        response = post_form(client, f"/{slug}/staff/notifications/{nid}/read", {},
                             form_page=f"/{slug}/staff/notifications")
        assert response.status_code == 404
    post_form(stranger, "/ib/staff/notifications/read-all", {}, form_page="/ib/staff/notifications")
    assert _unread(manager, "ia") == 1
    # Another association's notification page is not theirs at all.
    assert stranger.get("/ia/staff/notifications").status_code in (403, 404)


def test_decisions_due_soon_are_notified_once_and_the_digest_is_sent_once_a_day(app):
    tenant_id = make_welfare_tenant(app, "ds", modules=[])
    with time_machine.travel(T0, tick=False):
        officer = staff_client(app, "officer@ds.test", "ds", ["relations_officer"])
        manager = staff_client(app, "manager@ds.test", "ds", ["reviewer"])
        _to_review(app, "ds", officer, "manager@ds.test")  # due 2026-01-18
        response = post_form(manager, "/ds/staff/notifications/digest", {"daily_digest": "1"},
                             form_page="/ds/staff/notifications")
        assert response.status_code == 302

    def run(name):
        result = app.test_cli_runner().invoke(args=["jobs", "run", name])
        assert result.exit_code == 0, result.output
        return result.output

    with time_machine.travel(datetime(2026, 1, 10, 6, 0, tzinfo=UTC), tick=False):
        assert "changed=0" in run("notifications.decision_due_soon")  # eight days left
    with time_machine.travel(datetime(2026, 1, 16, 6, 0, tzinfo=UTC), tick=False):
        assert "changed=1" in run("notifications.decision_due_soon")
        assert "changed=0" in run("notifications.decision_due_soon")  # an hour later: nothing new
        manager = app.test_client()
        login(manager, "manager@ds.test")
        assert _unread(manager, "ds") == 2
        assert "changed=1" in run("notifications.daily_digest")
        assert "changed=0" in run("notifications.daily_digest")
    with app_ctx(app), tenant_scope(tenant_id):
        kinds = db.session.scalars(sa.select(Notification.kind).order_by(Notification.id)).all()
        assert kinds == ["decision_waiting", "decision_due_soon"]
        [mail] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "staff_digest")).all()
        assert mail.recipient == "manager@ds.test" and "/ds/staff/notifications" in mail.body


def test_opening_the_request_reads_what_told_about_it(app):
    make_welfare_tenant(app, "rq", modules=[])
    officer = staff_client(app, "officer@rq.test", "rq", ["relations_officer"])
    manager = staff_client(app, "manager@rq.test", "rq", ["reviewer", "referral_officer"])
    file_id, request_id = _to_review(app, "rq", officer, "manager@rq.test")
    _refer(officer, "rq", file_id)  # about the file, not the request: stays unread
    assert _unread(manager, "rq") == 2
    page = manager.get(f"/rq/staff/requests/{request_id}").get_data(as_text=True)
    assert 'unread-count">1<' in page
    assert _unread(manager, "rq") == 1
