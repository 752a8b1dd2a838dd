"""Staff notifications and the daily-digest choice (issue 8)

Revision ID: c8e2f4a6b913
Revises: a7c3e5f19b02
Create Date: 2026-12-01 00:20:00

"""
import sqlalchemy as sa
from alembic import op

import core.models.base  # noqa: F401 (UTCDateTime)
from core import rls

revision = 'c8e2f4a6b913'
down_revision = 'a7c3e5f19b02'
branch_labels = None
depends_on = None

TABLES = ('notifications', 'notification_preferences')
ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('notifications',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('beneficiary_id', sa.Integer(), nullable=True),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('reference', sa.String(length=20), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('dedup_key', sa.String(length=60), nullable=True),
    sa.Column('created_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', ID, sa.Identity(always=False), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_notifications_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'request_id'], ['support_requests.tenant_id', 'support_requests.id'], name=op.f('fk_notifications_tenant_id_support_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'beneficiary_id'], ['beneficiaries.tenant_id', 'beneficiaries.id'], name=op.f('fk_notifications_tenant_id_beneficiaries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'referral_id'], ['referrals.tenant_id', 'referrals.id'], name=op.f('fk_notifications_tenant_id_referrals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('tenant_id', 'user_id', 'dedup_key', name=op.f('uq_notifications_tenant_id_user_id_dedup_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_tenant_user_id', ['tenant_id', 'user_id', 'id'], unique=False)
        batch_op.create_index('ix_notifications_tenant_user_unread', ['tenant_id', 'user_id', 'read_at'], unique=False)

    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('daily_digest', sa.Boolean(), nullable=False),
    sa.Column('last_digest_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', ID, sa.Identity(always=False), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_notification_preferences_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_notification_preferences')),
    sa.UniqueConstraint('tenant_id', 'user_id', name=op.f('uq_notification_preferences_tenant_id_user_id'))
    )
    for table in TABLES:
        rls.enable_tenant_rls(table)


def downgrade():
    for table in TABLES:
        rls.disable_tenant_rls(table)
    op.drop_table('notification_preferences')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_tenant_user_unread')
        batch_op.drop_index('ix_notifications_tenant_user_id')
    op.drop_table('notifications')
