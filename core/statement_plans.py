"""PostgreSQL parses and plans a statement once per connection, not once per request.

psycopg prepares a statement on the server once a connection has run it a few times (`prepare_threshold`);
a prepared statement is not parsed or rewritten (row-level security's policy added) again. Three things
stood in the way, and are settled here for the app's engines (not behind PgBouncer in transaction mode,
where nothing is prepared: `DATABASE_TRANSACTION_POOLING`):

- **Every request ended with a ROLLBACK** (the session's close, the pool's reset), and at a ROLLBACK psycopg
  forgets every statement it prepared and sends `DEALLOCATE ALL`. A transaction that only read is now ended
  with COMMIT, which leaves the database as a ROLLBACK would; one that wrote anything, or failed, is still
  rolled back (`keep_prepared_statements`).
- **A plan kept for every run is made without the parameters' values** (PostgreSQL's "generic plan", which
  it picks by itself after five runs when it looks no dearer). For most statements that is the win: a file's
  page, found by its keys, cost PostgreSQL half as much. For a list of a tenant's rows it is a gamble: with
  associations of 100 and of 100,000 files one estimate fits neither, and a generic plan sorted all of a big
  association's requests for a page of 50. Such statements ask to be planned on each run for their own
  values (`PLAN_EACH_RUN`: the keyset lists, the name search), still without being parsed again. A
  statement built so that its one plan suits every tenant may insist on it (`ONE_PLAN`: the work queues,
  whose planning was half their cost).
- **LIMIT and OFFSET were parameters**: they are written into the text, so a plan knows how many rows
  are wanted (`_write_limits_in`).
"""
import re
import weakref

from sqlalchemy import event

#: Execution options (a statement's `.execution_options(**…)`): see above.
ONE_PLAN = {"wasl_plan": "force_generic_plan"}
PLAN_EACH_RUN = {"wasl_plan": "force_custom_plan"}
_PLAN_MODES = frozenset({"force_generic_plan", "force_custom_plan"})


def plan_once_per_connection(engine) -> None:
    keep_prepared_statements(engine)
    _write_limits_in(engine.dialect)

    @event.listens_for(engine, "before_cursor_execute")
    def _plan_as_asked(conn, cursor, statement, parameters, context, executemany):
        mode = context.execution_options.get("wasl_plan") if context is not None else None
        if mode in _PLAN_MODES:  # only the two above are ever written into the statement
            # For the rest of the transaction: such a statement is a page's main one, run last or alone.
            execute_directly(conn, f"SET LOCAL plan_cache_mode = {mode}")


def execute_directly(connection, statement: str, parameters: dict | None = None) -> None:
    """Run a statement on psycopg itself, without SQLAlchemy's statement machinery (for one whose result
    nobody reads), but fail as SQLAlchemy would: a connection found dead is thrown away by the pool and the
    error is SQLAlchemy's (the app answers 503 and serves again when the database is back)."""
    import psycopg

    try:
        connection.connection.dbapi_connection.execute(statement, parameters)
    except psycopg.Error as error:
        connection._handle_dbapi_exception(error, statement, parameters, None, None)


def keep_prepared_statements(engine) -> None:
    """End each transaction that wrote nothing with COMMIT instead of ROLLBACK: the engine's dialect rolls
    back only a transaction that ran anything but a query (`_reads_only`) or is in error."""
    from psycopg import pq

    wrote: weakref.WeakSet = weakref.WeakSet()

    @event.listens_for(engine, "before_cursor_execute")
    def _note_writes(conn, cursor, statement, parameters, context, executemany):
        if not _reads_only(statement):
            wrote.add(conn.connection.dbapi_connection)

    dialect = engine.dialect
    rollback, commit = dialect.do_rollback, dialect.do_commit

    def do_rollback(connection) -> None:
        dbapi_connection = getattr(connection, "dbapi_connection", connection)
        if (dbapi_connection not in wrote
                and dbapi_connection.info.transaction_status == pq.TransactionStatus.INTRANS):
            commit(connection)
        else:
            wrote.discard(dbapi_connection)
            rollback(connection)

    def do_commit(connection) -> None:
        wrote.discard(getattr(connection, "dbapi_connection", connection))
        commit(connection)

    dialect.do_rollback, dialect.do_commit = do_rollback, do_commit


_WRITING_WORD = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


def _reads_only(statement: str) -> bool:
    """A SELECT, or a WITH query none of whose parts writes. When in doubt (a WITH whose text names a
    writing word anywhere, `FOR UPDATE` included), it counts as a write: the cost of a wrong "writes" is
    only a rollback, as before."""
    head = (statement[:6] if statement[:1].isalpha() else statement.lstrip()[:6]).upper()
    if head == "SELECT":
        return True
    return head[:4] == "WITH" and not _WRITING_WORD.search(statement)


def _write_limits_in(dialect) -> None:
    """LIMIT and OFFSET written into the statement's text: a page's size is one of a few numbers, so the
    texts stay few, and every plan knows how many rows are wanted."""
    base = dialect.statement_compiler

    class LimitsWrittenIn(base):
        def limit_clause(self, select, **kw):
            return super().limit_clause(select, **{**kw, "literal_execute": True})

    dialect.statement_compiler = LimitsWrittenIn
