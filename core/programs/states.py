"""The two state machines of programs: the program itself and one person's registration.

A registration of a registration program:  submitted ─► (incomplete ─►) seat
An interview program:  submitted ─► (incomplete ─►) shortlisted ─► interview_scheduled ─► seat | rejected
where "seat" is enrolled, awaiting_fee (a seat held until the fee is confirmed) or waitlisted when the
program is full; a freed seat goes at once to the first on the waiting list.
"""
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from core.roles import Role


class ProgramState(StrEnum):
    draft = "draft"
    published = "published"
    registration_closed = "registration_closed"
    completed = "completed"
    cancelled = "cancelled"

    @property
    def label(self):
        return PROGRAM_STATE_LABELS[self]


PROGRAM_STATE_LABELS = {
    ProgramState.draft: _l("Draft"),
    ProgramState.published: _l("Announced, registration open"),
    ProgramState.registration_closed: _l("Registration closed"),
    ProgramState.completed: _l("Completed"),
    ProgramState.cancelled: _l("Cancelled"),
}


class ProgramAction(StrEnum):
    publish = "publish"
    close_registration = "close_registration"
    reopen_registration = "reopen_registration"
    complete = "complete"
    cancel = "cancel"

    @property
    def label(self):
        return PROGRAM_ACTION_LABELS[self]


PROGRAM_ACTION_LABELS = {
    ProgramAction.publish: _l("Announce and open registration"),
    ProgramAction.close_registration: _l("Close registration"),
    ProgramAction.reopen_registration: _l("Reopen registration"),
    ProgramAction.complete: _l("Mark the program completed"),
    ProgramAction.cancel: _l("Cancel the program"),
}

#: Who runs programs (announce, change, close); who handles registrations, fees and attendance;
#: who may record an interview's outcome.
MANAGERS = frozenset({Role.relations_officer, Role.executive_director})
REGISTRARS = frozenset({Role.relations_officer, Role.social_researcher, Role.executive_director})
INTERVIEWERS = REGISTRARS | {Role.reviewer}


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    #: The state reached; None: a seat is allocated (enrolled, awaiting_fee or waitlisted).
    target: object
    roles: frozenset


P = ProgramState
PROGRAM_TRANSITIONS: dict[ProgramAction, Transition] = {
    ProgramAction.publish: Transition(frozenset({P.draft}), P.published, MANAGERS),
    ProgramAction.close_registration: Transition(frozenset({P.published}), P.registration_closed, MANAGERS),
    ProgramAction.reopen_registration: Transition(frozenset({P.registration_closed}), P.published, MANAGERS),
    ProgramAction.complete: Transition(frozenset({P.published, P.registration_closed}), P.completed, MANAGERS),
    ProgramAction.cancel: Transition(frozenset({P.draft, P.published, P.registration_closed}), P.cancelled,
                                     MANAGERS),
}

#: Programs whose registrations, interviews and attendance are still being worked on.
RUNNING = frozenset({P.published, P.registration_closed})


class RegistrationState(StrEnum):
    submitted = "submitted"
    incomplete = "incomplete"
    shortlisted = "shortlisted"
    interview_scheduled = "interview_scheduled"
    awaiting_fee = "awaiting_fee"
    enrolled = "enrolled"
    waitlisted = "waitlisted"
    rejected = "rejected"
    withdrawn = "withdrawn"

    @property
    def label(self):
        return REGISTRATION_STATE_LABELS[self]


REGISTRATION_STATE_LABELS = {
    RegistrationState.submitted: _l("Submitted, data to check"),
    RegistrationState.incomplete: _l("Data incomplete"),
    RegistrationState.shortlisted: _l("Shortlisted for an interview"),
    RegistrationState.interview_scheduled: _l("Interview scheduled"),
    RegistrationState.awaiting_fee: _l("Seat held, fee to confirm"),
    RegistrationState.enrolled: _l("Enrolled"),
    RegistrationState.waitlisted: _l("On the waiting list"),
    RegistrationState.rejected: _l("Not accepted"),
    RegistrationState.withdrawn: _l("Withdrawn"),
}

R = RegistrationState
#: States that take one of the program's seats.
SEATED = frozenset({R.awaiting_fee, R.enrolled})
CLOSED = frozenset({R.rejected, R.withdrawn})


class Action(StrEnum):
    mark_incomplete = "mark_incomplete"
    confirm_complete = "confirm_complete"
    shortlist = "shortlist"
    schedule_interview = "schedule_interview"
    accept = "accept"
    reject = "reject"
    confirm_fee = "confirm_fee"
    withdraw = "withdraw"

    @property
    def label(self):
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.mark_incomplete: _l("Data incomplete: tell the registrant what is missing"),
    Action.confirm_complete: _l("Data complete: give a seat"),
    Action.shortlist: _l("Data complete: shortlist for an interview"),
    Action.schedule_interview: _l("Schedule the interview"),
    Action.accept: _l("Accept after the interview"),
    Action.reject: _l("Do not accept"),
    Action.confirm_fee: _l("Confirm the fee and issue the receipt voucher"),
    Action.withdraw: _l("Withdraw the registration"),
}

OPEN = frozenset(RegistrationState) - CLOSED
TRANSITIONS: dict[Action, Transition] = {
    Action.mark_incomplete: Transition(frozenset({R.submitted}), R.incomplete, REGISTRARS),
    Action.confirm_complete: Transition(frozenset({R.submitted, R.incomplete}), None, REGISTRARS),
    Action.shortlist: Transition(frozenset({R.submitted, R.incomplete}), R.shortlisted, REGISTRARS),
    Action.schedule_interview: Transition(frozenset({R.shortlisted, R.interview_scheduled}), R.interview_scheduled,
                                          REGISTRARS),
    Action.accept: Transition(frozenset({R.interview_scheduled}), None, INTERVIEWERS),
    Action.reject: Transition(frozenset({R.submitted, R.incomplete, R.shortlisted, R.interview_scheduled}),
                              R.rejected, INTERVIEWERS),
    Action.confirm_fee: Transition(frozenset({R.awaiting_fee}), R.enrolled, REGISTRARS),
    Action.withdraw: Transition(OPEN, R.withdrawn, REGISTRARS),
}

#: Actions that belong to one kind of program only (True: interview programs).
INTERVIEW_ONLY = frozenset({Action.shortlist, Action.schedule_interview, Action.accept})
REGISTRATION_ONLY = frozenset({Action.confirm_complete})


def possible(registration, program, roles) -> list[Action]:
    """The actions these roles may take on this registration now, in table order."""
    found = []
    for action, transition in TRANSITIONS.items():
        if registration.state not in transition.sources or not transition.roles & set(roles):
            continue
        if action in INTERVIEW_ONLY and not program.requires_interview:
            continue
        if action in REGISTRATION_ONLY and program.requires_interview:
            continue
        found.append(action)
    return found


def program_actions(program, roles) -> list[ProgramAction]:
    return [a for a, t in PROGRAM_TRANSITIONS.items() if program.state in t.sources and t.roles & set(roles)]
