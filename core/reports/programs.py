"""Dashboard figures for programs (where the association runs them): registrations by state and program."""
from collections import Counter

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.extensions import db
from core.programs import enabled
from core.programs.models import Program, Registration
from core.programs.states import RegistrationState
from core.reports.figures import Figure, Series
from core.reports.periods import Period


def program_figures(tenant, period: Period) -> list[Figure]:
    """Registrations made in the period, by state, and enrolments by program; nothing without the module."""
    if not enabled(tenant):
        return []
    rows = db.session.execute(
        sa.select(Registration.state, Program.title)
        .join(Program, sa.and_(Program.tenant_id == Registration.tenant_id, Program.id == Registration.program_id))
        .where(Registration.created_at >= period.start_utc, Registration.created_at < period.end_utc)).all()
    by_state = Counter(state for state, _title in rows)
    enrolled = Counter(title for state, title in rows if state == RegistrationState.enrolled)
    states = [s for s in RegistrationState if by_state[s]]
    count = str(_l("Registrations"))
    titles = sorted(enrolled, key=lambda t: -enrolled[t])
    return [
        Figure("program_registrations", str(_l("Program registrations by state")), "bar",
               [str(s.label) if hasattr(s, "label") else str(s) for s in states],
               [Series(count, [by_state[s] for s in states])]),
        Figure("program_enrolments", str(_l("Enrolled participants by program")), "bar", titles,
               [Series(str(_l("Enrolled")), [enrolled[t] for t in titles])]),
    ]
