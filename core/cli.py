"""The `wasl` command: a Flask CLI group (`wasl demo`, `wasl db upgrade`, `wasl users …`, `wasl tenants …`)."""
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_babel import force_locale

from core import accounts, tenant_files, tenants
from core.extensions import db
from core.models import Tenant, User
from core.roles import Role
from core.tenancy import cross_tenant_scope


def _create_app():
    from core.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def main():
    """Wasl (وصل): the Beneficiary Relations Policy platform."""


def register(app) -> None:
    from core.backup.cli import backup, restore
    from core.holidays_cli import holidays_command
    from core.messaging.cli import outbox
    from core.policy.cli import policy
    from core.registry.cli import registry
    from core.rls_cli import rls
    from core.taskqueue.cli import beat, jobs, worker

    for command in (demo, users, tenants_group, outbox, backup, restore, worker, beat, jobs, registry, rls,
                    holidays_command, policy):
        app.cli.add_command(command)


def upgrade_database() -> None:
    """Apply every migration (as the schema owner, DATABASE_ADMIN_URL)."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory, revision="heads")


# --- wasl demo ----------------------------------------------------------------------------------

def _quiet_handler():
    from werkzeug.serving import WSGIRequestHandler

    class Handler(WSGIRequestHandler):
        """The embedded server's Server header names no versions (Werkzeug's names its own and Python's)."""

        def version_string(self) -> str:
            return "Wasl"

    return Handler


QuietServerHandler = _quiet_handler()

@click.command("demo")
@click.option("--port", default=5000, show_default=True, help="Port to serve on (127.0.0.1).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--no-serve", is_flag=True, help="Set everything up and print the users, but do not serve.")
@with_appcontext
def demo(port: int, host: str, no_serve: bool):
    """Start Wasl on its embedded default: migrate, provision tenants/, create and print demo users."""
    from core.demo import ensure_demo_users, provision_directory

    app = current_app._get_current_object()
    upgrade_database()
    from core.rls_cli import require_key

    require_key(app)
    try:
        results = provision_directory(app.config["TENANTS_DIR"], only_new=True)
    except tenant_files.TenantFileError as exc:
        raise click.ClickException(str(exc)) from exc
    for result in results:
        click.echo(f"tenant {result.tenant.slug:<16} {result.outcome}")
    password, rows = ensure_demo_users()
    click.echo("\nDemo users (all share one password):")
    click.echo(f"  password: {password}")
    for email, slug, role in rows:
        click.echo(f"  {email:<40} {slug:<16} {role}")
    click.echo(f"\nWasl is at http://{host}:{port}/  (log in at http://{host}:{port}/auth/login)")
    if not no_serve:
        from werkzeug.serving import run_simple

        from core.taskqueue import embedded

        embedded.start(app)
        click.echo("Time-based jobs run in this process (no worker needed); see `wasl jobs list`.")

        run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True,
                   request_handler=QuietServerHandler)


# --- wasl users ---------------------------------------------------------------------------------

