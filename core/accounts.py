"""Account operations: logging in and out, server-side sessions, memberships and roles."""
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g, request, session

from core import audit
from core.extensions import db
from core.models import AuthSession, Tenant, TenantRole, TenantStatus, User
from core.models.base import utcnow
from core.passwords import dummy_verify, hash_password, verify_password
from core.roles import Role
from core.tenancy import cross_tenant_scope

SESSION_KEY = "sid"
#: last_seen_at is written at most this often, so browsing does not write on every request.
TOUCH_EVERY = timedelta(seconds=60)


class AccountError(ValueError):
    """A domain error about accounts; `field` names the form field it belongs to."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        dummy_verify(password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    return user


def start_session(user: User) -> None:
    """A fresh session on every login: nothing from before login survives (no session fixation)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(AuthSession(
        user=user, token_hash=AuthSession.hash_token(token), created_at=now, last_seen_at=now,
        ip=request.remote_addr, user_agent=(request.user_agent.string or "")[:300],
    ))
    user.last_login_at = now
    audit.record("auth.login", user, tenant_id=None, actor=user)
    db.session.commit()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[SESSION_KEY] = token
    session.permanent = False


def end_session() -> None:
    auth_session = g.get("auth_session")
    if auth_session is not None:
        auth_session.revoked_at = utcnow()
        audit.record("auth.logout", auth_session.user, tenant_id=None, actor=auth_session.user)
        db.session.commit()
    session.pop(SESSION_KEY, None)


def load_session_user(_request=None) -> User | None:
    """Flask-Login request loader: the cookie's token must name a live, unexpired session."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    return accept_session(db.session.scalar(
        sa.select(AuthSession).where(AuthSession.token_hash == AuthSession.hash_token(token))
    ))


def session_token_hash() -> str | None:
    """The hash under which the cookie's session is stored, or None without one."""
    token = session.get(SESSION_KEY)
    return AuthSession.hash_token(token) if token else None


def accept_session(auth_session: AuthSession | None) -> User | None:
    """The session's user if the session is live: revoked, disabled or idle too long is no one (and the
    cookie forgets it); a session in use is touched at most every TOUCH_EVERY."""
    if auth_session is None or auth_session.revoked_at is not None or not auth_session.user.is_active:
        session.pop(SESSION_KEY, None)
        return None
    now = utcnow()
    idle = timedelta(minutes=current_app.config["IDLE_TIMEOUT_MINUTES"])
    if now - auth_session.last_seen_at > idle:
        auth_session.revoked_at = now
        db.session.commit()
        session.pop(SESSION_KEY, None)
        session["session_expired"] = True  # the login page says why the person must log in again
        return None
    if now - auth_session.last_seen_at > TOUCH_EVERY:
        auth_session.last_seen_at = now
        db.session.commit()
    g.auth_session = auth_session
    return auth_session.user


def disable_user(user: User) -> None:
    """Disable an account and end all its sessions at once."""
    now = utcnow()
    before = {"disabled_at": None}
    user.disabled_at = now
    db.session.execute(
        sa.update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    audit.record("user.disable", user, tenant_id=None, before=before, after={"disabled_at": now.isoformat()})


def roles_in(user: User, tenant: Tenant) -> frozenset[str]:
    """The user's roles in the tenant that is in scope (the query is tenant-scoped)."""
    rows = db.session.scalars(
        sa.select(TenantRole.role).where(TenantRole.user_id == user.id, TenantRole.tenant_id == tenant.id)
    )
    return frozenset(rows)


def memberships(user: User) -> list[tuple[Tenant, frozenset[str]]]:
    """Every active tenant the user belongs to, with the roles there (for the tenant chooser)."""
    with cross_tenant_scope():
        rows = db.session.execute(
            sa.select(Tenant, TenantRole.role)
            .join(TenantRole, TenantRole.tenant_id == Tenant.id)
            .where(TenantRole.user_id == user.id, Tenant.status == TenantStatus.active)
            .order_by(Tenant.slug)
        ).all()
    grouped: dict[int, tuple[Tenant, set]] = {}
    for tenant, role in rows:
        grouped.setdefault(tenant.id, (tenant, set()))[1].add(role)
    return [(t, frozenset(r)) for t, r in grouped.values()]


def create_user(email: str, name: str, password: str, *, is_operator=False) -> User:
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError("invalid e-mail address", field="email")
    if len(password) < 10:
        raise AccountError("password must be at least 10 characters", field="password")
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise AccountError("a user with this e-mail exists", field="email")
    user = User(email=email, name=name, password_hash=hash_password(password), is_operator=is_operator)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, tenant_id=None, after={"email": email, "is_operator": is_operator})
    return user


def grant_roles(user: User, tenant: Tenant, roles) -> None:
    """Give the user these roles in the tenant (idempotent)."""
    wanted = {Role(r).value for r in roles}
    with cross_tenant_scope():
        have = set(db.session.scalars(
            sa.select(TenantRole.role).where(TenantRole.user_id == user.id, TenantRole.tenant_id == tenant.id)
        ))
        added = sorted(wanted - have)
        for role in added:
            db.session.add(TenantRole(tenant_id=tenant.id, user_id=user.id, role=role))
        if added:
            audit.record("membership.grant", user, tenant_id=tenant.id,
                         before={"roles": sorted(have)}, after={"roles": sorted(have | wanted)})
            db.session.flush()
