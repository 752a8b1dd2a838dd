"""policy clauses: a version keeps the clauses it uses; an approval keeps the hash of the text it approved

Revision ID: 7b3e9c1d4f20
Revises: a410f0fe718e
Create Date: 2026-11-30 19:00:00

Versions made before this have no clause record (NULL); records made before this have no text hash
(NULL): they approve the version they were recorded for, as before.
"""
import sqlalchemy as sa
from alembic import op


revision = '7b3e9c1d4f20'
down_revision = 'a410f0fe718e'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('policy_versions', sa.Column('clauses', sa.JSON(), nullable=True))
    op.add_column('board_approvals', sa.Column('text_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('board_approvals', schema=None) as batch_op:
        batch_op.drop_column('text_hash')
    with op.batch_alter_table('policy_versions', schema=None) as batch_op:
        batch_op.drop_column('clauses')
