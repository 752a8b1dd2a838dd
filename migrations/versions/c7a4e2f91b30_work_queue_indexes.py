"""Work queue indexes: the queues ordered by decision date and the open referrals read their first rows
from an index in order, instead of joining and sorting every matching request of the tenant

Revision ID: c7a4e2f91b30
Revises: a7d3c9e5b1f2
Create Date: 2026-12-01 00:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c7a4e2f91b30'
down_revision = 'a7d3c9e5b1f2'
branch_labels = None
depends_on = None

TO_SERVE = "state IN ('accepted', 'registered')"
NOT_NOTIFIED = "decided_at IS NOT NULL AND decision_notified_at IS NULL"
OPEN = "answered_at IS NULL"


def upgrade():
    op.create_index("ix_support_requests_tenant_to_serve", "support_requests", ["tenant_id", "decided_at"],
                    postgresql_where=sa.text(TO_SERVE), sqlite_where=sa.text(TO_SERVE))
    op.create_index("ix_support_requests_tenant_not_notified", "support_requests", ["tenant_id", "decided_at"],
                    postgresql_where=sa.text(NOT_NOTIFIED), sqlite_where=sa.text(NOT_NOTIFIED))
    op.create_index("ix_referrals_tenant_open_asked", "referrals", ["tenant_id", "asked_at"],
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def downgrade():
    op.drop_index("ix_referrals_tenant_open_asked", table_name="referrals")
    op.drop_index("ix_support_requests_tenant_not_notified", table_name="support_requests")
    op.drop_index("ix_support_requests_tenant_to_serve", table_name="support_requests")
