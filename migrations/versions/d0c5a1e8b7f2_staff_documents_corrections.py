"""staff documents and corrections: attachments removed softly (who, when), household and income rows versioned

Revision ID: d0c5a1e8b7f2
Revises: c7a4e2f91b30
Create Date: 2026-12-01 00:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'd0c5a1e8b7f2'
down_revision = 'c7a4e2f91b30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deleted_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_attachments_deleted_by_id_users'), 'users', ['deleted_by_id'],
                                    ['id'], ondelete='SET NULL')
    for table in ('household_members', 'income_sources'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    for table in ('income_sources', 'household_members'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attachments_deleted_by_id_users'), type_='foreignkey')
        batch_op.drop_column('deleted_by_id')
        batch_op.drop_column('deleted_at')
