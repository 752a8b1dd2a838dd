"""Mixed load against a real gunicorn: CLIENTS browsers for SECONDS, reading and writing, then a check
that every write the server acknowledged is in the database (0 lost writes).

Each client is a staff member of one of TENANTS associations, logged in once before the clock starts.
Every operation is one of (by weight): the files list, a name search, a file the client opened earlier,
or opening a new file (a POST; acknowledged = a 302 to the new file's page). After the run the database
is read as its owner and every acknowledged file is looked up by id, tenant and national ID.

    createdb -h 127.0.0.1 -U postgres wasl_load
    DATABASE_URL=postgresql://wasl_app@127.0.0.1:5432/wasl_load \\
    DATABASE_ADMIN_URL=postgresql://postgres@127.0.0.1:5432/wasl_load \\
    REDIS_URL=redis://127.0.0.1:6379/8 SECRET_KEY=bench \\
    .venv/bin/python bench/mixed_load.py --clients 50 --seconds 60

It writes to the database it is given (and migrates it): never point it at real data. Without
DATABASE_URL it uses a new SQLite file in a temporary folder. Exit status 1 if any request failed or
any acknowledged write is missing.
"""
from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "mixed-load-password-1"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FILE_RE = re.compile(r"/beneficiaries/(\d+)$")


def valid_id(n: int) -> str:
    from core.identity import id_check_digit_ok

    stem = f"1{n % 10**8:08d}"
    return next(stem + d for d in "0123456789" if id_check_digit_ok(stem + d))


def prepare(tenants: int, clients: int) -> list[tuple[str, str]]:
    """Migrate, provision the associations and one staff account per client; (slug, email) per client."""
    import sqlalchemy as sa

    from core import accounts, tenant_files
    from core import tenants as tenant_ops
    from core.app import create_app
    from core.cli import upgrade_database
    from core.extensions import db
    from core.models import User
    from core.tenancy import cross_tenant_scope

    app = create_app()
    logins = []
    with app.app_context():
        upgrade_database()
        with cross_tenant_scope():
            for t in range(tenants):
                slug = f"load-{t}"
                tenant = tenant_ops.by_slug(slug)
                if tenant is None:
                    text = (f'slug = "{slug}"\nname_ar = "جمعية {t}"\nname_en = "Association {t}"\n'
                            'channels = ["interview", "phone"]\n[review]\nbody = "committee"\n'
                            'label_ar = "لجنة البحث"\nlabel_en = "Research committee"\n[referral]\n'
                            'label_ar = "مسؤول"\nlabel_en = "Officer"\n')
                    tenant = tenant_ops.provision(tenant_files.parse(text)).tenant
                    db.session.flush()
            for c in range(clients):
                slug = f"load-{c % tenants}"
                email = f"client{c}@{slug}.load"
                if db.session.scalar(sa.select(User.id).where(User.email == email)) is None:
                    user = accounts.create_user(email, f"موظف {c}", PASSWORD)
                    accounts.grant_roles(user, tenant_ops.by_slug(slug), ["relations_officer"])
                    db.session.flush()
                logins.append((slug, email))
            db.session.commit()
        db.engine.dispose()
    return logins


class Client:
    def __init__(self, base: str, slug: str, email: str):
        import requests

        self.base, self.slug, self.email = base, slug, email
        self.http = requests.Session()
        self.token = ""
        self.files: list[int] = []

    def login(self) -> None:
        page = self.http.get(f"{self.base}/auth/login", timeout=60)
        token = CSRF_RE.search(page.text).group(1)
        done = self.http.post(f"{self.base}/auth/login", data={"email": self.email, "password": PASSWORD,
                                                                "csrf_token": token}, allow_redirects=False, timeout=60)
        if done.status_code != 302:
            raise RuntimeError(f"login of {self.email}: {done.status_code}")
        form = self.http.get(f"{self.base}/{self.slug}/staff/beneficiaries/new", timeout=60)
        self.token = CSRF_RE.search(form.text).group(1)


