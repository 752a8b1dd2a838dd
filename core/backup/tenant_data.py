"""`wasl tenants export --data SLUG --out DIR` / `wasl tenants import --data DIR`: move one association,
with its rows and its uploaded files, from one Wasl instance to another (another database).

The folder written:

    manifest.json   format, Alembic revision, the slug, row counts per table, SHA-256 of every file
    rows.json       the tenant's row, its rows in every table that belongs to it (tenant_id, or a
                    platform table's link to it such as the registry's association_id), and the user
                    accounts its rows name (members, authors, deciders); not the platform's events
                    (platform_audit_log: logins, operators' views), which stay with the instance and
                    its whole-database backup
    uploads/…       its uploads (the store's keys under "<tenant id>/"), byte for byte, read and written
                    through the upload store's interface: a folder or an S3-compatible bucket on either side

Import refuses a slug the target already has and a different schema revision. Every id is renumbered
above what the target holds (and above its sequences), and every foreign key follows: tenant_id to the
new tenant, users to an account with the same e-mail if the target has one (it is not changed), else to
a new copy (same password hash). Rows go in in one transaction on the operator's connection (the role
whose row-level security policy sees every tenant); sequences are moved past the new ids as the schema
owner. Ids written inside free text or JSON (an audit entry's "before/after") are not rewritten.
"""
from __future__ import annotations

import base64
import json
import uuid
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from core import storage
from core.backup.operations import BackupError, _revision, _sha256, copy_in, copy_out, tenant_counts
from core.extensions import OPERATOR_BIND, db

FORMAT = 1
MANIFEST = "manifest.json"
ROWS = "rows.json"
#: Platform tables that never move with a tenant (sessions, scheduler state, SQLite's id counters).
NOT_MOVED = {"auth_sessions", "id_sequences", "job_runs", "alembic_version"}


# --- values to JSON and back ---------------------------------------------------------------------------

def _encode(value):
    if isinstance(value, datetime):
        return {"$": "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, time):
        return {"$": "time", "v": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$": "decimal", "v": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$": "bytes", "v": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, uuid.UUID):
        return {"$": "uuid", "v": str(value)}
    if isinstance(value, dict | list):
        return {"$": "json", "v": value}
    return value


_DECODERS = {"datetime": datetime.fromisoformat, "date": date.fromisoformat, "time": time.fromisoformat,
             "decimal": Decimal, "bytes": base64.b64decode, "uuid": uuid.UUID, "json": lambda v: v}


def _encoded(row) -> dict:
    return {key: _encode(value) for key, value in dict(row).items()}


def _decode(value):
    if isinstance(value, dict) and "$" in value:
        return _DECODERS[value["$"]](value["v"])
    return value


# --- which rows belong to a tenant ---------------------------------------------------------------------

def _tenant_links(table: sa.Table) -> list[str]:
    """The columns of `table` that point at tenants.id."""
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table.name == "tenants"]


def _user_columns(table: sa.Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table.name == "users"]


def _moved_tables() -> list[sa.Table]:
    return [t for t in db.metadata.sorted_tables
            if t.name not in NOT_MOVED and t.name not in ("tenants", "users") and _tenant_links(t)]


def _has_own_id(table: sa.Table) -> bool:
    return "id" in table.c and "id" in {c.name for c in table.primary_key.columns}


def _engine() -> sa.Engine:
    """The connection that sees every tenant: the operator's on PostgreSQL, the one database on SQLite."""
    return db.engines[OPERATOR_BIND] if OPERATOR_BIND in db.engines else db.engine


def _admin_url() -> str:
    return current_app.config["DATABASE_ADMIN_URL"]


# --- export --------------------------------------------------------------------------------------------

