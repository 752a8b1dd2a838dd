"""psycopg's cursors, describing their results with plain named tuples.

SQLAlchemy asks `cursor.description` after every statement (for the result's columns, which it mostly has
cached already); psycopg makes a `Column` object for each column each time, decoding its name and looking
up its type: ~130 of them on a file's page, for names SQLAlchemy reads from its cache. A named tuple of the
same seven fields the DB-API names (`name`, `type_code`, …) costs a third as much.
"""
from collections import namedtuple

import psycopg
from psycopg.pq import ExecStatus

Column = namedtuple("Column", "name type_code display_size internal_size precision scale null_ok")

_TUPLES = (ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE)


class LeanCursor(psycopg.Cursor):
    @property
    def description(self):
        result = self.pgresult
        if not result or not (result.nfields or result.status in _TUPLES):
            return None
        encoding = self._encoding
        return [Column(name.decode(encoding) if (name := result.fname(i)) else f"column_{i + 1}",
                       result.ftype(i), None, None, None, None, None) for i in range(result.nfields)]


def use_lean_cursors(engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _lean(dbapi_connection, _record):
        dbapi_connection.cursor_factory = LeanCursor
