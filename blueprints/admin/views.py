import sqlalchemy as sa
from flask import abort, g, render_template, request

from core import audit
from core.extensions import db
from core.models import AuditEntry, TenantRole, User
from core.roles import Role
from core.web import roles_required, tenant_blueprint

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


@bp.get("/audit")
@roles_required(Role.tenant_admin)
def audit_log():
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    action = request.args.get("action", "").strip()
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    before_id = request.args.get("before", type=int)
    if before_id:
        query = query.where(AuditEntry.id < before_id)
    entries = db.session.scalars(query.limit(PAGE_SIZE + 1)).all()
    more = len(entries) > PAGE_SIZE
    return render_template("admin/audit.html", tenant=g.tenant, entries=entries[:PAGE_SIZE], more=more,
                           action=action)


@bp.get("/audit/<int:entry_id>")
@roles_required(Role.tenant_admin)
def audit_entry(entry_id: int):
    entry = db.session.get(AuditEntry, entry_id)
    if entry is None:
        abort(404)
    audit.record("audit.view", entry)
    db.session.commit()
    return render_template("admin/audit_entry.html", tenant=g.tenant, entry=entry)
