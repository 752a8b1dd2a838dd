"""The not-notified work queue's index ends with the id: the queue's count and its keyset order
(decided_at, id) read the index alone, without a table row for each request

Revision ID: d4e8b1c7a902
Revises: b6f2d9a4c1e7
Create Date: 2026-12-01 16:55:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'd4e8b1c7a902'
down_revision = 'b6f2d9a4c1e7'
branch_labels = None
depends_on = None

NOT_NOTIFIED = "decided_at IS NOT NULL AND decision_notified_at IS NULL"


def _index(columns):
    op.drop_index("ix_support_requests_tenant_not_notified", table_name="support_requests")
    op.create_index("ix_support_requests_tenant_not_notified", "support_requests", columns,
                    postgresql_where=sa.text(NOT_NOTIFIED), sqlite_where=sa.text(NOT_NOTIFIED))


def upgrade():
    _index(["tenant_id", "decided_at", "id"])


def downgrade():
    _index(["tenant_id", "decided_at"])
