"""job runs: when each registered job last ran, and the lease that keeps two runners apart

Revision ID: 7b3c9d1e2f40
Revises: 5e1f0a7c3b21
Create Date: 2026-12-01 09:00:00
"""
import sqlalchemy as sa
from alembic import op

from core.models.base import UTCDateTime


revision = '7b3c9d1e2f40'
down_revision = '5e1f0a7c3b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job_runs',
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('last_started_at', UTCDateTime(), nullable=True),
        sa.Column('last_finished_at', UTCDateTime(), nullable=True),
        sa.Column('last_changed', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('running_until', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_job_runs')),
    )


def downgrade():
    op.drop_table('job_runs')
