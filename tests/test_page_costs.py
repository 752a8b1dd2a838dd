"""What the staff pages cost does not grow with the data (queries per page), and what made them cheaper keeps
them correct: the work queues counted in one query, the tenant hint that skips a round trip.

Speed itself is measured by bench/http_pages.py, never by a timed test.
"""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core import tenants
from core.beneficiaries.models import Beneficiary, HouseholdMember
from core.extensions import db
from core.models import Tenant
from core.models.base import utcnow
from core.tenancy import cross_tenant_scope, tenant_scope
from core.workflow import queries
from core.workflow.models import Interaction, Referral, SupportRequest
from tests.helpers import app_ctx, post_form
from tests.test_search import QueryCounter, _make_files
from tests.test_staff_helpers import open_file, open_request, staff_client

ROLES = ["relations_officer", "reviewer", "referral_officer", "executive_director"]


@pytest.fixture
def officer(app, tenant_a):
    client = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    file_id = open_file(client, "alpha", name="أحمد بن سعيد", national_id="1058529940", mobile="0501234567")
    open_request(client, "alpha", file_id, "phone")
    return client


def _count(app, send):
    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as counter:
        response = send()
        assert response.status_code == 200, response.status_code
    return counter.count, getattr(counter, "statements", [])


def _grow(app, file_id, n, start=200):
    """n more timeline lines, household members, referrals and requests on one file, and n more files."""
    with app_ctx(app):
        with cross_tenant_scope():
            tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "alpha"))
        with tenant_scope(tenant):
            last = db.session.scalar(sa.select(sa.func.count()).select_from(SupportRequest))
            for i in range(n):
                request = SupportRequest(reference=f"2026-{900 + last + i:05d}", beneficiary_id=file_id,
                                         state=["received", "under_review", "accepted", "declared"][i % 4],
                                         channel="phone", service="financial_aid",
                                         decision_due=(utcnow() + timedelta(days=i - 3)).date(),
                                         decided_at=utcnow() if i % 4 == 2 else None)
                db.session.add(request)
                db.session.add(HouseholdMember(beneficiary_id=file_id, relation="son", name=f"ابن {i}"))
                db.session.add(Referral(beneficiary_id=file_id, question=f"سؤال {i}"))
                db.session.add(Interaction(beneficiary_id=file_id, kind="contact", channel="phone",
                                           direction="in", summary=f"اتصال {i}"))
            db.session.commit()
    _make_files(app, n, start)


def _first_file(app):
    with app_ctx(app), cross_tenant_scope():
        return db.session.scalar(sa.select(Beneficiary.id).order_by(Beneficiary.id))


@pytest.mark.parametrize("page", ["work queues", "name search", "ID search", "file detail", "request detail",
                                  "requests list", "files list"])
def test_staff_pages_run_the_same_number_of_queries_with_more_data(app, officer, page):
    file_id = _first_file(app)
    with app_ctx(app), cross_tenant_scope():
        request_id = db.session.scalar(sa.select(SupportRequest.id).order_by(SupportRequest.id))
    sends = {
        "work queues": lambda: officer.get("/alpha/staff/"),
        "name search": lambda: post_form(officer, "/alpha/staff/search", {"q": "مستفيد"}),
        "ID search": lambda: post_form(officer, "/alpha/staff/search", {"q": "1058529940"}),
        "file detail": lambda: officer.get(f"/alpha/staff/beneficiaries/{file_id}"),
        "request detail": lambda: officer.get(f"/alpha/staff/requests/{request_id}"),
        "requests list": lambda: officer.get("/alpha/staff/requests"),
        "files list": lambda: officer.get("/alpha/staff/beneficiaries"),
    }
    _grow(app, file_id, 2)
    officer.get("/alpha/staff/")  # the first page of a process warms caches; compare steady pages
    few, before = _count(app, sends[page])
    _grow(app, file_id, 30, start=400)
    many, after = _count(app, sends[page])
    assert many == few, [s for s in after if s not in before]


def test_the_work_queues_show_the_same_totals_as_each_queue_counted_alone(app, officer):
    _grow(app, _first_file(app), 12)
    page = officer.get("/alpha/staff/").get_data(as_text=True)
    names = ["new", "documents", "ready", "decision", "to_serve", "not_notified", "referrals"]
    with app.test_request_context(), cross_tenant_scope():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "alpha"))
    with app.test_request_context(), tenant_scope(tenant):
        db.session.execute(sa.select(1))  # the transaction (and on PostgreSQL its tenant setting) begun
        with QueryCounter(db.engine) as counter:
            together = queries.queues(names)
        assert counter.count == 1  # every queue's total and first rows, and the files' names, in one query
        alone = [queries.queue(name) for name in names]
    assert [total for _rows, total in together] == [total for _rows, total in alone]
    assert [[r.id for r in rows] for rows, _total in together] == [[r.id for r in rows] for rows, _total in alone]
    totals = dict(zip(names, [total for _rows, total in alone], strict=True))
    assert totals["new"] >= 4 and totals["decision"] == 3 and totals["referrals"] == 12
    section = page.split('id="queue-new"')[1].split("</section>")[0]
    assert f'queue-count">{totals["new"]}<' in section
    referrals = page.split('id="queue-referrals"')[1].split("</section>")[0]
    assert "أحمد بن سعيد" in referrals and "سؤال 0" in referrals
    decision = page.split('id="queue-decision"')[1].split("</section>")[0]
    assert "2026-" in decision and "أحمد بن سعيد" in decision