def export_tenant(slug: str, folder: Path) -> dict:
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} exists and is not empty: choose a new folder")
    tenants = db.metadata.tables["tenants"]
    users = db.metadata.tables["users"]
    with _engine().connect() as conn:
        tenant = conn.execute(sa.select(tenants).where(tenants.c.slug == slug)).mappings().first()
        if tenant is None:
            raise BackupError(f"no tenant with slug '{slug}'")
        rows: dict[str, list[dict]] = {}
        user_ids: set[int] = set()
        for table in _moved_tables():
            link = sa.or_(*(table.c[name] == tenant["id"] for name in _tenant_links(table)))
            order = [table.c[c.name] for c in table.primary_key.columns] or list(table.c)[:1]
            found = [dict(r) for r in conn.execute(sa.select(table).where(link).order_by(*order)).mappings()]
            if found:
                rows[table.name] = found
            for name in _user_columns(table):
                user_ids.update(r[name] for r in found if r[name] is not None)
        people = [dict(r) for r in conn.execute(sa.select(users).where(users.c.id.in_(user_ids))
                                                  .order_by(users.c.id)).mappings()] if user_ids else []
    folder.mkdir(parents=True, exist_ok=True)
    payload = {"tenant": _encoded(tenant), "users": [_encoded(p) for p in people],
               "tables": {name: [_encoded(r) for r in found] for name, found in rows.items()}}
    (folder / ROWS).write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    copy_out(storage.uploads(), storage.key(tenant["id"], ""), folder / "uploads")
    files = {p.relative_to(folder).as_posix(): {"sha256": _sha256(p), "size": p.stat().st_size}
             for p in sorted(folder.rglob("*")) if p.is_file()}
    manifest = {"format": FORMAT, "kind": "tenant-data", "slug": slug, "revision": _revision(_admin_url()),
                "counts": {name: len(found) for name, found in rows.items()}, "users": len(people),
                "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True),
                                   encoding="utf-8")
    return manifest


# --- import --------------------------------------------------------------------------------------------

def _verify(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder / MANIFEST}: not a readable export ({exc})") from exc
    if manifest.get("kind") != "tenant-data" or manifest.get("format") != FORMAT:
        raise BackupError(f"{folder} is not a tenant data export of format {FORMAT}")
    for name, entry in manifest["files"].items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            raise BackupError(f"the export is damaged: {name}")
    return manifest


def _next_free(conn_admin, conn, table: sa.Table) -> int:
    """The first id above every row and above the table's id sequence (PostgreSQL) or counter (SQLite)."""
    highest = conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
    if conn_admin.dialect.name == "postgresql":
        sequence = conn_admin.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
        if sequence:
            last = conn_admin.execute(sa.text(f"SELECT last_value FROM {sequence}")).scalar() or 0
            highest = max(highest, last)
    elif "id_sequences" in db.metadata.tables:
        counters = db.metadata.tables["id_sequences"]
        value = conn.execute(sa.select(counters.c.value).where(counters.c.name == table.name)).scalar()
        highest = max(highest, value or 0)
    return highest + 1


def _numbered_by_id_sequences(table: sa.Table) -> bool:
    """On SQLite, whether the table's ids come from id_sequences (a key of several columns) rather than
    from SQLite itself (a plain INTEGER PRIMARY KEY)."""
    return len(table.primary_key.columns) > 1


def _advance_sequences(conn_admin, conn, tables: list[sa.Table]) -> None:
    for table in tables:
        top = conn.execute(sa.select(sa.func.max(table.c.id))).scalar()
        if top is None:
            continue
        if conn_admin.dialect.name == "postgresql":
            sequence = conn_admin.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"),
                                          {"t": table.name}).scalar()
            if sequence:
                conn_admin.execute(sa.text(f"SELECT setval('{sequence}', GREATEST(:top, "
                                           f"(SELECT last_value FROM {sequence})))"), {"top": top})
        elif "id_sequences" in db.metadata.tables and _numbered_by_id_sequences(table):
            counters = db.metadata.tables["id_sequences"]
            current = conn.execute(sa.select(counters.c.value).where(counters.c.name == table.name)).scalar()
            if current is None:
                conn.execute(counters.insert().values(name=table.name, value=top))
            else:
                conn.execute(counters.update().where(counters.c.name == table.name)
                             .values(value=max(current, top)))


