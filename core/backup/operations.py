"""`wasl backup` and `wasl restore`.

A backup is a folder:

    manifest.json     format, created_at, Alembic revision, database kind, per-tenant row counts,
                      the platform's row counts (associations, users, the platform log: rows of no tenant),
                      and the SHA-256 and size of every other file in the folder
    database.dump     PostgreSQL: pg_dump custom format (as DATABASE_ADMIN_URL)
    database.sqlite   SQLite: a consistent copy made with SQLite's online backup API
    uploads/…         the upload store, byte for byte: one file per key (<tenant id>/<stored name>)

The uploads are read and written through the store's interface (core/storage.py), so the same backup
comes from, and goes back into, a shared folder or an S3-compatible bucket, or moves from one to the other.

Restoring goes only into an empty database and an empty upload store, verifies every checksum first,
and afterwards compares the per-tenant and the platform's counts with the manifest, so a restore that
"worked" but lost rows is reported, not trusted.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from core.storage import Storage, StorageError, checked

FORMAT = 1
MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """What went wrong, in words an operator can act on."""


@dataclass(frozen=True)
class Target:
    """Where a backup comes from or a restore goes: the database (as its owner) and the upload store."""

    admin_url: str
    uploads: Storage

    @property
    def kind(self) -> str:
        return "postgresql" if make_url(self.admin_url).get_backend_name() == "postgresql" else "sqlite"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq_url(url: str) -> str:
    """pg_dump and pg_restore take a libpq URL, without SQLAlchemy's driver suffix."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def tenant_counts(admin_url: str) -> dict[str, dict[str, int]]:
    """Rows per tenant slug per tenant-owned table (as the owner: row-level security does not filter it)."""
    return row_counts(admin_url)[0]


