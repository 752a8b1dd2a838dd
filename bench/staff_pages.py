"""Benchmark the staff list, search and detail pages (server side, in-process).

Fills a database with TENANTS tenants × FILES beneficiary files (a request for every third file), then
times each page REPEAT times through the Flask test client and prints p50/p95 and queries per page.
Run it on PostgreSQL for numbers that mean something (DESIGN.md "Targets"):

    DATABASE_URL=postgresql://wasl_app@127.0.0.1:5432/wasl_bench \\
    DATABASE_ADMIN_URL=postgresql://postgres@127.0.0.1:5432/wasl_bench \\
    SECRET_KEY=bench .venv/bin/python bench/staff_pages.py --tenants 20 --files 5000

It writes to the database it is given: never point it at real data.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def valid_id(n: int) -> str:
    """A 10-digit national ID from a 9-digit stem, with the Luhn check digit the app expects."""
    stem = f"1{n % 10**8:08d}"
    for last in "0123456789":
        from core.identity import id_check_digit_ok

        if id_check_digit_ok(stem + last):
            return stem + last
    raise AssertionError


def fill(app, tenants: int, files: int) -> list[str]:
    import sqlalchemy as sa

    from core import accounts, tenant_files
    from core import tenants as tenant_ops
    from core.arabic import normalise
    from core.beneficiaries.models import Beneficiary, TenantCounter
    from core.extensions import db
    from core.tenancy import cross_tenant_scope
    from core.workflow.models import SupportRequest

    names = ["أحمد", "محمد", "فاطمة", "نورة", "عبدالله", "سارة", "خالد", "هيا", "سعد", "منيرة"]
    families = ["العتيبي", "القحطاني", "الزهراني", "الشهري", "الغامدي", "الدوسري", "المطيري"]
    slugs = []
    with app.app_context(), cross_tenant_scope():
        for t in range(tenants):
            slug = f"bench-{t}"
            slugs.append(slug)
            if tenant_ops.by_slug(slug):
                continue
            text = (f'slug = "{slug}"\nname_ar = "جمعية {t}"\nname_en = "Association {t}"\n'
                    'channels = ["interview", "phone"]\n[review]\nbody = "committee"\nlabel_ar = "لجنة البحث"\n'
                    'label_en = "Research committee"\n[referral]\nlabel_ar = "مسؤول"\nlabel_en = "Officer"\n')
            tenant = tenant_ops.provision(tenant_files.parse(text)).tenant
            db.session.flush()
            user = accounts.create_user(f"officer@{slug}.bench", "موظف", "bench-password-1")
            accounts.grant_roles(user, tenant, ["relations_officer", "reviewer"])
            rows, requests = [], []
            for i in range(files):
                name = f"{names[i % 10]} {names[(i // 10) % 10]} {families[i % 7]}"
                rows.append({"tenant_id": tenant.id, "file_number": i + 1, "name": name,
                             "name_search": normalise(name), "national_id": valid_id(t * files + i),
                             "nationality": "SA", "gender": "male", "birth_calendar": "gregorian",
                             "language": "ar", "version": 1, "mobile": f"+9665{(t * files + i) % 10**8:08d}"})
            db.session.execute(sa.insert(Beneficiary), rows)
            ids = db.session.scalars(sa.select(Beneficiary.id).where(Beneficiary.tenant_id == tenant.id)
                                     .order_by(Beneficiary.id)).all()
            for n, bid in enumerate(ids[::3]):
                requests.append({"tenant_id": tenant.id, "reference": f"2026-{n + 1:05d}", "beneficiary_id": bid,
                                 "state": "under_review" if n % 2 else "received", "channel": "phone",
                                 "service": "financial_aid", "version": 1})
            if requests:
                db.session.execute(sa.insert(SupportRequest), requests)
            db.session.add(TenantCounter(tenant_id=tenant.id, name="beneficiary", value=files))
            db.session.commit()
    return slugs


def timed(client, method, url, data=None, repeat=50):
    from core.extensions import db

    counts = []
    from sqlalchemy import event

    def count(*args, **kwargs):
        counts[-1] += 1

    samples = []
    with client.application.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(repeat):
            counts.append(0)
            start = time.perf_counter()
            response = client.open(url, method=method, data=data)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], max(counts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=5)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench")
    from core.app import create_app
    from core.cli import upgrade_database
    from tests.helpers import csrf_token

    app = create_app({"WTF_CSRF_ENABLED": True, "SESSION_COOKIE_SECURE": False,
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade_database()
    start = time.perf_counter()
    slugs = fill(app, args.tenants, args.files)
    print(f"data: {args.tenants} tenants × {args.files} files in {time.perf_counter() - start:.1f} s")
    with app.app_context():
        import sqlalchemy as sa

        # Fresh statistics, as autovacuum would have them after a real day of work.
        admin = sa.create_engine(app.config["DATABASE_ADMIN_URL"], isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
        admin.dispose()
    slug = slugs[-1]
    with app.app_context():
        import sqlalchemy as sa

        from core.beneficiaries.models import Beneficiary
        from core.extensions import db
        from core.tenancy import cross_tenant_scope

        with cross_tenant_scope():
            last_file = db.session.scalar(sa.select(sa.func.max(Beneficiary.id)))
    client = app.test_client()
    token = csrf_token(client)
    client.post("/auth/login", data={"email": f"officer@{slug}.bench", "password": "bench-password-1",
                                     "csrf_token": token})
    token = csrf_token(client, f"/{slug}/staff/search")
    pages = [
        ("work queues", "GET", f"/{slug}/staff/", None),
        ("files list", "GET", f"/{slug}/staff/beneficiaries", None),
        ("files list, deep keyset page", "GET", f"/{slug}/staff/beneficiaries?after=60", None),
        ("requests list", "GET", f"/{slug}/staff/requests?state=under_review", None),
        ("search by name", "POST", f"/{slug}/staff/search", {"q": "فاطمه", "csrf_token": token}),
        ("search by ID", "POST", f"/{slug}/staff/search", {"q": valid_id(5), "csrf_token": token}),
        ("file detail", "GET", f"/{slug}/staff/beneficiaries/{last_file}", None),
    ]
    print(f"{'page':<32} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for name, method, url, data in pages:
        p50, p95, queries = timed(client, method, url, data, args.repeat)
        print(f"{name:<32} {p50:8.1f} {p95:8.1f} {queries:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
