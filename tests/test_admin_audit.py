"""Tenant admins browse and filter their audit log; bad filter values get a message, not a 500."""
from datetime import datetime

import sqlalchemy as sa

from core import audit
from core.calendar import RIYADH
from core.models import AuditEntry
from core.tenancy import tenant_scope
from tests.helpers import app_ctx, login, make_user


def _entries(app, tenant_id):
    officer = make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    with app_ctx(app) as session, tenant_scope(tenant_id):
        old = audit.record("beneficiary.create", object_type="Beneficiary", object_id="1", actor=None)
        new = audit.record("request.decide", object_type="SupportRequest", object_id="7")
        new.actor_id = officer  # set before the insert: the audit log cannot be updated afterwards
        old.created_at = datetime(2026, 1, 10, 9, 0, tzinfo=RIYADH)
        new.created_at = datetime(2026, 3, 5, 9, 0, tzinfo=RIYADH)
        session.commit()


def test_filters_by_action_person_and_day(app, client, tenant_a):
    _entries(app, tenant_a)
    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    login(client, "admin@alpha.example")

    def shown(query):
        response = client.get(f"/alpha/admin/audit?lang=en&{query}")
        assert response.status_code == 200
        html = response.get_data(as_text=True).split('<table class="table table-sm audit">')[1]
        # a known action shows its label; an unknown code (request.decide is no action) shows as it is
        return {a for a, text in (("beneficiary.create", "Opened a file"), ("request.decide", "request.decide"))
                if text in html}

    assert shown("") == {"beneficiary.create", "request.decide"}
    assert shown("action=request.") == {"request.decide"}
    assert shown("actor=officer@") == {"request.decide"}
    assert shown("since=2026-02-01") == {"request.decide"}
    assert shown("until=2026-01-10") == {"beneficiary.create"}
    assert shown("since=2026-01-11&until=2026-03-04") == set()


def test_a_bad_date_gets_a_message_on_its_field(app, client, tenant_a):
    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    login(client, "admin@alpha.example")
    response = client.get("/alpha/admin/audit?since=yesterday")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="filter-since-error"' in html and "اكتب التاريخ يومًا/شهرًا/سنة" in html


def test_viewing_an_entry_is_itself_audited(app, client, tenant_a):
    _entries(app, tenant_a)
    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    login(client, "admin@alpha.example")
    with app_ctx(app) as session, tenant_scope(tenant_a):
        entry_id = session.scalar(sa.select(AuditEntry.id).where(AuditEntry.action == "request.decide"))
    assert client.get(f"/alpha/admin/audit/{entry_id}").status_code == 200
    with app_ctx(app) as session, tenant_scope(tenant_a):
        assert session.scalar(sa.select(AuditEntry.object_id).where(AuditEntry.action == "audit.view")) == str(
            entry_id)
