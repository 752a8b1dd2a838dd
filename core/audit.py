"""Writing to the append-only audit logs."""
from flask import has_request_context, request
from flask_login import current_user

from core.extensions import db
from core.models import AuditEntry, PlatformAuditEntry
from core.tenancy import current_scope

_CURRENT = object()


def record(action: str, obj=None, *, object_type=None, object_id=None, before=None, after=None,
           tenant_id=_CURRENT, actor=None) -> AuditEntry | PlatformAuditEntry:
    """Add an audit entry to the current transaction; it commits or rolls back with the change.

    The entry belongs to the tenant in scope unless `tenant_id` is given. With no tenant (`tenant_id=None`,
    or none in scope) it is a platform event (a login, an operator's action) in the platform log, which
    only operators can read back.
    """
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    if tenant_id is _CURRENT:
        tenant_id = current_scope().tenant_id
    values = dict(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=before,
        after=after,
        ip=request.remote_addr if has_request_context() else None,
    )
    entry = PlatformAuditEntry(**values) if tenant_id is None else AuditEntry(tenant_id=tenant_id, **values)
    db.session.add(entry)
    return entry
