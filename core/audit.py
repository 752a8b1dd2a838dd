"""Writing to the append-only audit logs."""
import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user

from core.extensions import db
from core.models import AuditEntry, PlatformAuditEntry
from core.models.keys import allocate_ids
from core.tenancy import current_scope

_CURRENT = object()


def record(action: str, obj=None, *, object_type=None, object_id=None, before=None, after=None,
           tenant_id=_CURRENT, actor=None) -> AuditEntry | PlatformAuditEntry:
    """Add an audit entry to the current transaction; it commits or rolls back with the change.

    The entry belongs to the tenant in scope unless `tenant_id` is given. With no tenant (`tenant_id=None`,
    or none in scope) it is a platform event (a login, an operator's action) in the platform log, which
    only operators can read back.
    """
    tenant_id, values = _values(action, obj, object_type, object_id, before, after, tenant_id, actor)
    entry = PlatformAuditEntry(**values) if tenant_id is None else AuditEntry(tenant_id=tenant_id, **values)
    db.session.add(entry)
    return entry


def record_read(action: str, obj=None, *, object_type=None, after=None) -> None:
    """An association's entry for something read (a file or a request viewed, a search made), written at
    once by one INSERT rather than through the session's unit of work: pages that are read write one on
    every request, and flushing it as an object cost ~12% of a file's page. It commits or rolls back with
    the transaction, as `record`'s entries do; none is returned."""
    tenant_id, values = _values(action, obj, object_type, None, None, after, _CURRENT, None)
    if tenant_id is None:
        record(action, obj, object_type=object_type, after=after)
        return
    connection = db.session.connection()
    ids = allocate_ids(connection, AuditEntry.__tablename__, 1)  # SQLite numbers them; PostgreSQL's sequence
    if ids is not None:
        values["id"] = ids[0]
    connection.execute(_INSERT_ENTRY, {"tenant_id": tenant_id, **values})


_INSERT_ENTRY = sa.insert(AuditEntry.__table__)


def _values(action, obj, object_type, object_id, before, after, tenant_id, actor) -> tuple[int | None, dict]:
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    if tenant_id is _CURRENT:
        tenant_id = current_scope().tenant_id
    return tenant_id, dict(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=before,
        after=after,
        ip=request.remote_addr if has_request_context() else None,
    )
