"""`wasl worker`, `wasl beat`, `wasl jobs …`: the task queue from the command line."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext


def _celery():
    app = current_app._get_current_object()
    if not app.config.get("CELERY_BROKER_URL"):
        raise click.ClickException("no broker: set CELERY_BROKER_URL (or REDIS_URL), e.g. redis://127.0.0.1:6379/1")
    return app.extensions["celery"]


PASS_THROUGH = {"ignore_unknown_options": True, "allow_extra_args": True}


@click.command("worker", context_settings=PASS_THROUGH)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def worker(celery_args):
    """Run a Celery worker for Wasl's tasks (extra options go to `celery worker`, e.g. --concurrency 2)."""
    from core.rls_cli import require_key

    require_key(current_app._get_current_object())
    _celery().worker_main(["worker", "--loglevel=INFO", *celery_args])


@click.command("beat", context_settings=PASS_THROUGH)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def beat(celery_args):
    """Run Celery beat: sends every registered job to the workers at its interval (run exactly one)."""
    _celery().start(["beat", "--loglevel=INFO", *celery_args])


@click.group("jobs")
def jobs():
    """Time-based jobs (freeze expiry, update deadlines, reminders, outbox delivery …)."""


@jobs.command("run")
@click.argument("names", nargs=-1)
@with_appcontext
def jobs_run(names):
    """Run every due job once (for cron), or the named jobs now whether due or not."""
    from core.jobs import REGISTRY
    from core.taskqueue import runner

    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise click.ClickException(f"unknown job(s): {', '.join(unknown)} (see `wasl jobs list`)")
    outcomes = [runner.run_job(n) for n in names] if names else runner.run_due()
    for outcome in outcomes:
        detail = f" changed={outcome.changed}" if outcome.status == "ran" else ""
        click.echo(f"{outcome.name:<45} {outcome.status}{detail}{' ' + outcome.error if outcome.error else ''}")
    if not outcomes:
        click.echo("no job is due")
    if any(o.status == "failed" for o in outcomes):
        sys.exit(1)


@jobs.command("list")
@with_appcontext
def jobs_list():
    """Every registered job: interval, module, last run."""
    from core.taskqueue import runner

    for job, run in runner.status():
        last = run.last_started_at.isoformat(timespec="seconds") if run and run.last_started_at else "never"
        error = f" last error: {run.last_error}" if run and run.last_error else ""
        click.echo(f"{job.name:<45} every {job.every}  module={job.module or '-':<25} last={last}{error}")
