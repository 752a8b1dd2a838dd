"""New shared wording, released with the platform, as a job of the task queue: a draft for every tenant
whose policy it changes (their approved versions stay published)."""
from datetime import timedelta

from core.extensions import db
from core.jobs import job
from core.policy import versions


@job("policy.sync_shared_wording", every=timedelta(hours=6))
def sync_shared_wording(now) -> int:
    """Drafts for the tenants whose policy the shared wording now words differently (idempotent)."""
    made = versions.sync_all()
    db.session.commit()
    return len(made)
