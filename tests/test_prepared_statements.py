"""PostgreSQL plans a statement once per connection, not on every request: a transaction that only read ends
with COMMIT, so psycopg keeps the statements it prepared (a ROLLBACK makes it deallocate them all), while a
transaction that wrote anything is still rolled back, whole."""
import pytest
import sqlalchemy as sa

from core.extensions import db
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="psycopg's prepared statements: PostgreSQL only")

PREPARED = sa.text("SELECT count(*) FROM pg_prepared_statements")


def _read_a_page(conn: sa.Connection) -> None:
    conn.execute(sa.text("SELECT rolname FROM pg_roles WHERE rolname = :role"), {"role": "wasl_app"}).all()


def test_statements_stay_prepared_across_read_only_transactions(app):
    with app.app_context(), db.engine.connect() as conn:
        for _ in range(8):  # psycopg prepares a statement at its fifth run on the connection
            _read_a_page(conn)
            conn.rollback()  # how every request ends: the session's close, the pool's reset
        assert conn.execute(PREPARED).scalar() >= 1


def test_a_transaction_that_wrote_is_rolled_back_whole(app, tenant_a):
    from core import audit
    from core.models import AuditEntry
    from core.tenancy import tenant_scope

    def entries() -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))

    with app.app_context(), tenant_scope(tenant_a):
        before = entries()
        for _ in range(6):
            entries()
            db.session.rollback()
        entries()  # a read first: what decides is that the transaction wrote, not how it began
        audit.record("tenant.settings_changed", object_type="Tenant")
        db.session.flush()
        db.session.rollback()
        assert entries() == before
        db.session.rollback()


def test_a_transaction_in_error_is_rolled_back(app):
    with app.app_context(), db.engine.connect() as conn:
        with pytest.raises(sa.exc.DBAPIError):
            conn.execute(sa.text("SELECT 1 / 0"))
        conn.rollback()
        assert conn.execute(sa.text("SELECT 2")).scalar() == 2
        conn.rollback()



def test_a_page_size_is_written_into_the_statement(app):
    """A plan kept for all runs knows how many rows are wanted: LIMIT is in the text, not a parameter."""
    from core.models import Tenant

    with app.app_context(), db.engine.connect() as conn:  # one connection: each prepares its own
        for _ in range(6):
            conn.execute(sa.select(Tenant.id).order_by(Tenant.id).limit(7)).all()
            conn.rollback()
        texts = conn.execute(sa.text("SELECT statement FROM pg_prepared_statements")).scalars().all()
        conn.rollback()
    assert any("LIMIT 7" in text for text in texts), texts


def test_the_work_queues_keep_one_plan_and_the_lists_are_planned_each_run(app, tenant_a):
    from core.tenancy import tenant_scope
    from core.workflow import queries

    mode = sa.text("SELECT current_setting('plan_cache_mode')")
    with app.app_context(), tenant_scope(tenant_a):
        assert db.session.scalar(mode) == "auto"  # PostgreSQL's own choice for everything else
        queries.queues(["new", "decision", "referrals"])
        assert db.session.scalar(mode) == "force_generic_plan"
        db.session.rollback()
        queries.list_requests()
        assert db.session.scalar(mode) == "force_custom_plan"
        db.session.rollback()
        queries.list_beneficiaries(brief=True)
        assert db.session.scalar(mode) == "force_custom_plan"
        db.session.rollback()
        queries.search("محمد")
        assert db.session.scalar(mode) == "force_custom_plan"
        db.session.rollback()
        assert db.session.scalar(mode) == "auto"
        db.session.rollback()


def test_a_results_description_is_the_db_apis_seven_fields(app):
    """core/lean_cursor.py: plain named tuples instead of psycopg's Column objects, the same fields."""
    with app.app_context(), db.engine.connect() as conn:
        result = conn.exec_driver_sql("SELECT 1 AS one, 'x'::text AS two")
        description = result.cursor.description
        assert [(c.name, c[0]) for c in description] == [("one", "one"), ("two", "two")]
        assert all(len(c) == 7 for c in description) and description[0].type_code == 23  # int4
        assert result.all() == [(1, "x")] and list(result.keys()) == ["one", "two"]
