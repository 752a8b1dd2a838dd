"""Staff routes: the satisfaction survey's results (aggregates only, never who answered what)."""
import sqlalchemy as sa
from flask import g
from flask_babel import gettext as _

from blueprints.staff.base import READERS, bp, show
from core.extensions import db
from core.i18n import locale_code
from core.models import User
from core.roles import Role
from core.settings import channels
from core.surveys import results
from core.surveys.questions import labels
from core.web import roles_required
from core.workflow.services import service_labels


def result_sections(start=None, end=None) -> list:
    """(id, title, first column, [(group label, Row)]) per dimension: the page's tables and the export's rows."""
    locale = locale_code()
    by_staff = results.by("staff", start, end)
    staff_ids = [r.key for r in by_staff if r.key is not None]
    people = {row.id: row.name
              for row in db.session.execute(sa.select(User.id, User.name).where(User.id.in_(staff_ids)))}
    services = service_labels(g.tenant)
    channel_names = {c.code: c.label(locale) for c in channels(g.tenant)}
    questions = labels(g.tenant, locale)
    sections = [
        ("question", _("By question"), _("Question"),
         [(questions.get(r.key, r.key), r) for r in results.by_question(start, end).values()]),
        ("month", _("By month"), _("Month"), [(r.key.strftime("%Y-%m"), r) for r in results.by("month", start, end)]),
        ("service", _("By service"), _("Service"),
         [(services.get(r.key, r.key) if r.key else _("Programmes"), r) for r in results.by("service", start, end)]),
        ("channel", _("By channel"), _("Channel"),
         [(channel_names.get(r.key, r.key) if r.key else "—", r) for r in results.by("channel", start, end)]),
        ("staff", _("By staff member"), _("Staff member"), [(people.get(r.key, "—"), r) for r in by_staff]),
    ]
    return sections


@bp.get("/surveys")
@roles_required(*READERS, Role.tenant_admin)
def survey_results():
    return show("staff/surveys.html", total=results.total(), sections=result_sections(), comments=results.comments(),
                service_names=service_labels(g.tenant), min_group=results.MIN_GROUP)
