"""Survey responses keep what they were about ("program:7"), so a programme's report shows its satisfaction

Revision ID: a7c3e5f19b02
Revises: b5d91e3a7c20
Create Date: 2026-12-01 00:20:00

Only a programme's key is kept: a request's would point to the person, and responses stay unlinked from who answered.
"""
import sqlalchemy as sa
from alembic import op

revision = 'a7c3e5f19b02'
down_revision = 'b5d91e3a7c20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_responses') as batch:
        batch.add_column(sa.Column('subject_key', sa.String(80), nullable=True))
    op.create_index('ix_survey_responses_tenant_subject', 'survey_responses', ['tenant_id', 'subject_key'])


def downgrade():
    op.drop_index('ix_survey_responses_tenant_subject', table_name='survey_responses')
    with op.batch_alter_table('survey_responses') as batch:
        batch.drop_column('subject_key')
