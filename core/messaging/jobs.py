"""Outbox delivery as a job of the task queue (every minute), so no cron line is needed for it."""
from datetime import timedelta

from core.jobs import job
from core.messaging import delivery


@job("outbox.send", every=timedelta(minutes=1))
def send_outbox(now) -> int:
    """Deliver the messages that are due; each is claimed first, so two runners never send one twice."""
    return delivery.send_pending()["sent"]
