"""Inviting a person into an association, and the person accepting.

An admin names an e-mail and roles; the person gets a one-time link by e-mail (through the outbox) and
either sets their own password (no account yet) or, logged in to their existing account, accepts. The
admin sees the same answer whatever the e-mail is, never sets anyone's password, and never sees another
association's people until they have accepted. The link is `/invitations/<tenant id>.<secret>`: only the
secret's SHA-256 is stored, it expires, and it is claimed in one UPDATE so it works once.
"""
import hashlib
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from core import accounts, audit
from core.extensions import db
from core.invitations.models import Invitation
from core.messaging import compose
from core.models import Tenant, TenantRole, TenantStatus, User
from core.models.base import utcnow
from core.models.keys import MAX_ID
from core.roles import Role
from core.tenancy import enter_tenant
from core.text import forbidden_character, is_blank
from core.validation import N_

VALID_DAYS = 7
EMAIL_RE = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
TOKEN_RE = re.compile(r"([1-9][0-9]{0,18})\.([A-Za-z0-9_-]{20,100})")


class InvitationError(ValueError):
    """A refusal shown to the person; `field` names the form field it belongs to."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def valid_days() -> int:
    return int(current_app.config.get("INVITATION_VALID_DAYS", VALID_DAYS))


def public_url(path: str) -> str:
    """An absolute link for a message: PUBLIC_URL when set, else this request's (trusted) host."""
    base = current_app.config.get("PUBLIC_URL") or (request.host_url if has_request_context() else "")
    return base.rstrip("/") + path


def clean_roles(roles) -> list[str]:
    try:
        wanted = sorted({Role(r).value for r in roles})
    except ValueError as exc:
        raise InvitationError(N_("Choose one of the options."), field="roles") from exc
    if not wanted:
        raise InvitationError(N_("Choose at least one role."), field="roles")
    return wanted


def _member_with_email(tenant: Tenant, email: str) -> bool:
    return db.session.scalar(
        sa.select(TenantRole.user_id).join(User, User.id == TenantRole.user_id)
        .where(TenantRole.tenant_id == tenant.id, User.email == email).limit(1)) is not None


def _message(tenant: Tenant, invitation: Invitation, link: str, inviter_name: str) -> tuple[str, str]:
    """The invitation in Arabic, then in English: the person's language is not known yet."""
    texts = []
    for language in ("ar", "en"):
        with force_locale(language):
            roles = _(", ").join(str(Role(r).label) for r in invitation.roles)
            values = {"association": tenant.name(language), "inviter": inviter_name, "roles": roles,
                      "link": link, "days": valid_days()}
            subject = _("Invitation to join {association} on Wasl").format(**values)
            body = _("{inviter} invites you to work with {association} on Wasl as: {roles}.\n\n"
                     "To accept, open this link within {days} days (it works once):\n{link}\n\n"
                     "If you do not expect this invitation, ignore this message: nothing happens without "
                     "you.").format(**values)
            texts.append((subject, body))
    return f"{texts[0][0]} | {texts[1][0]}", f"{texts[0][1]}\n\n———\n\n{texts[1][1]}"


def invite(tenant: Tenant, email: str, roles, actor) -> Invitation:
    """Invite an e-mail to this tenant with these roles; an earlier pending invitation to it is replaced.
    The caller commits. Raises InvitationError (nothing written)."""
    wanted = clean_roles(roles)
    email = accounts.normalise_email(email)
    if not EMAIL_RE.fullmatch(email) or len(email) > 254:
        raise InvitationError(N_("This is not a valid e-mail address."), field="email")
    if _member_with_email(tenant, email):
        raise InvitationError(N_("This person is already a member; change their roles on their page."),
                              field="email")
    now = utcnow()
    db.session.execute(
        sa.update(Invitation).where(Invitation.tenant_id == tenant.id, Invitation.email == email,
                                    Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))
    secret = secrets.token_urlsafe(32)
    invitation = Invitation(tenant_id=tenant.id, email=email, roles=wanted, token_hash=_hash(secret),
                            invited_by_id=getattr(actor, "id", None), created_at=now,
                            expires_at=now + timedelta(days=valid_days()))
    db.session.add(invitation)
    db.session.flush()
    link = public_url(f"/invitations/{tenant.id}.{secret}")
    subject, body = _message(tenant, invitation, link, getattr(actor, "name", None) or tenant.name("ar"))
    compose.enqueue_email("invitation", email, subject, body, "ar", sensitive=link, tenant_id=tenant.id)
    audit.record("invitation.create", invitation, tenant_id=tenant.id,
                 after={"email": email, "roles": wanted, "expires_at": invitation.expires_at.isoformat()})
    return invitation


