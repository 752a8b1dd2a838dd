"""Device cookies (OWASP): a browser that once logged in to an account keeps its own failed-login budget.

Login throttling per account lets an attacker lock the real user out by failing on purpose. With a
device cookie, the attacker's failures only use up the budget of browsers that never logged in to the
account; the owner's browser is counted apart. The cookie is signed with SECRET_KEY and names the
account by a hash only.
"""
import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "wasl_device"
MAX_AGE = 365 * 24 * 3600
#: An e-mail longer than this is not one; hashing only a bounded prefix keeps the key's cost fixed.
MAX_EMAIL = 320


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="wasl-device")


def account_key(email: str) -> str:
    """A fixed-size key for the account an e-mail names (never the raw, unbounded e-mail)."""
    normal = (email or "")[:MAX_EMAIL].strip().lower()
    return hashlib.sha256(normal.encode("utf-8", "replace")).hexdigest()[:32]


def device_for(cookie: str | None, email_key: str) -> str | None:
    """This browser's device id for the account, if its cookie is genuine and names that account."""
    if not cookie or len(cookie) > 500:
        return None
    try:
        data = _signer().loads(cookie)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != email_key or not isinstance(data.get("d"), str):
        return None
    return data["d"]


def remember(response, email: str) -> None:
    """Give the browser a device cookie for the account it just logged in to."""
    value = _signer().dumps({"a": account_key(email), "d": secrets.token_urlsafe(12)})
    response.set_cookie(COOKIE, value, max_age=MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False), path="/auth/")
