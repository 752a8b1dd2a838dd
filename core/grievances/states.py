"""The complaint state machine: one Enum, one transition table; every action is the executive director's."""
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class ComplaintState(StrEnum):
    excuse_pending = "excuse_pending"
    received = "received"
    under_review = "under_review"
    decided = "decided"
    notified = "notified"
    closed = "closed"
    referred_to_investigation = "referred_to_investigation"

    @property
    def label(self):
        return STATE_LABELS[self]


STATE_LABELS = {
    ComplaintState.excuse_pending: _l("Late: the excuse awaits a decision"),
    ComplaintState.received: _l("Received"),
    ComplaintState.under_review: _l("Under review"),
    ComplaintState.decided: _l("Decided"),
    ComplaintState.notified: _l("Result notified"),
    ComplaintState.closed: _l("Closed"),
    ComplaintState.referred_to_investigation: _l("Referred to the investigation committee"),
}

#: Not yet decided: these count towards the 15-working-day deadline and the overdue queue.
OPEN_STATES = frozenset({ComplaintState.excuse_pending, ComplaintState.received, ComplaintState.under_review})


class Action(StrEnum):
    accept_excuse = "accept_excuse"
    refuse_excuse = "refuse_excuse"
    start_review = "start_review"
    decide = "decide"
    notify = "notify"
    close = "close"
    refer = "refer"

    @property
    def label(self):
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.accept_excuse: _l("Accept the excuse for filing late"),
    Action.refuse_excuse: _l("Refuse the excuse (the complaint is not considered)"),
    Action.start_review: _l("Start the review"),
    Action.decide: _l("Record the decision"),
    Action.notify: _l("Record how the result was told"),
    Action.close: _l("Close"),
    Action.refer: _l("Refer to the investigation committee (malicious complaint)"),
}


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: ComplaintState


S = ComplaintState
TRANSITIONS = {
    Action.accept_excuse: Transition(frozenset({S.excuse_pending}), S.received),
    Action.refuse_excuse: Transition(frozenset({S.excuse_pending}), S.closed),
    Action.start_review: Transition(frozenset({S.received}), S.under_review),
    Action.decide: Transition(frozenset({S.under_review}), S.decided),
    Action.notify: Transition(frozenset({S.decided}), S.notified),
    # Closing a decided complaint tells the result through the outbox first (bulk close).
    Action.close: Transition(frozenset({S.decided, S.notified}), S.closed),
    Action.refer: Transition(frozenset({S.under_review, S.decided}), S.referred_to_investigation),
}


def possible(state: str) -> list[Action]:
    return [a for a, t in TRANSITIONS.items() if state in t.sources]
