"""The support request state machine: one Enum, one transition table, guards by role and state."""
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from core.roles import Role


class RequestState(StrEnum):
    received = "received"
    documents_pending = "documents_pending"
    declared = "declared"
    under_review = "under_review"
    accepted = "accepted"
    rejected = "rejected"
    registered = "registered"
    served = "served"
    closed = "closed"
    withdrawn = "withdrawn"

    @property
    def label(self):
        return STATE_LABELS[self]


STATE_LABELS = {
    RequestState.received: _l("Received"),
    RequestState.documents_pending: _l("Waiting for documents"),
    RequestState.declared: _l("Declaration signed"),
    RequestState.under_review: _l("Under review"),
    RequestState.accepted: _l("Accepted"),
    RequestState.rejected: _l("Rejected"),
    RequestState.registered: _l("Registered"),
    RequestState.served: _l("Served"),
    RequestState.closed: _l("Closed"),
    RequestState.withdrawn: _l("Withdrawn"),
}

#: States in which a request is still open (counts in work queues).
OPEN_STATES = frozenset(RequestState) - {RequestState.closed, RequestState.withdrawn, RequestState.served,
                                          RequestState.rejected}
DECIDED_STATES = frozenset({RequestState.accepted, RequestState.rejected, RequestState.registered,
                            RequestState.served, RequestState.closed})


class Action(StrEnum):
    check_documents = "check_documents"
    declare = "declare"
    send_to_review = "send_to_review"
    accept = "accept"
    reject = "reject"
    register = "register"
    serve = "serve"
    close = "close"
    withdraw = "withdraw"

    @property
    def label(self):
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.check_documents: _l("Check the required documents"),
    Action.declare: _l("Record the declaration of accuracy"),
    Action.send_to_review: _l("Send for a decision"),
    Action.accept: _l("Accept"),
    Action.reject: _l("Reject"),
    Action.register: _l("Complete the registration"),
    Action.serve: _l("Record the service delivered"),
    Action.close: _l("Close the request"),
    Action.withdraw: _l("Withdraw the request"),
}

INTAKE = frozenset({Role.relations_officer, Role.social_researcher})
DECIDE = frozenset({Role.reviewer})
CLOSE = INTAKE | {Role.executive_director}


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: RequestState
    roles: frozenset


S = RequestState
TRANSITIONS: dict[Action, Transition] = {
    Action.check_documents: Transition(frozenset({S.received}), S.documents_pending, INTAKE),
    Action.declare: Transition(frozenset({S.documents_pending}), S.declared, INTAKE),
    Action.send_to_review: Transition(frozenset({S.declared}), S.under_review, INTAKE),
    Action.accept: Transition(frozenset({S.under_review}), S.accepted, DECIDE),
    Action.reject: Transition(frozenset({S.under_review}), S.rejected, DECIDE),
    Action.register: Transition(frozenset({S.accepted}), S.registered, INTAKE),
    Action.serve: Transition(frozenset({S.registered}), S.served, INTAKE),
    Action.close: Transition(frozenset({S.served, S.rejected}), S.closed, CLOSE),
    Action.withdraw: Transition(frozenset({S.received, S.documents_pending, S.declared, S.under_review}),
                                S.withdrawn, INTAKE),
}


def possible(state: str, roles) -> list[Action]:
    """The actions these roles may take on a request in this state, in table order."""
    return [a for a, t in TRANSITIONS.items() if state in t.sources and t.roles & set(roles)]
