"""`wasl registry rebuild`: recompute the keyed hashes of every live file (operator work)."""
import click
from flask.cli import with_appcontext


@click.group("registry")
def registry():
    """The platform's keyed hashes of national IDs ("registered at another charity")."""


@registry.command("rebuild")
@with_appcontext
def rebuild():
    """Recompute every row, after REGISTRY_HMAC_KEY changed or a bulk import bypassed the application."""
    from core.registry.operations import rebuild as run

    click.echo(f"registry: {run()} live file(s) listed")
