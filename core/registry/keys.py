"""Keyed hashes of national IDs: the same ID gives the same hash on the whole platform, and nothing
outside the platform (without REGISTRY_HMAC_KEY) can tell which ID a hash stands for."""
import hashlib
import hmac

from flask import current_app


def key() -> bytes:
    configured = current_app.config.get("REGISTRY_HMAC_KEY")
    if configured:
        return configured.encode()
    # Derived from SECRET_KEY when not set; set it on its own so SECRET_KEY can be rotated freely.
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"wasl-registry", hashlib.sha256).digest()


def id_hash(national_id: str) -> str:
    return hmac.new(key(), national_id.encode(), hashlib.sha256).hexdigest()
