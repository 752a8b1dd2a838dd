"""A decision whose message was delivered is told: its time is recorded on the request, as delivery now
records it, so the "not told yet" queue no longer asks the outbox and keeps only the untold decisions

Revision ID: f2a9c4e6d813
Revises: d4e8b1c7a902
Create Date: 2026-12-01 17:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'f2a9c4e6d813'
down_revision = 'd4e8b1c7a902'
branch_labels = None
depends_on = None

SENT_DECISION = ("FROM outbox_messages o WHERE o.tenant_id = support_requests.tenant_id "
                 "AND o.request_id = support_requests.id AND o.status = 'sent' "
                 "AND o.kind IN ('decision_accepted', 'decision_rejected')")


def upgrade():
    op.execute(sa.text(
        f"UPDATE support_requests SET decision_notified_at = "
        f"(SELECT coalesce(min(o.sent_at), support_requests.decided_at) {SENT_DECISION}) "
        f"WHERE decided_at IS NOT NULL AND decision_notified_at IS NULL AND EXISTS (SELECT 1 {SENT_DECISION})"))


def downgrade():
    # Which of the recorded times came from a delivered message and which from staff cannot be told apart
    # afterwards; the older code counts both as told, so leaving them is what it would show.
    pass