class Run:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {"read": [], "write": []}
        self.errors: Counter = Counter()
        self.acknowledged: list[tuple[str, int, str]] = []
        self.numbers = itertools.count(random.randrange(10**6, 5 * 10**7))

    def record(self, kind: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            if error:
                self.errors[error] += 1


def one_operation(client: Client, run: Run, rng: random.Random) -> None:
    roll = rng.random()
    base = f"{client.base}/{client.slug}/staff/beneficiaries"
    started = time.perf_counter()
    try:
        if roll < 0.30:  # write: open a new file
            with run.lock:
                number = next(run.numbers)
            national_id = valid_id(number)
            response = client.http.post(f"{base}/new", data={
                "csrf_token": client.token, "name": f"مستفيد حمل {number}", "national_id": national_id,
                "nationality": "SA", "gender": "female", "mobile": "0501234567", "email": "", "city": "الرياض",
                "language": "ar", "birth_calendar": "gregorian", "birth_date": "1985-03-02",
                "categories": ["low_income_family"]}, allow_redirects=False, timeout=60)
            found = FILE_RE.search(response.headers.get("Location", "")) if response.status_code == 302 else None
            if found:
                file_id = int(found.group(1))
                client.files.append(file_id)
                with run.lock:
                    run.acknowledged.append((client.slug, file_id, national_id))
                run.record("write", time.perf_counter() - started)
            else:
                run.record("write", time.perf_counter() - started, f"write {response.status_code}")
            return
        if roll < 0.55:
            url = base
        elif roll < 0.75:
            url = f"{base}?q=" + rng.choice(["مستفيد", "حمل", "1985", "الرياض"])
        else:
            url = f"{base}/{rng.choice(client.files)}" if client.files else base
        response = client.http.get(url, allow_redirects=False, timeout=60)
        run.record("read", time.perf_counter() - started,
                   None if response.status_code == 200 else f"read {response.status_code}")
    except Exception as error:  # noqa: BLE001 - a connection error is an error of the run, counted
        run.record("write" if roll < 0.30 else "read", time.perf_counter() - started, type(error).__name__)


def lost_writes(acknowledged: list[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    import sqlalchemy as sa

    from core.config import normalise_database_url

    url = os.environ.get("DATABASE_ADMIN_URL") or os.environ["DATABASE_URL"]
    engine = sa.create_engine(normalise_database_url(url), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        present = set(conn.execute(sa.text(
            "SELECT t.slug, b.id, b.national_id FROM beneficiaries b JOIN tenants t ON t.id = b.tenant_id "
            "WHERE t.slug LIKE 'load-%'")).all())
    engine.dispose()
    return [write for write in acknowledged if write not in present]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--tenants", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--restart-database", action="store_true",
                        help="PostgreSQL only: put a PgBouncer in front and kill it halfway through the run for "
                             "3 s (requests in flight cut): 503s are expected then, anything else is an error")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="wasl-mixed-load-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'load.sqlite'}")
    os.environ.setdefault("SECRET_KEY", "mixed-load")
    os.environ.setdefault("WASL_INSTANCE_DIR", str(scratch / "instance"))
    env = {"SESSION_COOKIE_SECURE": "0", "MAIL_BACKEND": "file", "MAIL_FILE_DIR": str(scratch / "outbox"),
           "SMS_BACKEND": "none", "UPLOAD_FOLDER": str(scratch / "uploads"), "LOG_LEVEL": "WARNING"}
    os.environ.update(env)
    from tests.ops.servers import start_gunicorn, start_pgbouncer

    bouncer = None
    if args.restart_database:
        if not os.environ["DATABASE_URL"].startswith("postgres"):
            parser.error("--restart-database needs DATABASE_URL on PostgreSQL")
        bouncer = start_pgbouncer(scratch / "bouncer", os.environ["DATABASE_URL"], pool_size=10)
        env["DATABASE_URL"] = bouncer.url(os.environ["DATABASE_URL"])
        env["DATABASE_TRANSACTION_POOLING"] = "1"

    print(f"database: {os.environ['DATABASE_URL'].split('@')[-1]}; preparing {args.tenants} associations and "
          f"{args.clients} accounts…", flush=True)
    logins = prepare(args.tenants, args.clients)
    direct = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = env.get("DATABASE_URL", direct)
    server = start_gunicorn(scratch / "server", env, workers=args.workers, threads=args.threads)
    os.environ["DATABASE_URL"] = direct
    try:
        clients = [Client(server.base, slug, email) for slug, email in logins]
        started = time.perf_counter()
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(8) as pool:  # logins are slow on purpose (Argon2): a few at once
            list(pool.map(Client.login, clients))
        print(f"gunicorn {args.workers}×{args.threads} on {server.base}; {len(clients)} logins in "
              f"{time.perf_counter() - started:.1f} s; running {args.seconds:.0f} s…", flush=True)

        run = Run()
        deadline = time.monotonic() + args.seconds

        def work(index: int) -> None:
            rng = random.Random(index)
            while time.monotonic() < deadline:
                one_operation(clients[index], run, rng)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(clients))]
        outage: list[float] = []

        def restart_database() -> None:
            nonlocal bouncer
            time.sleep(args.seconds / 2)
            outage.append(time.perf_counter() - began)
            bouncer.stop(immediately=True)
            time.sleep(3)
            bouncer = start_pgbouncer(scratch / "bouncer", direct, pool_size=10, port=bouncer.port)
            outage.append(time.perf_counter() - began)

        if bouncer is not None:
            threads.append(threading.Thread(target=restart_database))
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
    finally:
        server.stop()
        if bouncer is not None:
            bouncer.stop()

    missing = lost_writes(run.acknowledged)
    reads, writes = run.latency["read"], run.latency["write"]
    total = len(reads) + len(writes)
    print(f"\n{total} requests in {elapsed:.1f} s: {total / elapsed:.1f} req/s "
          f"({len(reads)} reads, {len(writes)} writes) with {len(clients)} clients")
    for kind, values in (("reads", reads), ("writes", writes)):
        if values:
            print(f"  {kind:6s} p50 {1000 * statistics.median(values):7.1f} ms   p95 "
                  f"{1000 * percentile(values, 0.95):7.1f} ms   p99 {1000 * percentile(values, 0.99):7.1f} ms")
    retryable = {k: v for k, v in run.errors.items() if k.endswith(" 503")} if bouncer is not None else {}
    if bouncer is not None:
        print(f"database (PgBouncer) killed at {outage[0]:.1f} s, back at {outage[1]:.1f} s: "
              f"{sum(retryable.values())} requests answered 503 (retry-able) — " +
              ", ".join(f"{k}: {v}" for k, v in retryable.items()))
    failures = {k: v for k, v in run.errors.items() if k not in retryable}
    errors = sum(failures.values())
    print(f"errors: {errors}" + ("" if not errors else " — " + ", ".join(f"{k}: {v}" for k, v in failures.items())))
    print(f"acknowledged writes: {len(run.acknowledged)}; lost writes: {len(missing)}")
    for write in missing[:10]:
        print("  missing:", write)
    server_errors = [line for line in server.output().splitlines() if "Traceback" in line or "[ERROR]" in line]
    if server_errors:
        print(f"server log: {len(server_errors)} error lines, first: {server_errors[0]}")
    return 1 if errors or missing else 0


if __name__ == "__main__":
    sys.exit(main())
