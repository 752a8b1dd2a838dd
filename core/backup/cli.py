"""`wasl backup` and `wasl restore`."""
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from core import storage
from core.backup import operations


def _target() -> operations.Target:
    return operations.Target(current_app.config["DATABASE_ADMIN_URL"], storage.uploads())


@click.command("backup")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="New folder for the backup (default: backups/wasl-<UTC time> under the instance folder).")
@with_appcontext
def backup(output):
    """Back up the database, the uploaded files and a manifest with checksums into a new folder."""
    if output is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        output = Path(current_app.instance_path) / "backups" / f"wasl-{stamp}"
    try:
        manifest = operations.backup(_target(), output)
    except operations.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    size = sum(f["size"] for f in manifest["files"].values())
    click.echo(f"backup written to {output}: {len(manifest['files'])} files, {size} bytes, "
               f"{len(manifest['tenants'])} tenants, revision {manifest['revision']}")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--verify-only", is_flag=True, help="Only check the backup's checksums; change nothing.")
@with_appcontext
def restore(folder, verify_only):
    """Restore a backup into the configured database and upload store (folder or bucket), both empty."""
    try:
        if verify_only:
            manifest = operations.verify(folder)
            click.echo(f"{folder}: {len(manifest['files'])} files, every checksum matches")
            return
        manifest = operations.restore(folder, _target())
    except operations.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    tenants = manifest["tenants"]
    checked = "the counts per tenant and the platform's" if "platform" in manifest else "the counts per tenant"
    click.echo(f"restored {folder}: {len(tenants)} tenants, {checked} match the backup")
