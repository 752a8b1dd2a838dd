"""older tables keyed by tenant: primary key (tenant_id, id), foreign keys and unique keys with tenant_id

Revision ID: e8d4c2a6f1b9
Revises: d0c5a1e8b7f2
Create Date: 2026-12-01 03:30:00

The tables from before core/models/keys.py get what the newer ones have, so every tenant table can be
distributed by tenant_id (docs/scaling.md):
- primary key (tenant_id, id) instead of (id) (beneficiary_categories: (tenant_id, beneficiary_id, code));
  ids are kept, and stay unique across tenants (the ORM still knows a row by its id alone);
- the 13 foreign keys between them carry tenant_id: (tenant_id, x_id) → x (tenant_id, id). The four
  that were ON DELETE SET NULL (which would blank tenant_id too) become RESTRICT (a request is never
  erased: referrals, interactions, outbox messages) or NO ACTION (an attachment's checklist item, which
  the application unlinks before removing it);
- attachments.stored_name and request_documents (request_id, code) unique per tenant.

PostgreSQL, in the migration's one transaction: the children's foreign keys are dropped, each table's
(tenant_id, id) unique index becomes its primary key (no new index is built, and the newer tables'
foreign keys that use it stay), then the foreign keys are created again with tenant_id. Each id column
keeps its sequence. Row-level security is untouched.

SQLite: each table is rebuilt (batch mode) with its rows and ids; SQLite numbers only a one-column
integer key by itself, so ids now come from id_sequences, seeded here past each table's largest id.

The audit log keeps its key: platform events have no tenant (tenant_id NULL), which a primary key
cannot hold; it stays on the coordinator under Citus (docs/scaling.md).
"""
import sqlalchemy as sa
from alembic import op

revision = 'e8d4c2a6f1b9'
down_revision = 'd0c5a1e8b7f2'
branch_labels = None
depends_on = None

#: Tables keyed (id) today with a (tenant_id, id) unique index beside it, parents first.
KEYED = (
    'beneficiaries', 'support_requests', 'household_members', 'income_sources', 'request_documents',
    'attachments', 'referrals', 'interactions', 'outbox_messages',
)
#: (table, column, referred table, ON DELETE before, ON DELETE after)
LINKS = (
    ('support_requests', 'beneficiary_id', 'beneficiaries', 'RESTRICT', 'RESTRICT'),
    ('beneficiary_categories', 'beneficiary_id', 'beneficiaries', 'CASCADE', 'CASCADE'),
    ('household_members', 'beneficiary_id', 'beneficiaries', 'CASCADE', 'CASCADE'),
    ('income_sources', 'beneficiary_id', 'beneficiaries', 'CASCADE', 'CASCADE'),
    ('request_documents', 'request_id', 'support_requests', 'CASCADE', 'CASCADE'),
    ('attachments', 'request_id', 'support_requests', 'CASCADE', 'CASCADE'),
    ('attachments', 'document_id', 'request_documents', 'SET NULL', 'NO ACTION'),
    ('referrals', 'beneficiary_id', 'beneficiaries', 'CASCADE', 'CASCADE'),
    ('referrals', 'request_id', 'support_requests', 'SET NULL', 'RESTRICT'),
    ('interactions', 'beneficiary_id', 'beneficiaries', 'CASCADE', 'CASCADE'),
    ('interactions', 'request_id', 'support_requests', 'SET NULL', 'RESTRICT'),
    ('outbox_messages', 'beneficiary_id', 'beneficiaries', 'CASCADE', 'CASCADE'),
    ('outbox_messages', 'request_id', 'support_requests', 'SET NULL', 'RESTRICT'),
)
#: table → (columns unique before, columns unique after)
UNIQUES = {
    'request_documents': (['request_id', 'code'], ['tenant_id', 'request_id', 'code']),
    'attachments': (['stored_name'], ['tenant_id', 'stored_name']),
}
CATEGORY_KEY = (['beneficiary_id', 'code'], ['tenant_id', 'beneficiary_id', 'code'])


def _old_fk(table, column, referred):
    return f'fk_{table}_{column}_{referred}'


def _new_fk(table, referred):
    return f'fk_{table}_tenant_id_{referred}'


def _uq(table, columns):
    return f'uq_{table}_{"_".join(columns)}'


def _tables():
    return (*KEYED, 'beneficiary_categories')


def _is_postgres():
    return op.get_bind().dialect.name == 'postgresql'


def _links_across_tenants():
    """Rows linked to another tenant's row, which the new keys would refuse: listed before anything changes
    (SQLite rebuilds tables one by one outside a transaction that could undo them)."""
    connection, found = op.get_bind(), {}
    for table, column, referred, _before, _after in LINKS:
        count = connection.execute(sa.text(
            f"SELECT count(*) FROM {table} c JOIN {referred} p ON p.id = c.{column} "
            "WHERE p.tenant_id <> c.tenant_id")).scalar()
        if count:
            found[f'{table}.{column}'] = count
    return found


def upgrade():
    crossing = _links_across_tenants()
    if crossing:
        raise RuntimeError(f'rows linked to another association\'s row (fix them first): {crossing}')
    if _is_postgres():
        _upgrade_postgres()
    else:
        _upgrade_sqlite()


def downgrade():
    if _is_postgres():
        _downgrade_postgres()
    else:
        _downgrade_sqlite()


# --- PostgreSQL ----------------------------------------------------------------------------------------

