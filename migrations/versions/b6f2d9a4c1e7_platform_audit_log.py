"""platform audit log: platform events leave audit_log, which is keyed (tenant_id, id) like every tenant table

Revision ID: b6f2d9a4c1e7
Revises: e8d4c2a6f1b9
Create Date: 2026-12-01 07:20:00

audit_log held platform events too (logins, operators' views, key rotations: tenant_id NULL), so it could
not key on tenant_id nor be distributed by it (docs/scaling.md). Now:
- platform_audit_log (no tenant column, no row-level security) takes the rows without a tenant, with
  their ids and times; its own sequence goes on past them. On PostgreSQL the app role may only INSERT
  there and the operator role INSERT and SELECT (core.rls.platform_log);
- audit_log keeps the rest: tenant_id NOT NULL, primary key (tenant_id, id) (the admin list's keyset order
  within a tenant is that key's index; the index on tenant_id alone goes), its policies re-created for a
  tenant column that cannot be NULL. Ids keep coming from audit_log_id_seq on PostgreSQL, and from
  id_sequences on SQLite (seeded here past the largest id), as for the older tables (e8d4c2a6f1b9).

PostgreSQL, in one transaction: row-level security on audit_log is switched off while the rows move (a
schema owner that is not a superuser would otherwise see none of them under FORCE) and on again at the
end. The new primary key builds an index over the whole table (locked meanwhile).

Downgrade moves platform rows back with tenant_id NULL; one whose id an association's entry took since
(the two sequences run apart) gets a new id past both tables' ids.
"""
import sqlalchemy as sa
from alembic import op

import core.models.base
from core import rls

revision = 'b6f2d9a4c1e7'
down_revision = 'e8d4c2a6f1b9'
branch_labels = None
depends_on = None

#: The columns both logs have (audit_log has tenant_id besides).
COLUMNS = 'id, actor_id, action, object_type, object_id, before, after, ip, created_at'


def _is_postgres():
    return op.get_bind().dialect.name == 'postgresql'


def upgrade():
    postgres = _is_postgres()
    rls.disable_tenant_rls('audit_log')
    op.create_table(
        'platform_audit_log',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=80), nullable=False),
        sa.Column('object_type', sa.String(length=80), nullable=True),
        sa.Column('object_id', sa.String(length=80), nullable=True),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.Column('ip', sa.String(length=64), nullable=True),
        sa.Column('created_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_platform_audit_log_actor_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_audit_log')),
    )
    op.create_index(op.f('ix_platform_audit_log_actor_id'), 'platform_audit_log', ['actor_id'], unique=False)
    op.create_index(op.f('ix_platform_audit_log_created_at'), 'platform_audit_log', ['created_at'], unique=False)

    connection = op.get_bind()
    connection.execute(sa.text(f'INSERT INTO platform_audit_log ({COLUMNS}) '
                               f'SELECT {COLUMNS} FROM audit_log WHERE tenant_id IS NULL ORDER BY id'))
    if postgres:
        connection.execute(sa.text(
            "SELECT setval(pg_get_serial_sequence('platform_audit_log', 'id'), "
            "COALESCE((SELECT max(id) FROM platform_audit_log), 0) + 1, false)"))
    else:
        # audit_log's next id comes from id_sequences now: past every id it held, platform events included.
        connection.execute(sa.text(
            "INSERT INTO id_sequences (name, value) SELECT 'audit_log', COALESCE(MAX(id), 0) FROM audit_log WHERE true "
            "ON CONFLICT (name) DO UPDATE SET value = MAX(id_sequences.value, excluded.value)"))
    connection.execute(sa.text('DELETE FROM audit_log WHERE tenant_id IS NULL'))

    if postgres:
        op.drop_index('ix_audit_log_tenant_id', table_name='audit_log')
        op.alter_column('audit_log', 'tenant_id', existing_type=sa.Integer(), nullable=False)
        op.drop_constraint('pk_audit_log', 'audit_log', type_='primary')
        op.create_primary_key('pk_audit_log', 'audit_log', ['tenant_id', 'id'])
    else:
        with op.batch_alter_table('audit_log', recreate='always') as batch_op:
            batch_op.drop_index('ix_audit_log_tenant_id')
            batch_op.alter_column('tenant_id', existing_type=sa.Integer(), nullable=False)
            batch_op.drop_constraint('pk_audit_log', type_='primary')
            batch_op.create_primary_key('pk_audit_log', ['tenant_id', 'id'])

    rls.platform_log('platform_audit_log')
    rls.enable_tenant_rls('audit_log')


def downgrade():
    postgres = _is_postgres()
    rls.disable_tenant_rls('audit_log')
    if postgres:
        op.drop_constraint('pk_audit_log', 'audit_log', type_='primary')
        op.create_primary_key('pk_audit_log', 'audit_log', ['id'])
        op.alter_column('audit_log', 'tenant_id', existing_type=sa.Integer(), nullable=True)
        op.create_index('ix_audit_log_tenant_id', 'audit_log', ['tenant_id'], unique=False)
    else:
        with op.batch_alter_table('audit_log', recreate='always') as batch_op:
            batch_op.drop_constraint('pk_audit_log', type_='primary')
            batch_op.create_primary_key('pk_audit_log', ['id'])
            batch_op.alter_column('tenant_id', existing_type=sa.Integer(), nullable=True)
            batch_op.create_index('ix_audit_log_tenant_id', ['tenant_id'], unique=False)

    connection = op.get_bind()
    top = max(connection.execute(sa.text(f'SELECT COALESCE(MAX(id), 0) FROM {table}')).scalar()
              for table in ('audit_log', 'platform_audit_log'))
    taken = 'EXISTS (SELECT 1 FROM audit_log a WHERE a.id = p.id)'
    moved = COLUMNS.replace('id, ', '', 1)
    # Rows whose id an association's entry has taken since: numbered past both tables' ids (first, so the
    # test below still tells them apart); the others keep theirs.
    connection.execute(sa.text(f'INSERT INTO audit_log ({COLUMNS}) SELECT :top + ROW_NUMBER() OVER (ORDER BY p.id), '
                               f'{moved} FROM platform_audit_log p WHERE {taken}'), {'top': top})
    connection.execute(sa.text(f'INSERT INTO audit_log ({COLUMNS}) SELECT {COLUMNS} FROM platform_audit_log p '
                               f'WHERE NOT {taken} ORDER BY id'))
    if postgres:
        connection.execute(sa.text(
            "SELECT setval('audit_log_id_seq', GREATEST((SELECT last_value FROM audit_log_id_seq), "
            "(SELECT COALESCE(MAX(id), 0) FROM audit_log)))"))
    else:
        # SQLite numbers audit_log by itself again (INTEGER PRIMARY KEY).
        connection.execute(sa.text("DELETE FROM id_sequences WHERE name = 'audit_log'"))

    op.drop_index(op.f('ix_platform_audit_log_created_at'), table_name='platform_audit_log')
    op.drop_index(op.f('ix_platform_audit_log_actor_id'), table_name='platform_audit_log')
    op.drop_table('platform_audit_log')
    rls.enable_tenant_rls('audit_log', platform_rows=True)