def test_a_tenant_suspended_or_renamed_after_its_pages_were_served_is_not_served_by_its_old_slug(app, officer):
    assert officer.get("/alpha/staff/").status_code == 200  # the slug's tenant is now remembered
    with app_ctx(app), cross_tenant_scope():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "alpha"))
        tenants.suspend(tenant)
        db.session.commit()
    assert officer.get("/alpha/staff/").status_code == 404
    with app_ctx(app), cross_tenant_scope():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "alpha"))
        tenants.resume(tenant)
        tenant.slug = "alpha-renamed"
        db.session.commit()
    assert officer.get("/alpha/staff/").status_code == 404
    assert officer.get("/alpha-renamed/staff/").status_code == 200


def test_a_slug_taken_over_by_another_tenant_shows_that_tenants_data_and_roles_only(app, officer, tenant_b):
    assert "أحمد بن سعيد" in officer.get("/alpha/staff/beneficiaries").get_data(as_text=True)
    with app_ctx(app), cross_tenant_scope():
        alpha = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "alpha"))
        beta = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "beta"))
        alpha.slug = "alpha-old"
        db.session.flush()
        beta.slug = "alpha"
        db.session.commit()
    # The remembered id now names another tenant: the officer has no role in it, so it is not found.
    assert officer.get("/alpha/staff/beneficiaries").status_code == 404
    page = officer.get("/alpha-old/staff/beneficiaries")
    assert page.status_code == 200 and "أحمد بن سعيد" in page.get_data(as_text=True)


def test_a_pooled_connection_the_database_dropped_while_idle_is_replaced_before_use(app, officer):
    import time

    assert officer.get("/alpha/staff/").status_code == 200
    with app.app_context():
        pool = db.engine.pool
    for record in list(pool._pool.queue):  # as a database restart would leave them: closed under the pool
        record.dbapi_connection.close()
    time.sleep(app.config["DB_PING_AFTER_IDLE"] + 0.1)
    assert officer.get("/alpha/staff/").status_code == 200
    assert officer.get("/alpha/staff/beneficiaries").status_code == 200



def _statements_of(app, send) -> tuple[str, list[str]]:
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    statements = []

    def keep(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        response = send()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True), statements


def test_a_signed_in_page_reads_session_tenant_roles_and_unread_count_in_one_query(app, officer):
    officer.get("/alpha/staff/")  # the slug's tenant is remembered from here on
    _page, statements = _statements_of(app, lambda: officer.get("/alpha/staff/requests"))
    about_session = [s for s in statements if "auth_sessions" in s]
    assert len(about_session) == 1 and "tenant_roles" in about_session[0] and "notifications" in about_session[0]
    assert not [s for s in statements if s.startswith("SELECT tenants.")], "the tenant was read a second time"
    assert not [s for s in statements if "FROM notifications" in s and "auth_sessions" not in s]


def test_addresses_remembered_for_one_association_are_not_given_to_another(app, officer, tenant_b):
    """The templates' url_for remembers addresses per tenant: beta's pages link to beta, never to alpha."""
    staff_b = staff_client(app, "officer@beta.test", "beta", ROLES)
    alpha = officer.get("/alpha/staff/requests").get_data(as_text=True)
    beta = staff_b.get("/beta/staff/requests").get_data(as_text=True)
    assert 'href="/alpha/staff/beneficiaries"' in alpha
    assert 'href="/beta/staff/beneficiaries"' in beta and "/alpha/" not in beta


# --- a page's lists are asked for only when they hold something ---------------------------------------

FILE_LISTS = {"household_members": "household", "income_sources": "incomes", "support_requests": "requests",
              "referrals": "referrals", "outbox_messages": "messages", "interactions": "timeline"}


def _lists_asked(statements, tables) -> set[str]:
    """The tables among `tables` that a statement of the page listed rows of (not an EXISTS inside another)."""
    return {t for t in tables for s in statements if s.startswith(f"SELECT {t}.")}


def _alpha_scope(app):
    with cross_tenant_scope():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "alpha"))
    return tenant_scope(tenant)


