"""What a visitor proved on this browser: the request (or complaint) they may see, for a short while."""
import time

from flask import current_app, g, request, session

from core.extensions import limiter

ACCESS_SECONDS = 15 * 60


def grant(kind: str, ident: int) -> None:
    """Remember for 15 minutes that this browser proved it may see `kind` `ident` of this tenant."""
    granted = {k: v for k, v in session.get("portal", {}).items() if v[1] > time.time()}
    granted[f"{g.tenant.id}:{kind}"] = (ident, time.time() + ACCESS_SECONDS)
    session["portal"] = granted


def granted(kind: str) -> int | None:
    found = session.get("portal", {}).get(f"{g.tenant.id}:{kind}")
    if not found or found[1] < time.time():
        return None
    return found[0]


def forget(kind: str) -> None:
    granted_now = dict(session.get("portal", {}))
    granted_now.pop(f"{g.tenant.id}:{kind}", None)
    session["portal"] = granted_now


def _limit() -> str:
    return current_app.config["PORTAL_RATE_LIMIT"]


def _key() -> str:
    return f"portal|{g.tenant.id}|{request.remote_addr}"


#: Public forms: each refused try (4xx) counts, per address and association; a success does not.
limited = limiter.limit(_limit, key_func=_key, methods=["POST"],
                        deduct_when=lambda response: response.status_code >= 400)
