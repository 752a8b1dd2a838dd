"""Making, revoking and checking API tokens.

A token reads `wasl_<tenant id>_<secret>`: the tenant id lets the lookup run inside that tenant's scope
(row-level security included); only the SHA-256 of the whole token is stored.
"""
import hashlib
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from core import audit
from core.apitokens.models import ApiToken
from core.beneficiaries.errors import FormErrors, IllegalTransition
from core.beneficiaries.fields import FormSchema, first_errors, text
from core.extensions import db
from core.models import Tenant, TenantStatus, User
from core.models.base import utcnow
from core.tenancy import tenant_scope

TOKEN_RE = re.compile(r"^wasl_(\d{1,18})_([A-Za-z0-9_-]{20,100})$")
#: last_used_at is written at most this often, so API calls do not all write.
TOUCH_EVERY = timedelta(seconds=60)


class TokenSchema(FormSchema):
    name = text(required=True, min_length=2, max_length=100)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(tenant, user: User, form) -> tuple[ApiToken, str]:
    """A new token for the user in this tenant; the plain token is returned once and never stored."""
    try:
        data = TokenSchema().load_form(form)
    except ValidationError as exc:
        raise FormErrors(first_errors(exc.messages)) from exc
    plain = f"wasl_{tenant.id}_{secrets.token_urlsafe(32)}"
    token = ApiToken(user_id=user.id, name=data["name"], token_hash=hash_token(plain), prefix=plain[:16])
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.create", token, after={"name": token.name, "prefix": token.prefix, "user": user.email})
    return token, plain


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is not None:
        raise IllegalTransition(_l("This token was already revoked."))
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record("api_token.revoke", token, before={"revoked_at": None},
                 after={"name": token.name, "prefix": token.prefix})


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens in the tenant in scope, newest first."""
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.id.desc())))


def authenticate(raw: str) -> tuple[Tenant, ApiToken] | None:
    """The active tenant and live token this string names, or None. The caller enters the tenant."""
    match = TOKEN_RE.match(raw or "")
    if not match:
        return None
    tenant = db.session.get(Tenant, int(match.group(1))) if int(match.group(1)) < 2**31 else None
    if tenant is None or tenant.status != TenantStatus.active:
        return None
    with tenant_scope(tenant):
        token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
        if token is None or token.revoked_at is not None or not token.user.is_active:
            return None
        now = utcnow()
        if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
            token.last_used_at = now
            db.session.commit()
    return tenant, token