def row_counts(admin_url: str) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """(rows per tenant slug per tenant-owned table, the platform's rows per table): the platform's are every
    row of the tables with no tenant (associations, users, the platform log, …) and the rows of a
    tenant-owned table that belong to no tenant. As the owner: row-level security does not filter it."""
    engine = sa.create_engine(admin_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return _counts_on(conn)
    finally:
        engine.dispose()


def _counts_on(conn: sa.Connection) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    inspector = sa.inspect(conn)
    slugs = dict(conn.execute(sa.text("SELECT id, slug FROM tenants")).all())
    counts: dict[str, dict[str, int]] = {slug: {} for slug in slugs.values()}
    platform: dict[str, int] = {}
    for table in sorted(inspector.get_table_names()):
        if table == "tenants" or "tenant_id" not in {c["name"] for c in inspector.get_columns(table)}:
            platform[table] = conn.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar_one()
            continue
        rows = conn.execute(sa.text(f'SELECT tenant_id, count(*) FROM "{table}" GROUP BY tenant_id'))
        for tenant_id, count in rows:
            if tenant_id is None:
                platform[table] = count
            else:
                counts[slugs[tenant_id]][table] = count
    return counts, platform


def _revision(admin_url: str) -> str | None:
    engine = sa.create_engine(admin_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def backup(source: Target, folder: Path) -> dict:
    """Write a backup of `source` into `folder` (which must not exist yet); returns the manifest."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} exists and is not empty: choose a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    counts, platform = _dump_database(source, folder)
    copy_out(source.uploads, "", folder / "uploads")
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        files[path.relative_to(folder).as_posix()] = {"sha256": _sha256(path), "size": path.stat().st_size}
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": source.kind,
        "revision": _revision(source.admin_url),
        "tenants": counts,
        "platform": platform,
        "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True),
                                   encoding="utf-8")
    return manifest


def _dump_database(source: Target, folder: Path) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Write the database into `folder`; returns its row counts (as `row_counts`) of the very same data. The
    app may be writing meanwhile (a backup from cron): counts taken apart from the dump would then differ from
    it, and the restore would report rows lost. PostgreSQL: the counts are read in a repeatable-read
    transaction whose snapshot pg_dump takes (`--snapshot`). SQLite: they are read from the copy."""
    if source.kind == "sqlite":
        dump = folder / "database.sqlite"
        with sqlite3.connect(_sqlite_path(source.admin_url)) as live, sqlite3.connect(dump) as copy:
            live.backup(copy)
        copy.close()
        return row_counts(f"sqlite:///{dump}")
    engine = sa.create_engine(source.admin_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            counts = _counts_on(conn)
            _run(["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                  f"--file={folder / 'database.dump'}", _libpq_url(source.admin_url)])
            return counts
    finally:
        engine.dispose()


def verify(folder: Path) -> dict:
    """Read the manifest and check every file's size and checksum; raise BackupError on any difference."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder / MANIFEST}: not a readable backup manifest ({exc})") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not {FORMAT}")
    problems = []
    listed = set(manifest["files"])
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {MANIFEST}
    problems += [f"missing: {name}" for name in sorted(listed - present)]
    problems += [f"not in the manifest: {name}" for name in sorted(present - listed)]
    for name in sorted(listed & present):
        entry, path = manifest["files"][name], folder / name
        if path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            problems.append(f"checksum differs: {name}")
    if problems:
        raise BackupError("the backup is damaged: " + "; ".join(problems))
    return manifest


def _database_is_empty(target: Target) -> bool:
    engine = sa.create_engine(target.admin_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return not sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()


def restore(folder: Path, target: Target) -> dict:
    """Restore a verified backup into an empty database and upload folder; returns the manifest."""
    folder = Path(folder)
    manifest = verify(folder)
    if manifest["database"] != target.kind:
        raise BackupError(f"this backup is of a {manifest['database']} database; the target is {target.kind}")
    if target.kind == "sqlite":
        path = _sqlite_path(target.admin_url)
        if path.exists() and path.stat().st_size:
            raise BackupError(f"{path} exists: restore only into a new, empty database")
    elif not _database_is_empty(target):
        raise BackupError("the target database is not empty: restore only into a new, empty database")
    try:
        if next(iter(target.uploads.keys()), None) is not None:
            raise BackupError("the upload store is not empty: restore only into an empty folder or bucket")
    except StorageError as exc:
        raise BackupError(str(exc)) from exc
    if target.kind == "postgresql":
        _run(["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction",
              f"--dbname={_libpq_url(target.admin_url)}", str(folder / "database.dump")])
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(folder / "database.sqlite") as saved, sqlite3.connect(path) as live:
            saved.backup(live)
        live.close()
    copy_in(folder / "uploads", target.uploads, "")
    restored, platform = row_counts(target.admin_url)
    if restored != manifest["tenants"]:
        raise BackupError("restored row counts differ from the backup's: "
                          f"expected {manifest['tenants']}, found {restored}")
    if "platform" in manifest and platform != manifest["platform"]:  # backups made before it was counted lack it
        differ = {table: {"expected": manifest["platform"].get(table, 0), "found": platform.get(table, 0)}
                  for table in sorted(set(platform) | set(manifest["platform"]))
                  if platform.get(table, 0) != manifest["platform"].get(table, 0)}
        raise BackupError(f"restored platform row counts differ from the backup's: {differ}")
    return manifest


def copy_out(store: Storage, prefix: str, folder: Path) -> int:
    """Every key of `store` under `prefix`, written as a file (the rest of its key) under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    try:
        for key in store.keys(prefix):
            target = folder.joinpath(*checked(key[len(prefix):]))
            target.parent.mkdir(parents=True, exist_ok=True)
            with store.open(key) as content, target.open("xb") as out:
                shutil.copyfileobj(content, out)
            count += 1
    except (StorageError, ValueError) as exc:
        raise BackupError(f"reading the upload store: {exc}") from exc
    return count


def copy_in(folder: Path, store: Storage, prefix: str) -> int:
    """Every file under `folder` saved into `store` under `prefix` + its path (the reverse of copy_out).

    All or nothing: when the store refuses one, the files already saved are deleted again."""
    written: list[str] = []
    if not folder.is_dir():
        return 0
    try:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            key = prefix + path.relative_to(folder).as_posix()
            store.save(key, path.read_bytes())
            written.append(key)
    except StorageError as exc:
        for key in written:
            try:
                store.delete(key)
            except StorageError:
                pass  # the store is failing: what stays is named in the message
        raise BackupError(f"writing the upload store failed, nothing was restored into it: {exc}") from exc
    return len(written)


def _run(command: list[str]) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)") from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed: {exc.stderr.strip()[-500:]}") from exc
