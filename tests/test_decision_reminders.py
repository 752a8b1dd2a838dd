"""Reminders for overdue decisions: the manager it was sent to is e-mailed once a day per overdue request."""
from datetime import UTC, datetime

import sqlalchemy as sa
import time_machine

from core.extensions import db
from core.tenancy import tenant_scope
from core.workflow.models import DecisionReminder, Interaction
from tests.helpers import app_ctx
from tests.test_staff_helpers import act, receive_all_documents
from tests.welfare_helpers import make_welfare_tenant, open_file, open_request, staff_client, user_id

T0 = datetime(2026, 1, 4, 6, 0, tzinfo=UTC)


def _run(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "workflow.overdue_decision_reminders"])
    assert result.exit_code == 0, result.output
    return result.output


def test_an_overdue_decision_reminds_its_manager_once_a_day(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "MAIL_FILE_DIR", str(tmp_path))
    tenant_id = make_welfare_tenant(app, "rem", modules=[])
    with time_machine.travel(T0, tick=False):
        officer = staff_client(app, "officer@rem.test", "rem", ["relations_officer"])
        staff_client(app, "manager@rem.test", "rem", ["reviewer"])
        file_id = open_file(officer, "rem")
        request_id = open_request(officer, "rem", file_id, "phone")
        act(officer, "rem", request_id, "check_documents")
        receive_all_documents(app, officer, "rem", request_id)
        act(officer, "rem", request_id, "declare", method="in_person", signed="1")
        assert act(officer, "rem", request_id, "send_to_review",
                   manager_id=str(user_id(app, "manager@rem.test"))).status_code == 302
        assert "changed=0" in _run(app)  # due on 2026-01-18: not overdue yet
    with time_machine.travel(datetime(2026, 1, 19, 6, 0, tzinfo=UTC), tick=False):
        assert "changed=1" in _run(app)
        assert "changed=0" in _run(app)  # the same day again: nothing
    with time_machine.travel(datetime(2026, 1, 20, 6, 0, tzinfo=UTC), tick=False):
        assert "changed=1" in _run(app)
    mails = sorted(tmp_path.glob("*decision_overdue.eml"))
    assert len(mails) == 2 and "To: manager@rem.test" in mails[0].read_text()
    with app_ctx(app), tenant_scope(tenant_id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DecisionReminder)) == 2
        notes = db.session.scalars(sa.select(Interaction.summary).where(Interaction.kind == "reminder")).all()
        assert len(notes) == 2 and "manager" in notes[0] and "2026-01-18" in notes[0]
