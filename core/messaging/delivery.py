"""Delivering the outbox: an SMTP backend for production, a file backend for the embedded default.

Each message is tried, its status recorded and committed one by one; a failure is retried later with a
growing delay (2, 4, 8, 16 minutes: `next_attempt_at`), and after MAX_ATTEMPTS the message is marked
failed (the file page shows it).

Never twice: a message is claimed before it goes out (two runners cannot both send it), and once the mail
server has accepted it (250 after DATA) nothing that fails later (QUIT refused, the connection dropped)
makes it a retry. One case stays that no sender can settle: the server accepts the message but its reply
never arrives (a time-out). The outbox must then try again, and the recipient's server may get it twice;
both copies carry the same Message-ID (made from the message's row, not at random per attempt), by
which mail systems recognise one message.
"""
import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from core.extensions import db
from core.messaging.models import OutboxMessage
from core.models.base import utcnow
from core.signals import message_sent
from core.tenancy import cross_tenant_scope

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
#: What a one-time link becomes in a delivered message's stored body.
REDACTED = "[…]"


class DeliveryError(RuntimeError):
    """The backend could not deliver this message (yet)."""


def as_email(message: OutboxMessage, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(message, sender)
    mail["Content-Language"] = message.language
    mail["X-Wasl-Medium"] = message.medium
    mail.set_content(message.body)
    return mail


def message_id(message, sender: str) -> str:
    """The same for every attempt at one outbox message, and unique to it: a second copy after a time-out
    is recognised as the same message by the recipient's mail system. A message that is not an outbox
    row (a staff reminder sent at once, never retried) gets a random one."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "wasl.invalid"
    made = getattr(message, "created_at", None)
    if not isinstance(message, OutboxMessage) or message.id is None or made is None:
        return make_msgid(idstring="wasl", domain=domain)
    return f"<wasl.{message.tenant_id}.{message.id}.{made:%Y%m%d%H%M%S%f}@{domain}>"


class FileBackend:
    """Writes each message as an .eml file (SMS too, marked X-Wasl-Medium: sms): what would have been sent."""

    def __init__(self, config):
        self.folder = Path(config["MAIL_FILE_DIR"])
        self.sender = config["MAIL_FROM"]

    def send(self, message: OutboxMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{message.id:08d}-{message.medium}-{message.kind}.eml"
        try:
            path.write_bytes(bytes(as_email(message, self.sender)))
        except OSError as exc:
            raise DeliveryError(f"cannot write {path}: {exc}") from exc


class SMTPBackend:
    def __init__(self, config):
        self.config = config

    def send(self, message: OutboxMessage) -> None:
        if message.medium != "email":
            raise DeliveryError("no SMS gateway is configured for this medium")
        config = self.config
        try:
            smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config.get("MAIL_TIMEOUT", 30))
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(str(exc) or type(exc).__name__) from exc
        try:
            try:
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
                smtp.send_message(as_email(message, config["MAIL_FROM"]))
            except (OSError, smtplib.SMTPException) as exc:
                raise DeliveryError(str(exc) or type(exc).__name__) from exc
            # Accepted: the message is the server's now. A failure from here on is no reason to send it again.
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException) as exc:
                log.warning("outbox message %s was accepted; closing the SMTP session failed: %s", message.id, exc)
        finally:
            smtp.close()


BACKENDS = {"file": FileBackend, "smtp": SMTPBackend}


class Router:
    """SMS through the configured gateway (SMS_BACKEND), everything else (and SMS without one) by mail."""

    def __init__(self, mail, sms_gateway=None):
        self.mail, self.sms = mail, sms_gateway

    def send(self, message: OutboxMessage) -> None:
        if message.medium == "sms" and self.sms is not None:
            self.sms.send_sms(message.recipient, message.body, f"{message.id:08d}-{message.kind}")
        else:
            self.mail.send(message)


def backend():
    from core.messaging import sms

    config = current_app.config
    return Router(BACKENDS[config.get("MAIL_BACKEND", "file")](config), sms.gateway(config))


#: A message claimed by a runner that then died is offered again after this long.
CLAIM_LEASE = timedelta(minutes=15)


#: Messages claimed in one UPDATE: one round of claiming for this many messages, and at most this many wait
#: for the lease if the runner dies before sending them (they are not lost, only late).
CLAIM_CHUNK = 50


def _claim(ids: list[int]) -> list[OutboxMessage]:
    """Mark the due messages among `ids` as being sent by this runner; returns them, detached, in id order.

    The claim is a conditional UPDATE committed before any of them goes out, so two runners (two workers,
    cron and a worker) can never both send one, on PostgreSQL and SQLite alike.
    """
    now = utcnow()
    claimed = db.session.scalars(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.next_attempt_at <= now,
               OutboxMessage.status.in_(("pending", "sending")))
        .values(status="sending", next_attempt_at=now + CLAIM_LEASE)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)).all()
    db.session.commit()
    if not claimed:
        return []
    messages = list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id.in_(claimed))
                                       .order_by(OutboxMessage.id)))
    for message in messages:  # detached: each result below commits without reloading the others
        db.session.expunge(message)
    db.session.commit()
    return messages


def _deliver(transport, message: OutboxMessage) -> str:
    """Send one claimed message and record the outcome (committed at once): sent, retry or failed."""
    values = {"attempts": message.attempts + 1}
    try:
        transport.send(message)
    except DeliveryError as exc:
        values["last_error"] = str(exc)[:500]
        if values["attempts"] >= MAX_ATTEMPTS:
            outcome = values["status"] = "failed"
        else:
            outcome, values["status"] = "retry", "pending"
            values["next_attempt_at"] = utcnow() + timedelta(minutes=2 ** values["attempts"])
    else:
        outcome = "sent"
        values.update(status="sent", sent_at=utcnow(), last_error=None)
        if message.sensitive:
            values.update(body=message.body.replace(message.sensitive, REDACTED), sensitive=None)
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == message.id).values(values)
                       .execution_options(synchronize_session=False))
    if outcome == "sent":
        message_sent.send(message, sent_at=values["sent_at"])
    db.session.commit()
    return outcome


def send_pending(limit: int = 200, transport=None) -> dict[str, int]:
    """Try every message that is due; returns counts of sent, retrying and failed.

    Claimed CLAIM_CHUNK at a time; each outcome is committed right after its message went out, so a
    runner killed mid-batch leaves at most the message it was sending to be sent again (after the lease)."""
    transport = transport or backend()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    with cross_tenant_scope():
        # "sending" and due again: its runner died after claiming it (the lease ran out).
        ids = db.session.scalars(
            sa.select(OutboxMessage.id).where(OutboxMessage.status.in_(("pending", "sending")),
                                              OutboxMessage.next_attempt_at <= utcnow())
            .order_by(OutboxMessage.id).limit(limit)).all()
        db.session.commit()
        for start in range(0, len(ids), CLAIM_CHUNK):
            for message in _claim(ids[start:start + CLAIM_CHUNK]):
                counts[_deliver(transport, message)] += 1
    return counts


def retry_failed() -> int:
    """Give failed messages another round of attempts (after fixing the mail settings)."""
    with cross_tenant_scope():
        messages = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.status == "failed")).all()
        for message in messages:
            message.status, message.attempts, message.next_attempt_at = "pending", 0, utcnow()
        db.session.commit()
    return len(messages)
