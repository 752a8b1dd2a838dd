"""membership version: a roles form read before a change of the member's roles is refused (409)

Revision ID: a7c2e9d4b105
Revises: f3b8a2d61c47
Create Date: 2026-11-30 20:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a7c2e9d4b105'
down_revision = 'f3b8a2d61c47'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenant_roles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('tenant_roles', schema=None) as batch_op:
        batch_op.drop_column('version')