def import_tenant(folder: Path) -> dict:
    folder = Path(folder)
    manifest = _verify(folder)
    revision = _revision(_admin_url())
    if manifest["revision"] != revision:
        raise BackupError(f"the export is of schema revision {manifest['revision']}, this database is at "
                          f"{revision}: upgrade the older one first")
    payload = json.loads((folder / ROWS).read_text(encoding="utf-8"), object_hook=_decode)
    slug = manifest["slug"]
    tenants, users = db.metadata.tables["tenants"], db.metadata.tables["users"]
    tables = {t.name: t for t in _moved_tables()}
    unknown = set(payload["tables"]) - set(tables)
    if unknown:
        raise BackupError(f"the export has tables this schema does not: {sorted(unknown)}")
    admin = sa.create_engine(_admin_url(), poolclass=sa.pool.NullPool)
    try:
        with _engine().begin() as conn, admin.begin() as conn_admin:
            if conn.execute(sa.select(tenants.c.id).where(tenants.c.slug == slug)).first():
                raise BackupError(f"this instance already has an association '{slug}'")
            tenant_row = {k: v for k, v in payload["tenant"].items() if k != "id"}
            new_tenant = conn.execute(tenants.insert().values(**tenant_row)).inserted_primary_key[0]
            user_map, matched = {}, 0
            for person in payload["users"]:
                existing = conn.execute(sa.select(users.c.id).where(users.c.email == person["email"])).scalar()
                matched += existing is not None
                if existing is None:
                    existing = conn.execute(users.insert().values(
                        **{k: v for k, v in person.items() if k != "id"})).inserted_primary_key[0]
                user_map[person["id"]] = existing
            offsets = {name: _next_free(conn_admin, conn, tables[name]) - min(r["id"] for r in found)
                       for name, found in payload["tables"].items() if _has_own_id(tables[name]) and found}
            for table in _moved_tables():
                found = payload["tables"].get(table.name)
                if not found:
                    continue
                conn.execute(table.insert(), [_renumbered(table, row, new_tenant, user_map, offsets)
                                              for row in found])
            _advance_sequences(conn_admin, conn, [tables[name] for name in offsets])
            counts = {name: conn.execute(sa.select(sa.func.count()).select_from(tables[name]).where(
                sa.or_(*(tables[name].c[c] == new_tenant for c in _tenant_links(tables[name]))))).scalar()
                for name in payload["tables"]}
            if counts != manifest["counts"]:
                raise BackupError(f"imported row counts differ from the export's: {counts}")
            # Before the commit: a store that refuses a file undoes the rows too (copy_in takes its files back).
            copy_in(folder / "uploads", storage.uploads(), storage.key(new_tenant, ""))
    finally:
        admin.dispose()
    return {**manifest, "tenant_id": new_tenant, "users_matched": matched}


def _renumbered(table: sa.Table, row: dict, tenant_id: int, user_map: dict, offsets: dict) -> dict:
    out = dict(row)
    if table.name in offsets:
        out["id"] = row["id"] + offsets[table.name]
    for fk in table.foreign_keys:
        name, target = fk.parent.name, fk.column.table.name
        if out.get(name) is None or name == "id":
            continue
        if target == "tenants":
            out[name] = tenant_id
        elif target == "users":
            out[name] = user_map[row[name]]
        elif fk.column.name == "id" and target in offsets:
            out[name] = row[name] + offsets[target]
    return out


def counts_for(slug: str) -> dict:
    """Rows per tenant-owned table for one slug (tests compare both sides with it)."""
    return tenant_counts(_admin_url()).get(slug, {})
