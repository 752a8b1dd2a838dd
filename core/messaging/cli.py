"""`wasl outbox …`: deliver the messages to beneficiaries."""
import click
from flask.cli import with_appcontext

from core.messaging import delivery


@click.group("outbox")
def outbox():
    """Messages to beneficiaries waiting in the outbox."""


@outbox.command("send")
@click.option("--limit", default=200, show_default=True, help="At most this many messages in one run.")
@click.option("--retry-failed", is_flag=True, help="First put messages that failed for good back in the queue.")
@with_appcontext
def send(limit, retry_failed):
    """Deliver due messages by the configured MAIL_BACKEND (file or smtp); failures are retried later."""
    if retry_failed:
        click.echo(f"requeued {delivery.retry_failed()} failed message(s)")
    counts = delivery.send_pending(limit=limit)
    click.echo(f"sent {counts['sent']}, will retry {counts['retry']}, failed {counts['failed']}")
