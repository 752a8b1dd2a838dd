"""Beneficiary.name_search holds core.arabic.name_key(name): punctuation as spaces, «عبد ال…» joined, so
name search finds «عبد الله» for «عبدالله» and "zahrani" for "Al-Zahrani". Existing rows are recomputed.

Revision ID: a7d3c9e5b1f2
Revises: c8e2f4a6b913
Create Date: 2026-12-01 00:10:00

"""
import sqlalchemy as sa
from alembic import op

from core.arabic import name_key

revision = 'a7d3c9e5b1f2'
down_revision = 'c8e2f4a6b913'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    bind = op.get_bind()
    table = sa.table("beneficiaries", sa.column("id", sa.Integer), sa.column("name", sa.String),
                     sa.column("name_search", sa.String))
    after = 0
    while True:
        rows = bind.execute(sa.select(table.c.id, table.c.name, table.c.name_search).where(table.c.id > after)
                            .order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            break
        changed = [{"row_id": i, "key": name_key(name)} for i, name, old in rows if name_key(name) != old]
        if changed:
            bind.execute(table.update().where(table.c.id == sa.bindparam("row_id"))
                         .values(name_search=sa.bindparam("key")), changed)
        after = rows[-1].id


def downgrade():
    pass  # the new key is a finer form of the old one; nothing to undo
