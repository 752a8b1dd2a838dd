"""The file's lifecycle: one Enum, one transition table (who may move a file, from where, to where)."""
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from core.roles import Role


class FileStatus(StrEnum):
    active = "active"
    frozen = "frozen"
    exclusion_due = "exclusion_due"
    excluded = "excluded"
    closed = "closed"
    transferred = "transferred"

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    FileStatus.active: _l("Active"),
    FileStatus.frozen: _l("Frozen"),
    FileStatus.exclusion_due: _l("Exclusion due"),
    FileStatus.excluded: _l("Excluded"),
    FileStatus.closed: _l("Closed"),
    FileStatus.transferred: _l("Transferred"),
}

#: Files that still count as the association's beneficiaries (and answer "registered elsewhere" checks).
LIVE = frozenset({FileStatus.active, FileStatus.frozen, FileStatus.exclusion_due})


class FileAction(StrEnum):
    freeze = "freeze"
    lift_freeze = "lift_freeze"
    freeze_expired = "freeze_expired"
    exclude = "exclude"
    death = "death"


STAFF = frozenset({Role.relations_officer, Role.social_researcher, Role.executive_director})
MANAGEMENT = frozenset({Role.reviewer, Role.executive_director})
SYSTEM = frozenset()  # only a job takes this step


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    roles: frozenset


F = FileStatus
TRANSITIONS = {
    FileAction.freeze: Transition(frozenset({F.active}), STAFF),
    FileAction.lift_freeze: Transition(frozenset({F.frozen, F.exclusion_due}), STAFF),
    FileAction.freeze_expired: Transition(frozenset({F.frozen}), SYSTEM),
    # Exclusion is always a person's decision: management decides, from any live state.
    FileAction.exclude: Transition(LIVE, MANAGEMENT),
    FileAction.death: Transition(LIVE, STAFF),
}


def allowed(action: FileAction, status: str, roles) -> bool:
    t = TRANSITIONS[action]
    return status in t.sources and bool(t.roles & set(map(str, roles)))


#: Request actions that serve the file: blocked while the file is not active (frozen, excluded …).
def service_refusal(status: str) -> str | None:
    from flask_babel import gettext as _

    if status == FileStatus.active:
        return None
    return _("The file is “{status}”: no service can be given on it.").format(status=FileStatus(status).label)


def new_request_refusal(status: str) -> str | None:
    from flask_babel import gettext as _

    if status == FileStatus.active:
        return None
    return _("This file is “{status}”: it cannot take a new request.").format(status=FileStatus(status).label)
