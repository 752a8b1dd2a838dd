"""The work queues (the staff home page) show each queue's first rows and its total, with a "see all" link
to the requests list filtered on that queue: exactly that queue's requests, in the queue's order, page by
page, of the tenant only."""
import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from core import tenants
from core.extensions import db
from core.tenancy import cross_tenant_scope, tenant_scope
from core.workflow import queries
from core.workflow.models import Referral, SupportRequest
from tests.helpers import app_ctx
from tests.test_staff_helpers import open_file, staff_client

ROLES = ["relations_officer", "reviewer", "referral_officer", "executive_director"]
START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def alpha(app, tenant_a):
    client = staff_client(app, "queues@alpha.test", "alpha", ROLES)
    client.file_id = open_file(client, "alpha", name="أحمد بن سعيد", national_id="1058529940", mobile="0501234567")
    return client


@pytest.fixture
def beta(app, tenant_b):
    client = staff_client(app, "queues@beta.test", "beta", ROLES)
    client.file_id = open_file(client, "beta", name="خالد الغامدي", national_id="1058529940", mobile="0501234568")
    return client


def _add(app, slug, file_id, rows: list[dict]) -> list[int]:
    """Requests on one file of a tenant, as given (state, dates); their ids in the order given."""
    with app_ctx(app):
        with cross_tenant_scope():
            tenant = tenants.by_slug(slug)
        with tenant_scope(tenant):
            first = db.session.scalar(sa.select(sa.func.count()).select_from(SupportRequest))
            made = [SupportRequest(reference=f"2026-{first + 100 + i:05d}", beneficiary_id=file_id, channel="phone",
                                   service="financial_aid", **row) for i, row in enumerate(rows)]
            db.session.add_all(made)
            db.session.commit()
            return [r.id for r in made]


def _expected(app, slug, condition, *order) -> list[int]:
    with app_ctx(app):
        with cross_tenant_scope():
            tenant = tenants.by_slug(slug)
        with tenant_scope(tenant):
            rows = db.session.execute(sa.select(SupportRequest.id, *order).where(condition)).all()
    # In Python, so the test does not lean on the database's order: a missing date last, then the id.
    return [row[0] for row in sorted(rows, key=lambda row: tuple((v is None, v) for v in row[1:]) + (row[0],))]


def _section(page: str, name: str) -> str:
    return page.split(f'id="queue-{name}"')[1].split("</section>")[0]


def _request_ids(page: str, slug: str) -> list[int]:
    return [int(i) for i in re.findall(rf'href="/{slug}/staff/requests/(\d+)"', page)]


def _walk(client, url: str, slug: str) -> tuple[list[int], int]:
    """Every request id of a list, following its "Next page" links; and how many pages it took."""
    ids, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        pages += 1
        ids += _request_ids(page.split("<tbody>")[1].split("</tbody>")[0], slug)
        following = re.search(r'class="btn btn-outline-secondary next-page" href="([^"]+)"', page)
        url = html.unescape(following.group(1)) if following else None
        assert pages < 10
    return ids, pages


def test_each_queue_shows_its_first_rows_then_a_link_to_all_of_them(app, alpha):
    new = _add(app, "alpha", alpha.file_id, [{"state": "received", "received_at": START + timedelta(days=8 - i)}
                                             for i in range(8)])
    _add(app, "alpha", alpha.file_id, [{"state": "under_review", "decision_due": date(2026, 9, 20)}] * 2)
    page = alpha.get("/alpha/staff/?lang=en").get_data(as_text=True)

    queue = _section(page, "new")
    # The oldest first, five of them, and all eight counted.
    assert _request_ids(queue, "alpha") == list(reversed(new))[:queries.QUEUE_SIZE] == list(reversed(new))[:5]
    assert 'queue-count">8<' in queue and "Showing 5 of 8." in queue
    assert 'href="/alpha/staff/requests?queue=new">See all 8</a>' in queue
    # A queue that shows all its rows has no such link.
    decision = _section(page, "decision")
    assert len(_request_ids(decision, "alpha")) == 2 and "queue-all" not in decision

    arabic = alpha.get("/alpha/staff/?lang=ar").get_data(as_text=True)
    assert "عرض الكل (8)" in _section(arabic, "new") and "يُعرض 5 من 8." in _section(arabic, "new")