@click.group("users")
def users():
    """Manage user accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--operator", is_flag=True, help="Make the user a platform operator.")
@click.option("--tenant", "slug", help="Tenant slug to give roles in.")
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]),
              help="Role in --tenant (repeatable).")
@with_appcontext
def users_create(email, name, password, operator, slug, roles):
    """Create a user, optionally with roles in one tenant."""
    if roles and not slug:
        raise click.UsageError("--role needs --tenant")
    with force_locale("en"), cross_tenant_scope():
        tenant = None
        if slug:
            tenant = tenants.by_slug(slug)
            if tenant is None:
                raise click.ClickException(f"no tenant with slug '{slug}'")
        try:
            user = accounts.create_user(email, name, password, is_operator=operator)
        except accounts.AccountError as exc:
            raise click.ClickException(f"{exc.field}: {exc}") from exc
        if tenant and roles:
            accounts.grant_roles(user, tenant, roles)
        db.session.commit()
    click.echo(f"created {user.email}" + (f" with {', '.join(roles)} in {slug}" if roles else ""))


@users.command("disable")
@click.argument("email")
@with_appcontext
def users_disable(email):
    """Disable an account; its open sessions end immediately."""
    with cross_tenant_scope():
        user = db.session.scalar(sa.select(User).where(User.email == accounts.normalise_email(email)))
        if user is None:
            raise click.ClickException(f"no user '{email}'")
        accounts.disable_user(user)
        db.session.commit()
    click.echo(f"disabled {email}")


# --- wasl tenants -------------------------------------------------------------------------------

@click.group("tenants")
def tenants_group():
    """Provision and manage tenants (associations) from tenant files."""


def _load_all(paths) -> tuple[list, list[str]]:
    loaded, errors = [], []
    for path in paths:
        try:
            loaded.append(tenant_files.load(path))
        except tenant_files.TenantFileError as exc:
            errors.extend(exc.messages)
    return loaded, errors


@tenants_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def tenants_check(files):
    """Validate tenant files; print errors and warnings. Exit 1 if any file is bad."""
    loaded, errors = _load_all(files)
    for tenant_file in loaded:
        for warning in tenant_file.warnings:
            click.echo(f"warning: {warning}")
        text_hash = tenant_files.policy_text_hash(tenant_file.data)
        click.echo(f"ok: {tenant_file.path} ({tenant_file.slug}), policy text fingerprint {text_hash}")
    for error in errors:
        click.echo(f"error: {error}", err=True)
    if errors:
        sys.exit(1)


@tenants_group.command("provision")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def tenants_provision(files):
    """Create or update tenants from files (idempotent; never deletes). Nothing is written if any file is bad."""
    loaded, errors = _load_all(files)
    slugs = [f.slug for f in loaded]
    errors += [f"{f.path}: slug: '{f.slug}' is in more than one of the files given"
               for f in loaded if slugs.count(f.slug) > 1]
    if errors:
        for error in errors:
            click.echo(f"error: {error}", err=True)
        raise click.ClickException("nothing was provisioned")
    with cross_tenant_scope():
        results = [tenants.provision(f) for f in loaded]
        db.session.commit()
    for tenant_file, result in zip(loaded, results, strict=True):
        for warning in tenant_file.warnings:
            click.echo(f"warning: {warning}")
        detail = f" ({', '.join(result.changed_keys)})" if result.outcome == "updated" else ""
        click.echo(f"{result.tenant.slug}: {result.outcome}{detail}")


@tenants_group.command("list")
@with_appcontext
def tenants_list():
    """List tenants with their status, number of members and of audit entries."""
    with cross_tenant_scope():
        counts = tenants.counts()
        rows = db.session.scalars(sa.select(Tenant).order_by(Tenant.slug)).all()
    for tenant in rows:
        count = counts.get(tenant.id, {"members": 0, "audit": 0})
        click.echo(f"{tenant.slug:<20} {tenant.status:<10} members={count['members']:<4} "
                   f"audit={count['audit']:<6} {tenant.name_en}")


@tenants_group.command("export")
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to this file (e.g. tenants/SLUG.toml) instead of standard output.")
@click.option("--data", "with_data", is_flag=True,
              help="Export the association's data and uploaded files too, into the new folder --out.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="With --data: a new folder.")
@with_appcontext
def tenants_export(slug, output, with_data, out):
    """Write a tenant's file back as TOML, with the changes its admins made (round-trips with provision).

    With --data --out DIR: everything of the association (its rows, the accounts they name, its uploaded
    files) into DIR, for `wasl tenants import --data DIR` on another instance."""
    if with_data:
        from core.backup import tenant_data
        from core.backup.operations import BackupError

        if out is None:
            raise click.UsageError("--data needs --out DIR (a new folder)")
        try:
            manifest = tenant_data.export_tenant(slug, out)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{slug}: {sum(manifest['counts'].values())} rows in {len(manifest['counts'])} tables, "
                   f"{manifest['users']} accounts, {len(manifest['files']) - 1} files written to {out}")
        return
    with cross_tenant_scope():
        tenant = tenants.by_slug(slug)
        if tenant is None:
            raise click.ClickException(f"no tenant with slug '{slug}'")
        text = tenants.export(tenant)
    if output is None:
        click.echo(text, nl=False)
        return
    if output.suffix == ".toml" and output.stem != slug:
        raise click.UsageError(f"the file must be named {slug}.toml, as its slug (tenants check insists)")
    output.write_text(text, encoding="utf-8")
    click.echo(f"{slug}: written to {output}", err=True)


@tenants_group.command("import")
@click.option("--data", "folder", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A folder written by `wasl tenants export --data SLUG --out DIR`.")
@with_appcontext
def tenants_import(folder):
    """Bring in an association exported from another Wasl instance, with its data and files (new ids)."""
    from core.backup import tenant_data
    from core.backup.operations import BackupError

    try:
        result = tenant_data.import_tenant(folder)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{result['slug']}: imported as tenant {result['tenant_id']}, {sum(result['counts'].values())} "
               f"rows; {result['users_matched']} of {result['users']} accounts matched existing ones by e-mail")


def _status_command(name: str, operation, done: str, already: str, help_text: str):
    @tenants_group.command(name)
    @click.argument("slug")
    @with_appcontext
    def command(slug):
        with cross_tenant_scope():
            tenant = tenants.by_slug(slug)
            if tenant is None:
                raise click.ClickException(f"no tenant with slug '{slug}'")
            changed = operation(tenant)
            db.session.commit()
        click.echo(f"{slug}: {done if changed else already}")

    command.help = help_text
    return command


tenants_suspend = _status_command("suspend", tenants.suspend, "suspended", "already suspended",
                                  "Stop serving a tenant's pages (its data is kept).")
tenants_resume = _status_command("resume", tenants.resume, "resumed", "already active",
                                 "Serve a suspended tenant again.")
