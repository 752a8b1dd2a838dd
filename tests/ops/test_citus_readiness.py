"""Citus readiness (docs/scaling.md): a table distributed on tenant_id needs tenant_id in its primary key and
in every unique key, and a foreign key between two distributed tables must include tenant_id (so both
rows sit on the same shard). Checked on the models' metadata, and on PostgreSQL also in the catalog.

The older tables (from before core/models/keys.py) were converted by migration e8d4c2a6f1b9, the audit log by
b6f2d9a4c1e7 (its platform events moved to platform_audit_log, which has no tenant and stays on the
coordinator): every table with a tenant_id is distributed.
"""
import pytest
import sqlalchemy as sa

from core.extensions import db
from tests.conftest import ON_POSTGRES

#: Platform tables that everyone shares: Citus reference tables (copied to every node).
REFERENCE_TABLES = {"tenants", "users", "auth_sessions", "job_runs", "id_sequences", "registry_entries"}

#: Tables with a tenant_id that would stay on the Citus coordinator instead of being distributed: none
#: (platform events, which have no tenant, have their own table without a tenant_id: docs/scaling.md).
COORDINATOR_TABLES: set[str] = set()


def _problems(tables: dict[str, dict]) -> dict[str, set[str]]:
    """tables: name → {"pk": [cols], "unique": [[cols]…], "fks": [([cols], referred table)…]}."""
    found: dict[str, set[str]] = {}
    tenant_tables = {name for name, t in tables.items() if t["tenant"]}
    for name in sorted(tenant_tables):
        table, problems = tables[name], set()
        if "tenant_id" not in table["pk"]:
            problems.add("pk")
        for columns in table["unique"]:
            if "tenant_id" not in columns:
                problems.add("unique " + ",".join(columns))
        for columns, referred in table["fks"]:
            if referred in tenant_tables and "tenant_id" not in columns:
                problems.add("fk " + ",".join(columns))
        if problems:
            found[name] = problems
    return found


def _from_metadata() -> dict[str, dict]:
    tables = {}
    for t in db.metadata.sorted_tables:
        unique = [[c.name for c in con.columns] for con in t.constraints if isinstance(con, sa.UniqueConstraint)]
        unique += [[c.name for c in ix.columns] for ix in t.indexes if ix.unique]
        unique += [[c.name] for c in t.columns if c.unique]
        tables[t.name] = {
            "tenant": "tenant_id" in t.c and t.name not in REFERENCE_TABLES | COORDINATOR_TABLES,
            "pk": [c.name for c in t.primary_key.columns],
            "unique": [list(u) for u in {tuple(u) for u in unique}],
            "fks": [([c.name for c in fk.columns], fk.referred_table.name) for fk in t.foreign_key_constraints],
        }
    return tables


def _from_catalog(app) -> dict[str, dict]:
    from core.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(app.config["DATABASE_ADMIN_URL"]), poolclass=sa.pool.NullPool)
    tables = {}
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        for name in inspector.get_table_names():
            if name == "alembic_version":
                continue
            columns = {c["name"] for c in inspector.get_columns(name)}
            unique = [u["column_names"] for u in inspector.get_unique_constraints(name)]
            unique += [i["column_names"] for i in inspector.get_indexes(name) if i["unique"]]
            tables[name] = {
                "tenant": "tenant_id" in columns and name not in REFERENCE_TABLES | COORDINATOR_TABLES,
                "pk": inspector.get_pk_constraint(name)["constrained_columns"],
                "unique": unique,
                "fks": [(fk["constrained_columns"], fk["referred_table"]) for fk in inspector.get_foreign_keys(name)],
            }
    engine.dispose()
    return tables


def _report(found: dict[str, set[str]]) -> None:
    assert not found, f"tenant tables that Citus could not distribute on tenant_id (see core/models/keys.py): {found}"


def test_every_tenant_table_keys_and_links_by_tenant_in_the_models(app):
    _report(_problems(_from_metadata()))


@pytest.mark.skipif(not ON_POSTGRES, reason="the catalog check needs PostgreSQL (DATABASE_URL is SQLite)")
def test_every_tenant_table_keys_and_links_by_tenant_in_the_database(app):
    _report(_problems(_from_catalog(app)))
