"""A file's timeline: its entries, filtered by what staff look for, grouped by local day."""
from __future__ import annotations

from functools import lru_cache
from itertools import groupby

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from core.calendar import local_date
from core.extensions import db
from core.models import User
from core.tenancy import reused
from core.workflow.models import Interaction

#: The filter's choices: (code, label, kinds shown). "all" shows everything.
FILTERS = {
    "all": (_l("All"), None),
    "contacts": (_l("Contacts"), ("contact",)),
    "states": (_l("State changes"), ("state",)),
    "documents": (_l("Documents"), ("document",)),
    "messages": (_l("Messages"), ("message",)),
}
LIMIT = 200


def chosen(value: str | None) -> str:
    return value if value in FILTERS else "all"


def entries(beneficiary_id: int, choice: str = "all") -> list[Interaction]:
    return list(db.session.scalars(_entries_statement(chosen(choice)), {"file_id": beneficiary_id}))


@lru_cache(maxsize=len(FILTERS))
def _entries_statement(choice: str) -> sa.Select:
    """Built once per filter (building it cost about as much as running it); the file's id is `:file_id`."""
    # The author's name only; the request's reference the page takes from the file's requests it lists.
    query = (sa.select(Interaction).where(Interaction.beneficiary_id == sa.bindparam("file_id"))
             .options(joinedload(Interaction.user).load_only(User.id, User.name)))
    kinds = FILTERS[choice][1]
    if kinds:
        query = query.where(Interaction.kind.in_(kinds))
    return reused(query.order_by(Interaction.id.desc()).limit(LIMIT))


def by_day(items) -> list[tuple]:
    """[(local day, [entries of that day])], newest first: the date is said once per day, not per line."""
    return [(day, list(group)) for day, group in groupby(items, key=lambda i: local_date(i.occurred_at))]


def local_time(value) -> str:
    """HH:mm in Riyadh time, for a line under its day's heading."""
    from flask_babel import format_time

    from core.calendar import RIYADH

    local = value.astimezone(RIYADH) if value.tzinfo else value
    return format_time(local.time(), "HH:mm")
