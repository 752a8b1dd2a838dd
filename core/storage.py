"""Where uploaded files live: one interface, a folder behind it.

Every app server must see the same files (two gunicorn instances behind one address: an attachment
uploaded through one is downloaded through the other), so `UPLOAD_FOLDER` is a folder they share (a
mounted network file system). Code that stores or serves an upload goes through `uploads()`, not
through paths, so another store (an S3-compatible bucket) can be put behind the same four methods.

Keys are "<tenant id>/<stored name>": the tenant first, so one association's files can be listed,
exported and deleted together.

A write is all or nothing: the bytes go to a temporary file in the same folder, are flushed to disk,
then renamed into place. When the store refuses (read-only, full), `StorageError` is raised and no
partial file is left; callers turn it into a message on the form's file field before they change
anything else.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from flask import current_app


class StorageError(OSError):
    """The store refused the write (read-only, full, unreachable): nothing was stored."""


class Storage(Protocol):
    def save(self, key: str, data: bytes) -> None: ...
    def open(self, key: str) -> BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...


def key(tenant_id: int, name: str) -> str:
    return f"{int(tenant_id)}/{name}"


class FolderStorage:
    """Files under one folder (shared by every app server when there are several)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        parts = PurePosixPath(key).parts
        if not parts or key.startswith("/") or any(p in ("", ".", "..") or "\\" in p for p in parts):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root.joinpath(*parts)

    def save(self, key: str, data: bytes) -> None:
        target = self.path(key)
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(temporary, "xb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except OSError as error:
            try:
                temporary.unlink(missing_ok=True)
            except OSError:
                pass
            raise StorageError(error.errno, f"the upload store refused {key}: {error.strerror}") from error

    def open(self, key: str) -> BinaryIO:
        return open(self.path(key), "rb")

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def uploads() -> FolderStorage:
    """The store of the current app's uploads (`UPLOAD_FOLDER`)."""
    return FolderStorage(current_app.config["UPLOAD_FOLDER"])