def _upgrade_postgres():
    for table, column, referred, _before, _after in LINKS:
        op.drop_constraint(_old_fk(table, column, referred), table, type_='foreignkey')
    for table in KEYED:
        op.drop_constraint(f'pk_{table}', table, type_='primary')
        op.execute(f'ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY USING INDEX ux_{table}_tenant_id_id')
    op.drop_constraint('pk_beneficiary_categories', 'beneficiary_categories', type_='primary')
    op.create_primary_key('pk_beneficiary_categories', 'beneficiary_categories', CATEGORY_KEY[1])
    for table, (before, after) in UNIQUES.items():
        op.drop_constraint(_uq(table, before), table, type_='unique')
        op.create_unique_constraint(_uq(table, after), table, after)
    for table, column, referred, _before, after in LINKS:
        op.create_foreign_key(_new_fk(table, referred), table, referred, ['tenant_id', column], ['tenant_id', 'id'],
                              ondelete=after)


def _referencing(table):
    """The foreign keys of other tables that point at `table` (name, owner, definition)."""
    return op.get_bind().execute(sa.text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND confrelid = CAST(:t AS regclass)"), {'t': table}).all()


def _downgrade_postgres():
    for table, _column, referred, _before, _after in LINKS:
        op.drop_constraint(_new_fk(table, referred), table, type_='foreignkey')
    for table, (before, after) in UNIQUES.items():
        op.drop_constraint(_uq(table, after), table, type_='unique')
        op.create_unique_constraint(_uq(table, before), table, before)
    op.drop_constraint('pk_beneficiary_categories', 'beneficiary_categories', type_='primary')
    op.create_primary_key('pk_beneficiary_categories', 'beneficiary_categories', CATEGORY_KEY[0])
    for table in reversed(KEYED):
        # The newer tables' (tenant_id, x_id) foreign keys use the primary key's index: set them aside
        # while the key moves back to (id) and the (tenant_id, id) unique index returns.
        referencing = _referencing(table)
        for owner, name, _definition in referencing:
            op.drop_constraint(name, owner, type_='foreignkey')
        op.drop_constraint(f'pk_{table}', table, type_='primary')
        op.create_primary_key(f'pk_{table}', table, ['id'])
        op.create_index(f'ux_{table}_tenant_id_id', table, ['tenant_id', 'id'], unique=True)
        for owner, name, definition in referencing:
            op.execute(f'ALTER TABLE {owner} ADD CONSTRAINT {name} {definition}')
    for table, column, referred, before, _after in LINKS:
        op.create_foreign_key(_old_fk(table, column, referred), table, referred, [column], ['id'], ondelete=before)


# --- SQLite --------------------------------------------------------------------------------------------

def _links_of(table):
    return [link for link in LINKS if link[0] == table]


def _rebuild_sqlite(table, keyed):
    """Rebuild one table with the keys and links after the migration (keyed) or before it."""
    old, new = (0, 1) if keyed else (1, 0)
    with op.batch_alter_table(table, recreate='always') as batch_op:
        for _table, column, referred, *ondelete in _links_of(table):
            names = (_old_fk(table, column, referred), _new_fk(table, referred))
            batch_op.drop_constraint(names[old], type_='foreignkey')
        if table in UNIQUES:
            batch_op.drop_constraint(_uq(table, UNIQUES[table][old]), type_='unique')
            batch_op.create_unique_constraint(_uq(table, UNIQUES[table][new]), UNIQUES[table][new])
        batch_op.drop_constraint(f'pk_{table}', type_='primary')
        if table == 'beneficiary_categories':
            batch_op.create_primary_key(f'pk_{table}', CATEGORY_KEY[new])
        elif keyed:
            batch_op.drop_index(f'ux_{table}_tenant_id_id')
            batch_op.create_primary_key(f'pk_{table}', ['tenant_id', 'id'])
        else:
            batch_op.create_primary_key(f'pk_{table}', ['id'])
            batch_op.create_index(f'ux_{table}_tenant_id_id', ['tenant_id', 'id'], unique=True)
        for _table, column, referred, *ondelete in _links_of(table):
            if keyed:
                batch_op.create_foreign_key(_new_fk(table, referred), referred, ['tenant_id', column],
                                            ['tenant_id', 'id'], ondelete=ondelete[new])
            else:
                batch_op.create_foreign_key(_old_fk(table, column, referred), referred, [column], ['id'],
                                            ondelete=ondelete[new])


def _upgrade_sqlite():
    for table in _tables():
        _rebuild_sqlite(table, keyed=True)
    connection = op.get_bind()
    for table in KEYED:
        # The next id of each table comes from id_sequences now: past every id it holds.
        connection.execute(sa.text(
            f"INSERT INTO id_sequences (name, value) SELECT :name, COALESCE(MAX(id), 0) FROM {table} WHERE true "
            "ON CONFLICT (name) DO UPDATE SET value = MAX(id_sequences.value, excluded.value)"), {'name': table})
    _check_sqlite_links()


def _downgrade_sqlite():
    for table in reversed(_tables()):
        _rebuild_sqlite(table, keyed=False)
    # SQLite numbers these tables by itself again (INTEGER PRIMARY KEY).
    op.get_bind().execute(sa.text("DELETE FROM id_sequences WHERE name IN :names").bindparams(
        sa.bindparam('names', expanding=True)), {'names': list(KEYED)})
    _check_sqlite_links()


def _check_sqlite_links():
    """SQLite checked nothing while the tables were rebuilt (foreign keys off): check every link now, so
    a row pointing at another tenant's row stops the migration as it would on PostgreSQL."""
    broken = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').all()
    if broken:
        raise RuntimeError(f'rows whose links do not hold (table, rowid, parent, key): {broken[:20]}')
