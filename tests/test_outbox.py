"""Messages to beneficiaries: written with the change, delivered by `wasl outbox send`, retried on failure."""
import email
from pathlib import Path

import sqlalchemy as sa

from core.extensions import db
from core.messaging import delivery
from core.messaging.models import OutboxMessage
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx
from tests.test_staff_helpers import COMMITTEE, act, open_file, open_request, receive_all_documents, staff_client


def _messages(app):
    with app_ctx(app), cross_tenant_scope():
        return [(m.kind, m.medium, m.recipient, m.language, m.status, m.attempts, m.subject, m.body)
                for m in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))]


def test_intake_writes_the_acknowledgement_in_the_beneficiarys_language(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    file_id = open_file(officer, "alpha", language="en", email="", mobile="0551234567")
    open_request(officer, "alpha", file_id, "phone")
    [(kind, medium, recipient, language, status, _, subject, body)] = _messages(app)
    assert (kind, medium, recipient, language, status) == ("request_received", "sms", "+966551234567", "en",
                                                           "pending")
    assert "was received" in subject and "alpha association" in body


def test_no_contact_means_no_message_but_the_decision_shows_as_not_notified(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    file_id = open_file(officer, "alpha", mobile="", email="")
    open_request(officer, "alpha", file_id, "phone")
    assert _messages(app) == []


def test_send_delivers_to_files_and_the_file_page_shows_it_sent(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    file_id = open_file(officer, "alpha", email="fatima@example.com")
    open_request(officer, "alpha", file_id, "phone")
    with app_ctx(app):
        assert delivery.send_pending() == {"sent": 1, "retry": 0, "failed": 0}
        assert delivery.send_pending() == {"sent": 0, "retry": 0, "failed": 0}  # nothing is sent twice
    [row] = _messages(app)
    assert row[4] == "sent" and row[5] == 1
    [path] = sorted(Path(app.config["MAIL_FILE_DIR"]).glob("*-email-request_received.eml"))[-1:]
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert mail["To"] == "fatima@example.com"
    assert "تم استلام" in mail["Subject"] or "استلام" in mail.get_content()
    page = officer.get(f"/alpha/staff/beneficiaries/{file_id}").get_data(as_text=True)
    assert "status-sent" in page


class Broken:
    def send(self, message):
        raise delivery.DeliveryError("connection refused")


def test_failures_are_retried_then_marked_failed(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    file_id = open_file(officer, "alpha", email="fatima@example.com")
    open_request(officer, "alpha", file_id, "phone")
    with app_ctx(app):
        assert delivery.send_pending(transport=Broken()) == {"sent": 0, "retry": 1, "failed": 0}
        # Not due again yet: the next attempt waits.
        assert delivery.send_pending(transport=Broken()) == {"sent": 0, "retry": 0, "failed": 0}
    for _ in range(delivery.MAX_ATTEMPTS - 1):
        with app_ctx(app), cross_tenant_scope():
            db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=OutboxMessage.created_at))
            db.session.commit()
        with app_ctx(app):
            delivery.send_pending(transport=Broken())
    [row] = _messages(app)
    assert row[4] == "failed" and row[5] == delivery.MAX_ATTEMPTS
    assert "Failed" in officer.get(f"/alpha/staff/beneficiaries/{file_id}?lang=en").get_data(as_text=True)
    with app_ctx(app):
        assert delivery.retry_failed() == 1
        assert delivery.send_pending()["sent"] == 1


def test_outbox_send_command(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    file_id = open_file(officer, "alpha", email="fatima@example.com")
    open_request(officer, "alpha", file_id, "phone")
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output


def test_rejection_message_carries_the_reason(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    reviewer = staff_client(app, "reviewer@alpha.test", "alpha", ["reviewer"])
    file_id = open_file(officer, "alpha", email="fatima@example.com")
    request_id = open_request(officer, "alpha", file_id, "phone")
    act(officer, "alpha", request_id, "check_documents")
    receive_all_documents(app, officer, "alpha", request_id)
    act(officer, "alpha", request_id, "declare", method="online", signed="1")
    act(officer, "alpha", request_id, "send_to_review", meeting_date="2026-01-10", members="سعد، نورة")
    reason = "الدخل الشهري للأسرة يتجاوز حد الاستحقاق المعتمد"
    assert act(reviewer, "alpha", request_id, "reject", reason=reason, **COMMITTEE).status_code == 302
    kinds = [(m[0], m[7]) for m in _messages(app)]
    assert kinds[-1][0] == "decision_rejected" and reason in kinds[-1][1]
    # The decision is not yet told: the request is in the queue, counted once …
    reference = _reference(app, request_id)
    section = _queue(officer, "not_notified")
    assert reference in section and 'queue-count">1<' in section
    assert reference not in _queue(officer, "decision")
    # … and leaves it once the message is delivered.
    assert app.test_cli_runner().invoke(args=["outbox", "send"]).exit_code == 0
    section = _queue(officer, "not_notified")
    assert reference not in section and 'queue-count">0<' in section


def _reference(app, request_id) -> str:
    from core.workflow.models import SupportRequest

    with app_ctx(app), cross_tenant_scope():
        return db.session.get(SupportRequest, request_id).reference


def _queue(client, name) -> str:
    """The HTML of one work queue on the staff home page (so an assertion cannot match another queue)."""
    page = client.get("/alpha/staff/").get_data(as_text=True)
    start = page.index(f'id="queue-{name}"')
    return page[start:page.index("</section>", start)]


def _staff(app):
    return (staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"]),
            staff_client(app, "reviewer@alpha.test", "alpha", ["reviewer"]))


def _rejected(app, email="fatima@example.com", file_id=None, staff=None):
    """A request rejected by the committee (its messages written, none sent), on a new file or `file_id`, by
    `staff` (officer, reviewer) or new ones: (officer, file id, request id)."""
    officer, reviewer = staff or _staff(app)
    file_id = file_id or open_file(officer, "alpha", email=email)
    request_id = open_request(officer, "alpha", file_id, "phone")
    act(officer, "alpha", request_id, "check_documents")
    receive_all_documents(app, officer, "alpha", request_id)
    act(officer, "alpha", request_id, "declare", method="online", signed="1")
    act(officer, "alpha", request_id, "send_to_review", meeting_date="2026-01-10", members="سعد، نورة")
    assert act(reviewer, "alpha", request_id, "reject", reason="الدخل يتجاوز الحد", **COMMITTEE).status_code == 302
    return officer, file_id, request_id


def _told_at(app, request_id):
    from core.workflow.models import SupportRequest

    with app_ctx(app), cross_tenant_scope():
        return db.session.get(SupportRequest, request_id).decision_notified_at


def _sent_at(app, kind):
    with app_ctx(app), cross_tenant_scope():
        return db.session.scalar(sa.select(OutboxMessage.sent_at).where(OutboxMessage.kind == kind,
                                                                         OutboxMessage.status == "sent"))


def test_a_delivered_decision_message_records_the_decision_as_told(app, tenant_a):
    officer, _file_id, request_id = _rejected(app)
    page = officer.get(f"/alpha/staff/requests/{request_id}?lang=en").get_data(as_text=True)
    assert "was told the decision on" not in page and _told_at(app, request_id) is None
    with app_ctx(app):
        assert delivery.send_pending(transport=Broken())["retry"] >= 1  # a failed attempt tells no one
    assert _told_at(app, request_id) is None
    with app_ctx(app), cross_tenant_scope():
        db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=OutboxMessage.created_at))
        db.session.commit()
    with app_ctx(app):
        delivery.send_pending()
    told = _told_at(app, request_id)
    assert told is not None and told == _sent_at(app, "decision_rejected")
    page = officer.get(f"/alpha/staff/requests/{request_id}?lang=en").get_data(as_text=True)
    assert "was told the decision on" in page
    assert 'queue-count">0<' in _queue(officer, "not_notified")


def test_staff_who_told_the_beneficiary_first_keep_their_time(app, tenant_a):
    officer, _file_id, request_id = _rejected(app)
    with app_ctx(app), cross_tenant_scope():
        from core.workflow.models import SupportRequest

        request = db.session.get(SupportRequest, request_id)
        request.decision_notified_at = request.decided_at
        db.session.commit()
        staff_time = request.decision_notified_at
    with app_ctx(app):
        assert delivery.send_pending()["sent"] >= 1
    assert _told_at(app, request_id) == staff_time


def test_messages_other_than_the_decision_do_not_tell_it(app, tenant_a):
    officer, _file_id, request_id = _rejected(app)
    with app_ctx(app), cross_tenant_scope():  # the decision's own message cannot go out
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.kind == "decision_rejected")
                           .values(status="failed"))
        db.session.commit()
    with app_ctx(app):
        assert delivery.send_pending()["sent"] == 2  # received, under review: sent after the decision
    assert _told_at(app, request_id) is None
    assert 'queue-count">1<' in _queue(officer, "not_notified")
