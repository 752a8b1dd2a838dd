"""Password hashing with argon2id."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher() -> PasswordHasher:
    # Tests lower the cost through PASSWORD_HASH_PARAMS; production keeps argon2-cffi's RFC defaults.
    return PasswordHasher(**current_app.config.get("PASSWORD_HASH_PARAMS", {}))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY: dict[str, str] = {}


def dummy_verify(password: str) -> None:
    """Spend the same time as a real check when the e-mail is unknown, so timing reveals no accounts."""
    key = repr(sorted(current_app.config.get("PASSWORD_HASH_PARAMS", {}).items()))
    if key not in _DUMMY:
        _DUMMY[key] = hash_password("not-a-real-account")
    verify_password(_DUMMY[key], password)
