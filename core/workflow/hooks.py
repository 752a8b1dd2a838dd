"""The workflow's receivers of other domains' signals."""
import sqlalchemy as sa

from core.extensions import db
from core.signals import message_sent
from core.workflow.models import SupportRequest
from core.workflow.operations import DECISION_MESSAGES


@message_sent.connect
def decision_told_by_its_message(message, sent_at, **_kw):
    """A decision's message delivered tells the beneficiary: the request leaves the "not told yet" queue
    and shows when (as when staff record telling them, which comes first if they did)."""
    if message.kind not in DECISION_MESSAGES or message.request_id is None:
        return
    db.session.execute(
        sa.update(SupportRequest)
        .where(SupportRequest.tenant_id == message.tenant_id, SupportRequest.id == message.request_id,
               SupportRequest.decided_at.is_not(None), SupportRequest.decision_notified_at.is_(None))
        .values(decision_notified_at=sent_at)
        .execution_options(synchronize_session=False))
