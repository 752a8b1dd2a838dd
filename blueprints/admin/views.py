from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import abort, g, render_template, request

from core import audit, audit_labels
from core.calendar import RIYADH
from core.dates import DateInputError, read_date
from core.exports import listings
from core.exports.operations import FORMATS, export, response
from core.extensions import db
from core.models import AuditEntry, TenantRole, User
from core.models.keys import MAX_ID, get_in_tenant
from core.roles import Role
from core.web import arg_id, roles_required, tenant_blueprint

bp = tenant_blueprint("admin", __name__, "/admin", members_only=True)

PAGE_SIZE = 50


@bp.get("/")
@roles_required(Role.tenant_admin)
def home():
    rows = db.session.execute(
        sa.select(User, TenantRole.role).join(TenantRole, TenantRole.user_id == User.id).order_by(User.email)
    ).all()
    members: dict[int, tuple[User, list[str]]] = {}
    for user, role in rows:
        members.setdefault(user.id, (user, []))[1].append(role)
    return render_template("admin/home.html", tenant=g.tenant, members=list(members.values()))


def _audit_query(args):
    """The audit log's query for the filters in `args` (action, person, Riyadh days), with their errors."""
    filters = {key: args.get(key, "").strip() for key in ("action", "actor", "since", "until")}
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    if filters["action"]:
        query = query.where(AuditEntry.action.startswith(filters["action"]))
    if filters["actor"]:
        query = query.join(User, User.id == AuditEntry.actor_id).where(
            User.email.startswith(filters["actor"].lower()))
    errors = {}
    for key, bound in (("since", AuditEntry.created_at.__ge__), ("until", AuditEntry.created_at.__lt__)):
        if not filters[key]:
            continue
        try:  # dd/mm/yyyy, yyyy-mm-dd or a Hijri date, in any digits (core.dates, as every date field)
            day = read_date(filters[key]).day + timedelta(days=1 if key == "until" else 0)
        except DateInputError as exc:
            errors[key] = str(exc.message)
            continue
        query = query.where(bound(datetime.combine(day, time(), RIYADH)))
    return query, filters, errors


@bp.get("/audit")
@roles_required(Role.tenant_admin)
def audit_log():
    """The tenant's audit log, newest first, filtered by action, person and day (Riyadh)."""
    query, filters, errors = _audit_query(request.args)
    before_id = arg_id("before", high=MAX_ID)
    if before_id:
        query = query.where(AuditEntry.id < before_id)
    entries = [] if errors else db.session.scalars(query.limit(PAGE_SIZE + 1)).all()
    more = len(entries) > PAGE_SIZE
    page_filters = {k: v for k, v in filters.items() if v}
    entries = entries[:PAGE_SIZE]
    return render_template("admin/audit.html", tenant=g.tenant, entries=entries, more=more,
                           readable=audit_labels.readable(entries), action_choices=audit_labels.filter_choices(),
                           filters=filters, page_filters=page_filters,
                           errors=errors), 422 if errors else 200


@bp.get("/exports/audit.<fmt>")
@roles_required(Role.tenant_admin)
def export_audit_log(fmt: str):
    """The filtered audit log as CSV or XLSX (itself audited)."""
    query, filters, errors = _audit_query(request.args)
    if errors or fmt not in FORMATS:
        abort(422 if errors else 404)
    result = export(g.tenant, listings.AUDIT, listings.audit_rows(query), g.roles, fmt, filters)
    db.session.commit()
    return response(result)


@bp.get("/audit/<int:entry_id>")
@roles_required(Role.tenant_admin)
def audit_entry(entry_id: int):
    entry = get_in_tenant(AuditEntry, entry_id)
    if entry is None:
        abort(404)
    audit.record("audit.view", entry)
    db.session.commit()
    return render_template("admin/audit_entry.html", tenant=g.tenant, entry=entry,
                           readable=audit_labels.readable([entry])[entry.id])
