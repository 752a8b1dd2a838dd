"""Accounts, their roles in tenants, and their server-side login sessions."""
import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.base import Timestamped, UTCDateTime, utcnow
from core.tenancy import TenantOwned


class User(UserMixin, Timestamped, db.Model):
    """A person who logs in. Platform-level: one account may serve several tenants."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    password_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    is_operator: Mapped[bool] = mapped_column(default=False, nullable=False)
    #: Set when an operator or admin disables the account; every session ends with it.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class TenantRole(TenantOwned, db.Model):
    """One role a user holds in one tenant; a member is a user with at least one row here."""

    __tablename__ = "tenant_roles"
    __table_args__ = (sa.PrimaryKeyConstraint("tenant_id", "user_id", "role"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: The version of the whole membership (the highest of its rows): a change of roles moves every row
    #: to the next one, checked in the UPDATE itself (core/memberships.set_roles), and a role added
    #: elsewhere (an accepted invitation) starts above it, so a roles form read before is stale.
    version: Mapped[int] = mapped_column(nullable=False, server_default="1")

    user = relationship(User, lazy="joined")


def membership_version(connection, tenant_id: int, user_id: int) -> int:
    """The membership's version: 0 when the person holds no role in the tenant."""
    return connection.scalar(
        sa.select(sa.func.coalesce(sa.func.max(TenantRole.version), 0))
        .where(TenantRole.tenant_id == tenant_id, TenantRole.user_id == user_id)) or 0


@sa.event.listens_for(TenantRole, "before_insert")
def _next_membership_version(_mapper, connection, role: TenantRole) -> None:
    if role.version is None:
        role.version = membership_version(connection, role.tenant_id, role.user_id) + 1


class AuthSession(db.Model):
    """A login. The browser cookie holds only a random token; logging out revokes the row."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token in the cookie, so a database leak does not leak live sessions.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))

    user = relationship(User, lazy="joined")

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