def test_a_file_page_asks_only_for_the_lists_that_hold_something_and_shows_each_that_does(app, officer):
    from decimal import Decimal

    from core.beneficiaries.models import IncomeSource
    from core.messaging.models import OutboxMessage

    client = officer
    new_file = open_file(client, "alpha", name="سعاد ناصر القحطاني", national_id="1000000008", mobile="")
    page, statements = _statements_of(app, lambda: client.get(f"/alpha/staff/beneficiaries/{new_file}"))
    assert "سعاد ناصر القحطاني" in page
    with app_ctx(app), _alpha_scope(app):
        holding = {table for table in FILE_LISTS if db.session.execute(sa.text(
            f"SELECT 1 FROM {table} WHERE beneficiary_id = :f LIMIT 1"), {"f": new_file}).first()}
    assert _lists_asked(statements, FILE_LISTS) == holding
    assert {"household_members", "income_sources", "referrals", "support_requests"}.isdisjoint(holding)

    with app_ctx(app), _alpha_scope(app):
        db.session.add_all([
            HouseholdMember(beneficiary_id=new_file, relation="son", name="فيصل سعاد"),
            IncomeSource(beneficiary_id=new_file, kind="salary", monthly_amount=Decimal("3456.00")),
            Referral(beneficiary_id=new_file, question="هل الأسرة مستحقة للسلة الغذائية؟"),
            Interaction(beneficiary_id=new_file, kind="contact", channel="phone", direction="in",
                        summary="اتصلت تسأل عن موعد الزيارة"),
            OutboxMessage(beneficiary_id=new_file, kind="code", medium="sms", recipient="0501234567",
                          language="ar", subject="رسالة تجريبية للملف", body="نص")])
        db.session.commit()
    request_id = open_request(client, "alpha", new_file, "phone")
    page, statements = _statements_of(app, lambda: client.get(f"/alpha/staff/beneficiaries/{new_file}"))
    assert _lists_asked(statements, FILE_LISTS) == set(FILE_LISTS)
    for shown in ("فيصل سعاد", "3,456", "هل الأسرة مستحقة للسلة الغذائية؟", "اتصلت تسأل عن موعد الزيارة",
                  "رسالة تجريبية للملف", f"/alpha/staff/requests/{request_id}"):
        assert shown in page, shown


REQUEST_LISTS = ("request_documents", "attachments", "outbox_messages", "household_members", "income_sources")


def test_a_request_page_names_its_people_and_asks_only_for_the_lists_that_hold_something(app, officer):
    from decimal import Decimal

    from core.beneficiaries.models import IncomeSource

    client = officer
    new_file = open_file(client, "alpha", name="مها سالم الدوسري", national_id="1000000016", mobile="")
    request_id = open_request(client, "alpha", new_file, "phone")
    page, statements = _statements_of(app, lambda: client.get(f"/alpha/staff/requests/{request_id}"))
    assert not [s for s in statements if s.startswith("SELECT users.id, users.name FROM")], "people read on their own"
    with app_ctx(app), _alpha_scope(app):
        officer_name = db.session.scalar(sa.text("SELECT name FROM users WHERE email = 'officer@alpha.test'"))
        holding = {table for table in REQUEST_LISTS if db.session.execute(sa.text(
            f"SELECT 1 FROM {table} WHERE " + ("beneficiary_id = :f" if table in ("household_members", "income_sources")
                                              else "request_id = :r") + " LIMIT 1"),
            {"f": new_file, "r": request_id}).first()}
    assert officer_name in page  # who received the request
    assert _lists_asked(statements, REQUEST_LISTS) == holding
    assert "household-member" not in page

    with app_ctx(app), _alpha_scope(app):
        db.session.add_all([HouseholdMember(beneficiary_id=new_file, relation="daughter", name="ريم مها"),
                            IncomeSource(beneficiary_id=new_file, kind="salary", monthly_amount=Decimal("2100.00"))])
        db.session.commit()
    page, statements = _statements_of(app, lambda: client.get(f"/alpha/staff/requests/{request_id}"))
    assert {"household_members", "income_sources"} <= _lists_asked(statements, REQUEST_LISTS)
    assert "ريم مها" in page and "2,100" in page


# --- one tenant-scoped form of each statement, whatever the number of associations ---------------------

def test_pages_of_many_associations_share_one_scoped_statement_and_each_sees_only_its_own_rows(app, officer, tenant_b):
    from core import tenancy

    beta = staff_client(app, "officer@beta.test", "beta", ROLES)
    open_file(beta, "beta", name="نورة بنت خالد", national_id="1000000008", mobile="0509876543")
    officer.get("/alpha/staff/beneficiaries")
    beta.get("/beta/staff/beneficiaries")
    kept = tenancy._reused_scoped.cache_info().currsize
    for _ in range(3):
        alpha_page = officer.get("/alpha/staff/beneficiaries").get_data(as_text=True)
        beta_page = beta.get("/beta/staff/beneficiaries").get_data(as_text=True)
        assert "أحمد بن سعيد" in alpha_page and "نورة بنت خالد" not in alpha_page
        assert "نورة بنت خالد" in beta_page and "أحمد بن سعيد" not in beta_page
    assert tenancy._reused_scoped.cache_info().currsize == kept  # not one more per association


def test_a_statement_limited_to_the_scopes_tenant_fails_when_run_without_the_tenant(app, officer):
    from sqlalchemy.exc import StatementError

    from core import tenancy

    with app_ctx(app), _alpha_scope(app):
        limited = sa.select(Beneficiary).options(tenancy.IN_SCOPE_TENANT)
        assert db.session.scalars(limited).all()  # the scope gives the tenant
        with pytest.raises(StatementError, match="wasl_scope_tenant"):
            db.session.execute(limited, execution_options={"_wasl_unscoped": True})
