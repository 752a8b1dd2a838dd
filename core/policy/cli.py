"""`wasl policy sync`: after a release changed shared wording, a draft for every association it concerns."""
import click
from flask.cli import with_appcontext

from core.extensions import db
from core.policy import versions


@click.group("policy")
def policy():
    """The associations' policy documents."""


@policy.command("sync")
@with_appcontext
def sync():
    """Make a draft for every association whose policy now says something else (new shared wording).
    Their approved versions stay published until their boards approve the drafts."""
    made = versions.sync_all()
    db.session.commit()
    for slug, version in made:
        click.echo(f"{slug}: draft {version.number} made; the approved text stays published until the board "
                   "approves it")
    if not made:
        click.echo("every association's policy already says what the shared wording gives")
