"""When each registered job last ran: a platform table (jobs cross tenants themselves)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.base import UTCDateTime


class JobRun(db.Model):
    """One row per job name; the lease (`running_until`) keeps two runners from running a job at once."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: How many things the last run changed (the job's return value).
    last_changed: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    #: Set while a runner holds the job; a runner that died frees it when this time has passed.
    running_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
