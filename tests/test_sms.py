"""SMS: segments counted as a phone network does, a two-segment limit at composition, the gateway adapter."""
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.messaging import delivery, sms
from core.messaging.models import OutboxMessage
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx
from tests.test_staff_helpers import act, open_file, open_request, staff_client


@pytest.mark.parametrize(("text", "encoding", "units", "segments"), [
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),   # split: 153 per segment
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("€" * 80, "GSM-7", 160, 1),    # an extension character takes two septets
    ("ب" * 70, "UCS-2", 70, 1),
    ("ب" * 71, "UCS-2", 71, 2),     # Arabic: 67 per segment once split
    ("ب" * 134, "UCS-2", 134, 2),
    ("ب" * 135, "UCS-2", 135, 3),
    ("a" * 100 + "ب", "UCS-2", 101, 2),  # one Arabic letter turns the whole text into UCS-2
])
def test_segments_are_counted_as_the_network_does(text, encoding, units, segments):
    assert sms.measure(text) == sms.Encoding(encoding, units, segments)


def test_composition_takes_the_first_text_that_fits_and_refuses_when_none_does():
    long, short = "ب" * 200, "ب" * 60
    assert sms.compose(long, short) == short
    with pytest.raises(sms.SmsTooLong) as refused:
        sms.compose(long, "ب" * 140)
    assert refused.value.count == 3


def test_a_long_rejection_reason_falls_back_to_the_shorter_text_with_the_status_link(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer", "reviewer"])
    file_id = open_file(officer, "alpha", email="", mobile="0551234567")
    request_id = open_request(officer, "alpha", file_id, "phone")
    act(officer, "alpha", request_id, "check_documents")
    with app_ctx(app), cross_tenant_scope():
        from core.workflow.models import RequestDocument

        db.session.execute(sa.update(RequestDocument).values(received_on=sa.func.current_date()))
        db.session.commit()
    act(officer, "alpha", request_id, "declare", method="in_person", signed="1")
    act(officer, "alpha", request_id, "send_to_review")
    # The receiver of a request may not decide it (separation of duties): a colleague on the committee does.
    reviewer = staff_client(app, "reviewer@alpha.test", "alpha", ["reviewer"])
    assert act(reviewer, "alpha", request_id, "reject", meeting_date="2026-01-10", members="أ. سعد، أ. نورة",
               reason="الدخل الشهري للأسرة أعلى من الحد المعتمد " * 4) \
        .status_code == 302
    with app_ctx(app), cross_tenant_scope():
        message = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "decision_rejected")).one()
    assert message.medium == "sms" and sms.measure(message.body).segments <= 2
    assert message.body.endswith("/alpha/status")


class Recorder:
    def __init__(self):
        self.sent = []

    def send_sms(self, to, text, reference):
        self.sent.append((to, text))


def test_sms_go_through_the_gateway_adapter_and_email_through_mail(app, tenant_a, tmp_path):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    open_request(officer, "alpha", open_file(officer, "alpha", email="", mobile="0551234567"), "phone")
    gateway = Recorder()
    with app_ctx(app):
        mail = delivery.FileBackend({"MAIL_FILE_DIR": str(tmp_path), "MAIL_FROM": "x@example.com"})
        assert delivery.send_pending(transport=delivery.Router(mail, gateway))["sent"] == 1
    [(to, text)] = gateway.sent
    assert to == "+966551234567" and "استلمنا طلبك" in text
    assert list(Path(tmp_path).glob("*.eml")) == []


def test_the_file_gateway_writes_what_would_be_sent(tmp_path):
    gateway = sms.gateway({"SMS_BACKEND": "file", "MAIL_FILE_DIR": str(tmp_path)})
    gateway.send_sms("+966551234567", "رمزك 123456", "00000001-code")
    assert (tmp_path / "sms" / "00000001-code.txt").read_text(encoding="utf-8") == \
        "To: +966551234567\n\nرمزك 123456\n"
    assert sms.gateway({"SMS_BACKEND": "none"}) is None
