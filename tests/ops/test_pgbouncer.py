"""PgBouncer in transaction pooling mode between the app (as wasl_app) and PostgreSQL.

In transaction mode each transaction may run on any of the bouncer's few server connections, one
after another tenant's. Row-level security stays right only because the tenant is written per
transaction (`set_config(…, true)`, core/tenancy.py) and nothing is left on a connection; and psycopg
must not prepare statements on the server (DATABASE_TRANSACTION_POOLING), or the next transaction,
on another server connection, fails with "prepared statement … does not exist".
"""
import os
import threading

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.tenancy import tenant_scope
from tests.helpers import login, make_user
from tests.ops.servers import needs_pgbouncer, needs_postgres, second_app, start_pgbouncer
from tests.test_staff_helpers import open_file, open_request, staff_client

pytestmark = [needs_postgres, needs_pgbouncer]


@pytest.fixture(scope="module")
def bouncer(tmp_path_factory):
    started = start_pgbouncer(tmp_path_factory.mktemp("pgbouncer"), os.environ["DATABASE_URL"])
    yield started
    started.stop()


@pytest.fixture
def bounced_app(app, bouncer):
    """A second app, the same settings as the tests' one, whose connections all go through PgBouncer."""
    url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
    with second_app(app, SQLALCHEMY_DATABASE_URI=bouncer.url(url),
                    SQLALCHEMY_BINDS={"operator": bouncer.url(url, "wasl_operator")},
                    DATABASE_TRANSACTION_POOLING=True) as second:
        yield second


def _hammer(workers, rounds, work):
    errors = []

    def run(index):
        try:
            for round_ in range(rounds):
                work(index, round_)
        except BaseException as error:  # noqa: BLE001 - reported below, with the worker's index
            errors.append(f"worker {index}: {error!r}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]


def test_row_level_security_never_lets_a_row_cross_tenants_through_pgbouncer(app, bounced_app, tenant_a,
                                                                             tenant_b):
    for slug, name in (("alpha", "سارة ألفا"), ("beta", "منى بيتا")):
        officer = staff_client(app, f"officer@{slug}.test", slug, ["relations_officer"])
        open_file(officer, slug, name=name)
    tenants = {tenant_a: "سارة ألفا", tenant_b: "منى بيتا"}
    seen = {tenant_a: 0, tenant_b: 0}

    def read(index, _round):
        tenant = (tenant_a, tenant_b)[index % 2]
        with bounced_app.app_context():
            # Several transactions on one checked-out connection, as a worker's batch or a long request
            # makes: psycopg would prepare the repeated statement on one server connection and run it
            # on another.
            for _ in range(4):
                with tenant_scope(tenant):
                    # Raw SQL: no ORM criteria, only the database's policy decides what comes back.
                    rows = db.session.execute(sa.text("SELECT tenant_id, name FROM beneficiaries")).all()
                db.session.commit()
                assert rows == [(tenant, tenants[tenant])], rows
                # The next transaction, with no tenant, on whichever server connection: sees nothing.
                assert db.session.execute(sa.text("SELECT count(*) FROM beneficiaries")).scalar() == 0
                db.session.commit()
            db.session.remove()
        seen[tenant] += 1

    _hammer(workers=8, rounds=10, work=read)  # 8 clients on 2 server connections, 640 transactions
    assert seen == {tenant_a: 40, tenant_b: 40}


def test_two_tenants_working_at_once_through_pgbouncer_see_and_write_only_their_own(app, bounced_app, tenant_a,
                                                                                    tenant_b):
    clients, files = {}, {}
    for slug in ("alpha", "beta"):
        make_user(app, f"officer@{slug}.test", {slug: ["relations_officer"]})
        client = bounced_app.test_client()
        assert login(client, f"officer@{slug}.test").status_code == 302  # login: the operator role, bounced
        clients[slug] = client
        files[slug] = open_file(client, slug, name=f"ملف {slug}")

    def work(index, round_):
        slug = ("alpha", "beta")[index % 2]
        other = "beta" if slug == "alpha" else "alpha"
        if round_ % 3 == 0:
            open_request(clients[slug], slug, files[slug], "interview")
        page = clients[slug].get(f"/{slug}/staff/beneficiaries")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert f"ملف {slug}" in html and f"ملف {other}" not in html
        assert clients[slug].get(f"/{slug}/staff/beneficiaries/{files[other]}").status_code == 404

    _hammer(workers=4, rounds=9, work=work)
    with app.app_context():
        admin = sa.create_engine(
            os.environ["DATABASE_ADMIN_URL"].replace("postgresql://", "postgresql+psycopg://"),
            poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            per_tenant = dict(conn.execute(sa.text(
                "SELECT r.tenant_id, count(*) FROM support_requests r JOIN beneficiaries b "
                "ON b.id = r.beneficiary_id AND b.tenant_id = r.tenant_id GROUP BY r.tenant_id")).all())
        admin.dispose()
    assert per_tenant == {tenant_a: 6, tenant_b: 6}  # 2 workers a tenant × 3 writes, none lost or crossed
