"""invitations; outbox messages to people who are not beneficiaries

Revision ID: d13b2d9d6e60
Revises: 51acdd772d72
Create Date: 2026-11-30 17:24:15.999542

"""
import sqlalchemy as sa
from alembic import op

import core.models.base  # noqa: F401 (UTCDateTime)
from core import rls


# revision identifiers, used by Alembic.
revision = 'd13b2d9d6e60'
down_revision = '51acdd772d72'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invitations',
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_invitations_accepted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_invitations_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('tenant_id', 'token_hash', name=op.f('uq_invitations_tenant_id_token_hash')),
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index('ix_invitations_tenant_email', ['tenant_id', 'email'], unique=False)
        batch_op.create_index('ix_invitations_tenant_pending', ['tenant_id', 'accepted_at', 'revoked_at', 'id'], unique=False)
    rls.enable_tenant_rls('invitations')

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sensitive', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('sensitive')

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index('ix_invitations_tenant_pending')
        batch_op.drop_index('ix_invitations_tenant_email')

    rls.disable_tenant_rls('invitations')
    op.drop_table('invitations')
