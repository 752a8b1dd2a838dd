"""Where uploaded files live: one interface, a shared folder or an S3-compatible bucket behind it.

Every app server must see the same files (two gunicorn instances behind one address: an attachment
uploaded through one is downloaded through the other), so the store is shared: `UPLOAD_FOLDER` on a
mounted network file system (`UPLOAD_STORE=folder`, the default), or a bucket of an S3-compatible
service (`UPLOAD_STORE=s3`: AWS S3, MinIO, Ceph, Garage …). Code that stores, serves, backs up or moves
an upload goes through `uploads()` and its five methods, never through paths.

Keys are "<tenant id>/<stored name>": the tenant first, so one association's files can be listed,
exported and deleted together.

A write is all or nothing: in a folder the bytes go to a temporary file beside the target, are flushed
to disk, then renamed into place; in a bucket one PUT with the content's MD5 either stores the whole
object or nothing. When the store refuses (read-only, full, bucket missing, service unreachable),
`StorageError` is raised and nothing is left half-written; callers turn it into a message on the form's
file field before they change anything else. A download that cannot reach the store is a 503
(core.app), like the database being down.
"""
from __future__ import annotations

import base64
import errno
import hashlib
import io
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from flask import current_app
from flask_babel import lazy_gettext as _l


class StorageError(OSError):
    """The store refused the write (read-only, full, unreachable): nothing was stored."""


#: What a form's file field says when the upload store refuses a write (read-only, full, unreachable).
STORE_REFUSED = _l("The file could not be saved: the file store is not accepting files right now. Nothing was "
                   "changed; try again later, and tell the administrator if it keeps happening.")


class Storage(Protocol):
    def save(self, key: str, data: bytes) -> None: ...
    #: FileNotFoundError when there is no such file; StorageError when the store cannot be reached.
    def open(self, key: str) -> BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    #: Every stored key that starts with `prefix`, in order (backups and tenant exports read them all).
    def keys(self, prefix: str = "") -> Iterator[str]: ...


def key(tenant_id: int, name: str) -> str:
    return f"{int(tenant_id)}/{name}"


def checked(key: str) -> tuple[str, ...]:
    """The parts of a storage key, or ValueError for anything that could climb out of the store."""
    parts = PurePosixPath(key).parts
    if not parts or key.startswith("/") or any(p in ("", ".", "..") or "\\" in p for p in parts):
        raise ValueError(f"not a storage key: {key!r}")
    return parts


class FolderStorage:
    """Files under one folder (shared by every app server when there are several)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root.joinpath(*checked(key))

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

    def keys(self, prefix: str = "") -> Iterator[str]:
        folder = self.root.joinpath(*prefix.rpartition("/")[0].split("/")) if "/" in prefix else self.root
        if not folder.is_dir():
            return
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(self.root).as_posix()
            # a temporary ".x.part" is a write in progress (or one a crash left): not a stored file
            if path.is_file() and name.startswith(prefix) and not (path.name.startswith(".")
                                                                     and path.name.endswith(".part")):
                yield name


class S3Storage:
    """Objects in one bucket of an S3-compatible service, named by their keys (boto3, optional extra `s3`).

    Credentials come from boto3's usual chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and
    AWS_SESSION_TOKEN), ~/.aws, or the machine's role. Each method makes one request (listing: one per
    thousand keys); botocore retries a failed request twice with back-off before StorageError.
    """

    def __init__(self, bucket: str, endpoint_url: str | None = None, region: str | None = None):
        try:
            import boto3
            from botocore.config import Config
        except ImportError as error:  # pragma: no cover - the configuration check says it first
            raise StorageError(errno.ENOSYS, "UPLOAD_STORE=s3 needs boto3: pip install 'wasl[s3]'") from error
        self.bucket = bucket
        self.settings = (bucket, endpoint_url, region)
        # A self-hosted service (MinIO, Ceph) is reached by path (host/bucket/key): its buckets have no DNS names.
        addressing = {"addressing_style": "path"} if endpoint_url else {}
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, region_name=region,
            config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"},
                          s3=addressing))

    def _refused(self, action: str, key: str, error: Exception) -> StorageError:
        return StorageError(errno.EIO, f"the upload store refused to {action} {key}: {error}")

    def save(self, key: str, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        checked(key)
        digest = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        try:  # one PUT: the service stores the whole object (its MD5 checked) or nothing
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentMD5=digest)
        except (BotoCoreError, ClientError) as error:
            raise self._refused("save", key, error) from error

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import BotoCoreError, ClientError

        checked(key)
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            return io.BytesIO(body.read())  # uploads are small (MAX_CONTENT_LENGTH); send_file wants a seekable file
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(errno.ENOENT, "no such upload", key) from error
            raise self._refused("read", key, error) from error
        except BotoCoreError as error:
            raise self._refused("read", key, error) from error

    def exists(self, key: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        checked(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
            return True
        except ClientError as error:
            if _missing(error):
                return False
            raise self._refused("look up", key, error) from error
        except BotoCoreError as error:
            raise self._refused("look up", key, error) from error

    def delete(self, key: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        checked(key)
        try:  # deleting a key that is not there is no error, as in a folder
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as error:
            raise self._refused("delete", key, error) from error

    def keys(self, prefix: str = "") -> Iterator[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for entry in page.get("Contents", ()):
                    yield entry["Key"]
        except (BotoCoreError, ClientError) as error:
            raise self._refused("list", prefix or "the bucket", error) from error


@contextmanager
def local_copy(store: Storage, key: str) -> Iterator[Path]:
    """A file name to read a stored file by (for libraries that want one: openpyxl): the file itself in a
    folder, a temporary copy (removed afterwards) from a bucket. FileNotFoundError when it is not stored."""
    if isinstance(store, FolderStorage):
        path = store.path(key)
        if not path.is_file():
            raise FileNotFoundError(errno.ENOENT, "no such upload", key)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="wasl-upload-") as folder:
        path = Path(folder) / PurePosixPath(key).name
        with store.open(key) as content, path.open("wb") as out:
            shutil.copyfileobj(content, out)
        yield path


def _missing(error) -> bool:
    return error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")


def store_from_config(config) -> Storage:
    """The store a configuration names (UPLOAD_STORE): a new object, for a restore or a second instance."""
    if config.get("UPLOAD_STORE", "folder") == "s3":
        return S3Storage(config["S3_BUCKET"], config.get("S3_ENDPOINT_URL"), config.get("S3_REGION"))
    return FolderStorage(config["UPLOAD_FOLDER"])


def uploads() -> Storage:
    """The store of the current app's uploads (`UPLOAD_STORE`: the folder `UPLOAD_FOLDER` or the bucket
    `S3_BUCKET`). The bucket's client is made once per app and shared by its threads (boto3's clients are
    thread-safe)."""
    config = current_app.config
    if config.get("UPLOAD_STORE", "folder") != "s3":
        return FolderStorage(config["UPLOAD_FOLDER"])
    store = current_app.extensions.get("wasl.upload_store")
    if store is None or store.settings != (config["S3_BUCKET"], config.get("S3_ENDPOINT_URL"),
                                           config.get("S3_REGION")):
        store = current_app.extensions["wasl.upload_store"] = store_from_config(config)
    return store
