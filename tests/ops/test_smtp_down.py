"""The mail server down, then back: the outbox retries with growing delays, loses nothing, sends nothing twice.

A real SMTP server (aiosmtpd) on a free port, started by the test only when it should be "back"; the
outbox talks to it with the production backend (MAIL_BACKEND=smtp) over a real connection.
"""
import asyncio
import email
import email.policy
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.messaging import delivery
from core.messaging.models import OutboxMessage
from core.models.base import utcnow
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx
from tests.ops.servers import free_port
from tests.test_staff_helpers import VALID_IDS, open_file, open_request, staff_client

controller = pytest.importorskip("aiosmtpd.controller", reason="needs aiosmtpd (pip install -e '.[test]')")

RECIPIENTS = ("fatima@example.com", "salem@example.org")


class Inbox:
    """What the SMTP server received; `quit_reply` and `slow_once` make it misbehave after accepting."""

    def __init__(self, quit_reply=None, slow_once=0.0):
        self.received: list[email.message.EmailMessage] = []
        self.quit_reply, self.slow_once = quit_reply, slow_once

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        if self.slow_once:  # stored, but the "250" comes after the sender has given up waiting
            delay, self.slow_once = self.slow_once, 0.0
            await asyncio.sleep(delay)
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope):
        return self.quit_reply or "221 Bye"


class MailServer:
    def __init__(self, port: int):
        self.port, self.running = port, None

    def start(self, inbox: Inbox) -> Inbox:
        self.running = controller.Controller(inbox, hostname="127.0.0.1", port=self.port)
        self.running.start()
        return inbox

    def stop(self):
        if self.running is not None:
            self.running.stop()
            self.running = None


@pytest.fixture
def smtp(app, monkeypatch):
    """The production mail backend pointed at a port where no server runs yet."""
    server = MailServer(free_port())
    for name, value in {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port,
                        "MAIL_TIMEOUT": 2.0, "MAIL_FROM": "Wasl <no-reply@wasl.example>"}.items():
        monkeypatch.setitem(app.config, name, value)
    yield server
    server.stop()


def _messages_for(app, recipients):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    for national_id, address in zip(VALID_IDS, recipients, strict=False):
        open_request(officer, "alpha", open_file(officer, "alpha", national_id=national_id, email=address), "phone")


def _rows(app):
    with app_ctx(app), cross_tenant_scope():
        return [(m.recipient, m.status, m.attempts, m.next_attempt_at, m.last_error)
                for m in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))]


def _due_now(app):
    """The clock moves on to the next attempt (the rows say when; the test does not wait minutes)."""
    with app_ctx(app), cross_tenant_scope():
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.status == "pending")
                           .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def _send(app):
    with app_ctx(app):
        return delivery.send_pending()


def test_smtp_down_then_back_retries_with_growing_delays_and_delivers_each_message_once(app, tenant_a, smtp):
    _messages_for(app, RECIPIENTS)

    delays = []
    for attempt in (1, 2, 3):
        if attempt > 1:
            _due_now(app)
        tried_at = utcnow()
        assert _send(app) == {"sent": 0, "retry": 2, "failed": 0}
        rows = _rows(app)
        assert [(r[1], r[2]) for r in rows] == [("pending", attempt)] * 2  # nothing lost, nothing given up
        assert all("refused" in r[4].lower() for r in rows)
        [delay] = {round((r[3] - tried_at).total_seconds() / 60) for r in rows}
        delays.append(delay)
        assert _send(app) == {"sent": 0, "retry": 0, "failed": 0}  # not due yet: the back-off is kept
    assert delays == [2, 4, 8]  # minutes: each wait twice the last

    inbox = smtp.start(Inbox())
    _due_now(app)
    assert _send(app) == {"sent": 2, "retry": 0, "failed": 0}
    assert sorted(m["To"] for m in inbox.received) == sorted(RECIPIENTS)
    assert all(m["From"] == "Wasl <no-reply@wasl.example>" for m in inbox.received)
    assert len({m["Message-ID"] for m in inbox.received}) == 2
    assert [(r[1], r[2]) for r in _rows(app)] == [("sent", 4)] * 2

    _due_now(app)
    assert _send(app) == {"sent": 0, "retry": 0, "failed": 0}
    assert len(inbox.received) == 2  # never twice


def test_a_session_that_fails_after_the_server_accepted_the_message_is_not_sent_again(app, tenant_a, smtp):
    """The server said 250 to the message, then refused QUIT: smtplib raised after the fact, and the
    outbox used to count it failed and send it again at the next attempt."""
    _messages_for(app, RECIPIENTS[:1])
    inbox = smtp.start(Inbox(quit_reply="421 Closing the connection, try later"))
    assert _send(app) == {"sent": 1, "retry": 0, "failed": 0}
    _due_now(app)
    assert _send(app) == {"sent": 0, "retry": 0, "failed": 0}
    assert len(inbox.received) == 1
    [(_recipient, status, attempts, _next, error)] = _rows(app)
    assert (status, attempts, error) == ("sent", 1, None)


def test_a_reply_lost_to_a_timeout_is_sent_again_under_the_same_message_id(app, tenant_a, smtp):
    """The one case no sender can settle: the server stored the message but its 250 came after the
    time-out. The outbox tries again (it cannot know); both copies carry one Message-ID, by which the
    recipient's mail system sees one message."""
    _messages_for(app, RECIPIENTS[:1])
    inbox = smtp.start(Inbox(slow_once=app.config["MAIL_TIMEOUT"] + 1.5))
    assert _send(app) == {"sent": 0, "retry": 1, "failed": 0}
    assert "timed out" in _rows(app)[0][4]
    _due_now(app)
    assert _send(app) == {"sent": 1, "retry": 0, "failed": 0}
    first, second = inbox.received
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"].endswith("@wasl.example>")
