"""A charity admin managing who belongs to the association and with which roles.

Accounts are platform-wide (one person may serve several associations), so an admin changes and
removes *memberships* of their own tenant only (people join by accepting an invitation:
core/invitations); disabling an account is the operator's work.
Every change is audited in the tenant's log with the roles before and after.
"""
import sqlalchemy as sa

from core import audit
from core.extensions import db
from core.models import Tenant, TenantRole, User
from core.models.user import membership_version
from core.roles import Role
from core.validation import N_


class MembershipError(ValueError):
    """A change that is refused; `field` names the form field the message belongs to."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class MembershipConflict(MembershipError):
    """The roles changed after the form was read (another admin, an accepted invitation): nothing saved."""


def _roles_of(tenant: Tenant, user_id: int) -> list[str]:
    return sorted(db.session.scalars(
        sa.select(TenantRole.role).where(TenantRole.tenant_id == tenant.id, TenantRole.user_id == user_id)))


def version_of(tenant: Tenant, user_id: int) -> int:
    """The version of the membership a roles form is read at (0: not a member)."""
    return membership_version(db.session, tenant.id, user_id)


def members(tenant: Tenant) -> list[tuple[User, list[str]]]:
    """Every member with their roles, by name (one query; the tenant in scope filters it again)."""
    rows = db.session.execute(
        sa.select(User, TenantRole.role).join(TenantRole, TenantRole.user_id == User.id)
        .where(TenantRole.tenant_id == tenant.id).order_by(User.name, User.email, TenantRole.role)
    ).all()
    grouped: dict[int, tuple[User, list[str]]] = {}
    for user, role in rows:
        grouped.setdefault(user.id, (user, []))[1].append(role)
    return list(grouped.values())


def member(tenant: Tenant, user_id: int) -> tuple[User, list[str]] | None:
    """A member of this tenant with their roles, or None (also for accounts of other tenants)."""
    roles = _roles_of(tenant, user_id)
    if not roles:
        return None
    return db.session.get(User, user_id), roles


def _clean_roles(roles) -> list[str]:
    wanted = sorted({Role(r).value for r in roles})
    if not wanted:
        raise MembershipError(N_("Choose at least one role."), field="roles")
    return wanted


def _other_active_admins(tenant: Tenant, user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(sa.distinct(TenantRole.user_id)))
        .join(User, User.id == TenantRole.user_id)
        .where(TenantRole.tenant_id == tenant.id, TenantRole.role == Role.tenant_admin.value,
               TenantRole.user_id != user_id, User.disabled_at.is_(None))
    )


def _keep_an_admin(tenant: Tenant, user: User, message) -> None:
    if not _other_active_admins(tenant, user.id):
        raise MembershipError(message, field="roles")


CONFLICT = N_("Someone changed this person's roles after you opened this page, so your change was not "
              "saved. These are the current roles: make your change again and save.")


def set_roles(tenant: Tenant, user: User, roles, version: int) -> tuple[list[str], list[str]]:
    """Make the member's roles exactly these, if they are still as they were at `version` (the form's).
    The association always keeps an active admin."""
    wanted = _clean_roles(roles)
    have = _roles_of(tenant, user.id)
    if not have:
        raise MembershipError(N_("This person is not a member of the association."))
    if version != version_of(tenant, user.id):
        raise MembershipConflict(CONFLICT)
    if Role.tenant_admin.value in have and Role.tenant_admin.value not in wanted:
        _keep_an_admin(tenant, user, N_("The association must keep at least one active administrator: "
                                        "make someone else an administrator first."))
    if wanted == have:
        return have, wanted
    # Checked in the UPDATE itself: a save that committed meanwhile moved the rows past `version`, so
    # this one (waiting on their locks, then re-reading them) matches fewer rows than it saw.
    moved = db.session.execute(
        sa.update(TenantRole).where(TenantRole.tenant_id == tenant.id, TenantRole.user_id == user.id,
                                    TenantRole.version <= version)
        .values(version=version + 1).execution_options(synchronize_session=False)).rowcount
    if moved != len(have):
        raise MembershipConflict(CONFLICT)
    removed = [r for r in have if r not in wanted]
    if removed:
        db.session.execute(sa.delete(TenantRole).where(
            TenantRole.tenant_id == tenant.id, TenantRole.user_id == user.id, TenantRole.role.in_(removed)))
    for role in wanted:
        if role not in have:
            db.session.add(TenantRole(tenant_id=tenant.id, user_id=user.id, role=role, version=version + 1))
    audit.record("membership.update", user, tenant_id=tenant.id, before={"roles": have}, after={"roles": wanted})
    db.session.flush()
    return have, wanted


def remove_member(tenant: Tenant, user: User) -> list[str]:
    """Take every role here away from the member (the account and its other memberships stay)."""
    have = _roles_of(tenant, user.id)
    if not have:
        raise MembershipError(N_("This person is not a member of the association."))
    if Role.tenant_admin.value in have:
        _keep_an_admin(tenant, user, N_("The last active administrator cannot be removed: make someone else "
                                        "an administrator first."))
    db.session.execute(sa.delete(TenantRole).where(TenantRole.tenant_id == tenant.id,
                                                   TenantRole.user_id == user.id))
    audit.record("membership.remove", user, tenant_id=tenant.id, before={"email": user.email, "roles": have},
                 after={"roles": []})
    db.session.flush()
    return have
