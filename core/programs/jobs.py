"""Time-based work of programs: reminders before each session day (the task queue or cron runs it)."""
from datetime import datetime, timedelta

import sqlalchemy as sa

from core import audit
from core.calendar import local_date
from core.extensions import db
from core.jobs import job, tenants_with_module
from core.messaging.compose import plain_dual_date
from core.programs import enabled, messages
from core.programs.attendance import enrolled
from core.programs.models import Program, ProgramSession
from core.programs.states import RUNNING

#: Reminders go out on the day before a session.
REMIND_DAYS_BEFORE = 1


@job("programs.session_reminders", every=timedelta(hours=1), module="program_registration")
def session_reminders(now: datetime) -> int:
    """Remind every enrolled participant of tomorrow's session, once per session (idempotent)."""
    sent = 0
    day = local_date(now) + timedelta(days=REMIND_DAYS_BEFORE)
    for tenant in tenants_with_module():
        if not enabled(tenant):
            continue
        due = db.session.scalars(
            sa.select(ProgramSession).join(Program, sa.and_(Program.tenant_id == ProgramSession.tenant_id,
                                                            Program.id == ProgramSession.program_id))
            .where(ProgramSession.day == day, ProgramSession.cancelled.is_(False),
                   ProgramSession.reminder_sent_at.is_(None), Program.state.in_(list(RUNNING)))).all()
        for session in due:
            # Claim the session first: a second worker running at the same moment updates no row.
            claimed = db.session.execute(
                sa.update(ProgramSession).where(ProgramSession.id == session.id,
                                                ProgramSession.reminder_sent_at.is_(None))
                .values(reminder_sent_at=now).execution_options(synchronize_session=False)).rowcount
            if not claimed:
                continue
            program = db.session.get(Program, (tenant.id, session.program_id))
            count = 0
            for registration, person in enrolled(program):
                language = person.language or "ar"
                extra = {**messages.when(program, language), "date": plain_dual_date(session.day, language)}
                if messages.enqueue("program_reminder", tenant, program, registration, person, **extra):
                    count += 1
            audit.record("program.session.reminders", session, after={
                "program": program.id, "day": session.day.isoformat(), "messages": count}, actor=None)
            sent += count
        db.session.commit()
    return sent