def test_see_all_lists_exactly_the_queue_in_its_order_page_by_page_of_the_tenant_only(app, alpha, beta):
    today = date.today()
    # Sixty requests to decide, due dates shared by several (the id breaks ties), some overdue, two without
    # a due date (last); requests in other states around them; and the other tenant's requests to decide.
    rows = [{"state": "under_review", "decision_due": today + timedelta(days=i % 9 - 3)} for i in range(58)]
    rows += [{"state": "under_review", "decision_due": None}] * 2
    rows += [{"state": state} for state in ("received", "declared", "documents_pending", "accepted")]
    _add(app, "alpha", alpha.file_id, rows[::-1])
    theirs = _add(app, "beta", beta.file_id, [{"state": "under_review", "decision_due": today - timedelta(days=9)}] * 3)

    expected = _expected(app, "alpha", SupportRequest.state == "under_review", SupportRequest.decision_due)
    assert len(expected) == 60
    listed, pages = _walk(alpha, "/alpha/staff/requests?queue=decision", "alpha")
    assert listed == expected and pages == 2
    assert not set(theirs) & set(listed)

    # The home page's rows are the list's first ones, overdue first and marked.
    home = alpha.get("/alpha/staff/?lang=en").get_data(as_text=True)
    decision = _section(home, "decision")
    assert _request_ids(decision, "alpha") == expected[:5]
    assert decision.count("overdue") >= 5 and 'queue-count">60<' in decision
    assert 'href="/alpha/staff/requests?queue=decision">See all 60</a>' in decision

    # The list's other filters narrow the queue; a cursor from another tenant shows nothing of it.
    overdue = set(_expected(app, "alpha", queries.overdue_condition()))
    assert _walk(alpha, "/alpha/staff/requests?queue=decision&overdue=1", "alpha")[0] == [
        i for i in expected if i in overdue]
    page = alpha.get(f"/alpha/staff/requests?queue=decision&after={theirs[0]}").get_data(as_text=True)
    assert not set(theirs) & set(_request_ids(page, "alpha"))
    # The list's export reads the same queue (every row of it, newest first as exports go).
    csv = alpha.get("/alpha/staff/exports/requests.csv?queue=decision")
    assert csv.status_code == 200
    with app_ctx(app):
        with cross_tenant_scope():
            references = dict(db.session.execute(sa.select(SupportRequest.id, SupportRequest.reference)).all())
    exported = set(re.findall(r"2026-\d{5}", csv.get_data(as_text=True)))
    assert exported == {references[i] for i in expected}
    # An unknown queue is no filter at all (as an unknown state), never an error.
    assert alpha.get("/alpha/staff/requests?queue=nope").status_code == 200


@pytest.mark.parametrize("name, condition, order", [
    ("new", SupportRequest.state == "received", SupportRequest.received_at),
    ("to_serve", SupportRequest.state.in_(["accepted", "registered"]), SupportRequest.decided_at),
    ("not_notified", sa.and_(SupportRequest.decided_at.is_not(None), SupportRequest.decision_notified_at.is_(None)),
     SupportRequest.decided_at),
])
def test_see_all_of_the_other_queues_follows_each_ones_order(app, alpha, name, condition, order):
    same = START + timedelta(days=1)  # many on the same instant: the id keeps pages apart
    rows = [{"state": "received", "received_at": same if i % 2 else START + timedelta(hours=i)} for i in range(30)]
    rows += [{"state": ("accepted", "registered", "rejected")[i % 3],
              "decided_at": same if i % 2 else START + timedelta(hours=i),
              "decision_notified_at": START if i % 5 == 0 else None} for i in range(30)]
    _add(app, "alpha", alpha.file_id, rows[::-1])
    expected = _expected(app, "alpha", condition, order)
    assert len(expected) > 5
    listed, _pages = _walk(alpha, f"/alpha/staff/requests?queue={name}", "alpha")
    assert listed == expected
    with app_ctx(app):
        with cross_tenant_scope():
            tenant = tenants.by_slug("alpha")
        with tenant_scope(tenant):
            page, after = [], None
            while True:  # small pages, to cross page boundaries inside runs of equal dates
                chunk = queries.list_requests(queue=name, after=after, size=4)
                page += [r.id for r in chunk.rows]
                after = chunk.next_after
                if not after:
                    break
    assert page == expected
    home = alpha.get("/alpha/staff/").get_data(as_text=True)
    assert _request_ids(_section(home, name), "alpha") == expected[:5]


def test_the_referrals_queue_shows_the_oldest_questions_and_links_to_the_inbox(app, alpha):
    with app_ctx(app):
        with cross_tenant_scope():
            tenant = tenants.by_slug("alpha")
        with tenant_scope(tenant):
            for i in range(7):
                db.session.add(Referral(beneficiary_id=alpha.file_id, question=f"سؤال رقم {i}",
                                        asked_at=START + timedelta(days=7 - i)))
            db.session.commit()
    queue = _section(alpha.get("/alpha/staff/?lang=en").get_data(as_text=True), "referrals")
    assert [int(n) for n in re.findall(r"سؤال رقم (\d)", queue)] == [6, 5, 4, 3, 2]
    assert "أحمد بن سعيد" in queue and 'queue-count">7<' in queue
    assert 'href="/alpha/staff/referrals">See all 7</a>' in queue


def test_every_role_gets_its_queues_counted_and_read_as_each_alone(app, alpha):
    from blueprints.staff.home import queues_for
    from core.roles import Role

    _add(app, "alpha", alpha.file_id, [{"state": state, "decision_due": date.today(), "decided_at": START}
                                       for state in ("received", "under_review", "accepted", "rejected") * 3])
    with app_ctx(app):
        with cross_tenant_scope():
            tenant = tenants.by_slug("alpha")
        with tenant_scope(tenant):
            db.session.add(Referral(beneficiary_id=alpha.file_id, question="سؤال"))
            db.session.commit()
        with app.test_request_context(), tenant_scope(tenant):
            for role in Role:
                names = queues_for({role})
                together = queries.queues(names)
                alone = [queries.queue(name) for name in names]
                assert [(total, [r.id for r in rows]) for rows, total in together] == \
                       [(total, [r.id for r in rows]) for rows, total in alone], role