def pending(tenant: Tenant, limit: int = 200) -> list[Invitation]:
    """Invitations not yet accepted nor withdrawn (expired ones too, marked by the page), newest first."""
    return list(db.session.scalars(
        sa.select(Invitation).where(Invitation.tenant_id == tenant.id, Invitation.accepted_at.is_(None),
                                    Invitation.revoked_at.is_(None))
        .order_by(Invitation.id.desc()).limit(limit)))


def revoke(tenant: Tenant, invitation_id: int) -> Invitation | None:
    """Withdraw a pending invitation: its link stops working. None if it is not pending here."""
    if not 0 < invitation_id <= MAX_ID:
        return None
    invitation = db.session.get(Invitation, (tenant.id, invitation_id))
    if invitation is None or invitation.accepted_at is not None or invitation.revoked_at is not None:
        return None
    invitation.revoked_at = utcnow()
    audit.record("invitation.revoke", invitation, tenant_id=tenant.id, after={"email": invitation.email})
    db.session.flush()
    return invitation


# --- the invited person ------------------------------------------------------------------------

def find(token: str) -> Invitation | None:
    """The pending invitation this link names, with its tenant entered for the rest of the request."""
    match = TOKEN_RE.fullmatch(token or "")
    if not match:
        return None
    tenant = db.session.get(Tenant, int(match[1])) if int(match[1]) <= 2**31 - 1 else None
    if tenant is None or tenant.status != TenantStatus.active:
        return None
    enter_tenant(tenant)
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.tenant_id == tenant.id,
                                                               Invitation.token_hash == _hash(match[2])))
    if invitation is None or not invitation.is_pending:
        return None
    return invitation


def account_for(invitation: Invitation) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == invitation.email))


def _claim(invitation: Invitation, user: User) -> None:
    """Mark the invitation used, in the UPDATE that checks it still is pending (single use under races)."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Invitation).where(Invitation.tenant_id == invitation.tenant_id, Invitation.id == invitation.id,
                                    Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
                                    Invitation.expires_at > now)
        .values(accepted_at=now, accepted_by_id=user.id).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise InvitationError(N_("This invitation is no longer valid: it was used, withdrawn or has expired. "
                                 "Ask the association's administrator for a new one."))
    have = set(db.session.scalars(sa.select(TenantRole.role).where(
        TenantRole.tenant_id == invitation.tenant_id, TenantRole.user_id == user.id)))
    added = [role for role in invitation.roles if role not in have]
    for role in added:
        db.session.add(TenantRole(tenant_id=invitation.tenant_id, user_id=user.id, role=role))
    audit.record("invitation.accept", invitation, tenant_id=invitation.tenant_id, actor=user,
                 after={"email": invitation.email, "roles": sorted(have | set(added))})
    db.session.flush()


def accept_with_new_account(invitation: Invitation, name: str, password: str) -> User:
    """The person had no account: create it with their own password and join. The caller commits."""
    if account_for(invitation) is not None:
        raise InvitationError(N_("An account with this e-mail exists: log in to accept the invitation."))
    name = (name or "").strip()
    if not 2 <= len(name) <= 200 or is_blank(name):
        raise InvitationError(N_("Enter your full name (2 to 200 characters)."), field="name")
    if forbidden_character(name) is not None:
        raise InvitationError(N_("Remove the control or text-direction characters from this text."), field="name")
    if not 10 <= len(password or "") <= 1024:
        raise InvitationError(N_("The password must be at least 10 characters long."), field="password")
    try:
        user = accounts.create_user(invitation.email, name, password)
    except (accounts.AccountError, IntegrityError) as exc:  # e.g. the same e-mail accepted in two tabs at once
        db.session.rollback()
        raise InvitationError(N_("An account with this e-mail exists: log in to accept the invitation.")) from exc
    _claim(invitation, user)
    return user


def accept_as(invitation: Invitation, user: User) -> None:
    """A logged-in person accepts for their own account (only the account the invitation names)."""
    if user.email != invitation.email:
        raise InvitationError(N_("This invitation was sent to another e-mail address: log out, then open "
                                 "the link again and log in as that person."))
    _claim(invitation, user)
