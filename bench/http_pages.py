"""Wasl's staff pages against a bare Flask + SQLAlchemy page, over HTTP, under gunicorn, driven by wrk.

    bench/http_pages.py --tenants 100 --files 10000 --clients 8 --seconds 10

1. Fills a PostgreSQL database (default `wasl_bench`, created with createdb if missing) with TENANTS
   associations × FILES beneficiary files, and in realistic proportions per file: 1.5 household members,
   a support request for every third file (in every state), a referral for every tenth, three timeline
   lines. Tenants and their staff user go through the app (provisioning); the bulk rows are written with
   COPY as the database owner, a batch of tenants per transaction. A fill is kept: a second run with the
   same shape and prefix reuses it (the database comment records the shapes filled).
2. Starts Wasl (connected as `wasl_app`, so row-level security is on) and bench/bare_app.py (50 rows of
   one tenant, the same database) each under gunicorn with the same settings: gunicorn.conf.py, WORKERS
   workers × THREADS threads.
3. Logs in through the normal login form as a staff user, checks every page answers 200, then drives each
   page with wrk at CLIENTS connections for SECONDS, with a run of the bare page right before it, ROUNDS
   times (default 3), and prints the median round's req/s, p50/p95/p99 and ratio to the bare page (every
   round's ratio in brackets), ending with `worst ratio: X`.

Needs PostgreSQL (DATABASE_ADMIN_URL's server) and wrk (`apt-get install wrk`, or scripts/install.sh
--bench). It writes to the database it is given: never point it at real data.
"""
from __future__ import annotations

import argparse
import atexit
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-1"
FIRST = ["أحمد", "محمد", "فاطمة", "نورة", "عبدالله", "سارة", "خالد", "هيا", "سعد", "منيرة", "ريم", "فهد", "لطيفة"]
FAMILY = ["العتيبي", "القحطاني", "الزهراني", "الشهري", "الغامدي", "الدوسري", "المطيري", "الحربي", "السبيعي"]
CITIES = ["الرياض", "جدة", "الدمام", "مكة المكرمة", "المدينة المنورة", "أبها", "تبوك"]
SERVICES = ["financial_aid", "in_kind_aid", "housing_support", "emergency_relief"]
#: States of the requests, in proportion (the work queues read most of them).
STATES = (["received"] * 4 + ["documents_pending"] * 2 + ["declared"] * 2 + ["under_review"] * 5
          + ["accepted"] * 2 + ["rejected"] * 2 + ["registered"] + ["served"] * 3 + ["closed"] * 2 + ["withdrawn"])
RELATIONS = ["spouse", "son", "daughter", "father", "mother"]
KINDS = ["contact", "state", "document", "message", "contact", "state"]
TENANTS_PER_TRANSACTION = 10


def national_id(n: int) -> str:
    """A 10-digit national ID (starts with 1) with the Luhn check digit the app verifies."""
    stem = f"1{n % 10**8:08d}"
    total = 0
    for position, char in enumerate(stem):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            digit = digit // 10 + digit % 10
        total += digit
    return stem + str((10 - total % 10) % 10)


def name_of(i: int) -> str:
    return f"{FIRST[i % 13]} {FIRST[(i // 13) % 13]} {FAMILY[(i // 169) % 9]}"


# --- the fill ------------------------------------------------------------------------------------

def admin_connect(url: str):
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


def ensure_database(admin_url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(admin_url.replace("postgresql+psycopg://", "postgresql://"))
    name = parts.path.lstrip("/")
    server = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            subprocess.run(["createdb", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
                            "-U", parts.username or "postgres", name], check=True)


def filled_shapes(conn) -> dict:
    row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                       "WHERE datname = current_database()").fetchone()
    try:
        return json.loads(row[0]) if row and row[0] else {}
    except ValueError:
        return {}


def mark_filled(conn, key: str, info: dict) -> None:
    shapes = filled_shapes(conn)
    shapes[key] = info
    name = conn.execute("SELECT current_database()").fetchone()[0]
    literal = json.dumps(shapes).replace("'", "''")
    conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{literal}'")
    conn.commit()


def provision_tenants(app, slugs: list[str]) -> None:
    """Tenants and one staff user each, through the app (as `make demo` and the operator console do)."""
    from core import accounts, tenant_files
    from core import tenants as tenant_ops
    from core.extensions import db
    from core.tenancy import cross_tenant_scope

    with app.app_context(), cross_tenant_scope():
        for n, slug in enumerate(slugs):
            if tenant_ops.by_slug(slug):
                continue
            text = (f'slug = "{slug}"\nname_ar = "جمعية {slug}"\nname_en = "Association {slug}"\n'
                    'channels = ["interview", "phone", "email"]\n[review]\nbody = "committee"\n'
                    'label_ar = "لجنة البحث"\nlabel_en = "Research committee"\n'
                    '[referral]\nlabel_ar = "مسؤول"\nlabel_en = "Officer"\n')
            tenant = tenant_ops.provision(tenant_files.parse(text)).tenant
            db.session.flush()
            user = accounts.create_user(f"officer@{slug}.bench", "موظف العلاقات", PASSWORD)
            accounts.grant_roles(user, tenant, ["relations_officer", "reviewer", "referral_officer",
                                                "social_researcher"])
            if n % 20 == 19:
                db.session.commit()
        db.session.commit()


class Ids:
    """Explicit ids for COPY: the next value of each table's sequence, moved on after the batch."""

    def __init__(self, conn, table: str):
        self.conn, self.table = conn, table
        self.seq = conn.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
        self.next = conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value

    def done(self) -> None:
        self.conn.execute("SELECT setval(%s, %s)", (self.seq, max(self.next - 1, 1)))


def _copy(conn, table: str, columns: list[str], rows: list[tuple]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def fill_tenants(conn, tenants: list[tuple[int, int, str]], files: int, offset: int) -> None:
    """The bulk rows of a batch of tenants [(tenant_id, user_id, slug)], in the caller's transaction."""
    from core.arabic import normalise

    conn.execute("LOCK TABLE beneficiaries, support_requests, household_members, referrals, interactions "
                 "IN EXCLUSIVE MODE")
    ids = {t: Ids(conn, t) for t in ("beneficiaries", "support_requests", "household_members", "referrals",
                                      "interactions")}
    now = datetime.now(UTC)
    ben, req, house, refs, lines, counters = [], [], [], [], [], []
    for tenant_id, user_id, _slug in tenants:
        done = conn.execute("SELECT count(*) FROM beneficiaries WHERE tenant_id = %s", (tenant_id,)).fetchone()[0]
        if done:
            continue
        n_requests = 0
        for i in range(files):
            serial = offset + tenant_id * files + i
            bid = ids["beneficiaries"].take()
            name = name_of(serial)
            created = now - timedelta(minutes=(files - i) * 7)
            ben.append((bid, tenant_id, i + 1, name, normalise(name), national_id(serial), "SA",
                        "male" if i % 2 else "female", date(1960 + i % 45, 1 + i % 12, 1 + i % 28), "gregorian",
                        f"+9665{serial % 10**8:08d}", CITIES[i % 7], "ar", user_id if i % 4 else None,
                        "active", 1, created, created))
            for m in range(i % 4):
                house.append((ids["household_members"].take(), tenant_id, bid, RELATIONS[(i + m) % 5],
                              name_of(serial + m + 1), None, created))
            rid = None
            if i % 3 == 0:
                n_requests += 1
                rid = ids["support_requests"].take()
                state = STATES[n_requests % len(STATES)]
                received = created + timedelta(minutes=3)
                due = (received + timedelta(days=10 - n_requests % 20)).date() if state == "under_review" else None
                decided = received + timedelta(days=5) if state in ("accepted", "rejected", "registered",
                                                                     "served", "closed") else None
                notified = decided + timedelta(days=1) if decided and n_requests % 10 else None
                req.append((rid, tenant_id, f"2026-{n_requests:05d}", bid, state, "phone", SERVICES[i % 4],
                            received, user_id, due, decided, notified, decided, 1, received, received))
            if i % 10 == 0:
                answered = created + timedelta(days=1) if i % 20 else None
                refs.append((ids["referrals"].take(), tenant_id, bid, rid, "هل تنطبق شروط الأهلية؟", user_id,
                             created, "نعم" if answered else None, user_id if answered else None, answered, 1))
            for k in range(3):
                lines.append((ids["interactions"].take(), tenant_id, bid, rid if k == 1 else None,
                              KINDS[(i + k) % 6], "phone" if k == 0 else None, "in" if k == 0 else None,
                              STATES[(i + k) % len(STATES)] if KINDS[(i + k) % 6] == "state"
                              else "اتصال للاستفسار عن الطلب", user_id, created + timedelta(minutes=k)))
        counters.append((tenant_id, "beneficiary", files))
        counters.append((tenant_id, "request", n_requests))
    _copy(conn, "beneficiaries", ["id", "tenant_id", "file_number", "name", "name_search", "national_id",
                                  "nationality", "gender", "birth_date", "birth_calendar", "mobile", "city",
                                  "language", "researcher_id", "status", "version", "created_at", "updated_at"], ben)
    _copy(conn, "household_members", ["id", "tenant_id", "beneficiary_id", "relation", "name", "national_id",
                                      "created_at"], house)
    _copy(conn, "support_requests", ["id", "tenant_id", "reference", "beneficiary_id", "state", "channel",
                                     "service", "received_at", "received_by_id", "decision_due", "decided_at",
                                     "decision_notified_at", "sent_to_review_at", "version", "created_at",
                                     "updated_at"], req)
    _copy(conn, "referrals", ["id", "tenant_id", "beneficiary_id", "request_id", "question", "asked_by_id",
                              "asked_at", "answer", "answered_by_id", "answered_at", "version"], refs)
    _copy(conn, "interactions", ["id", "tenant_id", "beneficiary_id", "request_id", "kind", "channel", "direction",
                                 "summary", "user_id", "occurred_at"], lines)
    for tenant_id, name, value in counters:
        conn.execute("INSERT INTO tenant_counters (tenant_id, name, value) VALUES (%s, %s, %s) "
                     "ON CONFLICT (tenant_id, name) DO UPDATE SET value = EXCLUDED.value", (tenant_id, name, value))
    for table in ids.values():
        table.done()


def fill(app, admin_url: str, tenants: int, files: int, prefix: str) -> list[str]:
    slugs = [f"{prefix}{t}" for t in range(tenants)]
    key = f"{prefix}:{tenants}x{files}"
    with admin_connect(admin_url) as conn:
        if filled_shapes(conn).get(key, {}).get("done"):
            print(f"data: reusing {tenants} tenants × {files} files (prefix {prefix!r})", flush=True)
            return slugs
    start = time.perf_counter()
    provision_tenants(app, slugs)
    print(f"data: {tenants} tenants provisioned in {time.perf_counter() - start:.0f} s", flush=True)
    with admin_connect(admin_url) as conn:
        rows = conn.execute(
            "SELECT t.id, u.id, t.slug FROM tenants t JOIN users u ON u.email = 'officer@' || t.slug || '.bench' "
            "WHERE t.slug = ANY(%s) ORDER BY t.id", (slugs,)).fetchall()
        offset = 0  # national IDs: the tenant id keeps them apart
        for n in range(0, len(rows), TENANTS_PER_TRANSACTION):
            fill_tenants(conn, rows[n:n + TENANTS_PER_TRANSACTION], files, offset)
            conn.commit()
            print(f"data: {min(n + TENANTS_PER_TRANSACTION, len(rows))}/{len(rows)} tenants filled "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        conn.autocommit = False
        mark_filled(conn, key, {"done": True, "at": datetime.now(UTC).isoformat(timespec="seconds")})
    print(f"data: {tenants} tenants × {files} files in {time.perf_counter() - start:.0f} s", flush=True)
    return slugs


# --- servers -------------------------------------------------------------------------------------

def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(name: str, argv: list[str], env: dict, port: int, logdir: Path) -> tuple[subprocess.Popen, Path]:
    log = logdir / f"{name}.log"
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    atexit.register(stop_server, proc)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{name} did not start: see {log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return proc, log
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.3)
    sys.exit(f"{name} did not answer in 60 s: see {log}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


# --- the staff session ---------------------------------------------------------------------------

class Browser:
    def __init__(self, base: str):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")

    def post(self, path: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    if not match:
        raise SystemExit("no CSRF token in the page")
    return match.group(1)


#: The bare page's one request: path, form body, cookie.
BARE = [("/", "", "")]


def spread_slugs(slugs: list[str], count: int) -> list[str]:
    """`count` of the fill's associations, evenly spread over it."""
    if count <= 1:
        return []
    step = max(len(slugs) // count, 1)
    return slugs[::step][:count]


def staff_pages(wasl: str, admin_url: str, slug: str, logdir: Path) -> list[tuple[str, str, str, str, str]]:
    """The measured pages as one association's staff user asks them: (name, method, path, form body, cookie),
    after logging in through the form and checking each page answers 200. The file and request shown are
    the association's file with the most requests and its newest request."""
    with admin_connect(admin_url) as conn:
        tenant_id = conn.execute("SELECT id FROM tenants WHERE slug = %s", (slug,)).fetchone()[0]
        file_id, file_nid, file_name = conn.execute(
            "SELECT b.id, b.national_id, b.name FROM beneficiaries b WHERE tenant_id = %s ORDER BY "
            "(SELECT count(*) FROM support_requests r WHERE r.tenant_id = b.tenant_id AND r.beneficiary_id = b.id) "
            "DESC, id DESC LIMIT 1", (tenant_id,)).fetchone()
        request_id = conn.execute("SELECT max(id) FROM support_requests WHERE tenant_id = %s AND beneficiary_id = %s",
                                  (tenant_id, file_id)).fetchone()[0]
    browser = Browser(wasl)
    status, html = browser.get("/auth/login")
    status, html = browser.post("/auth/login", {"email": f"officer@{slug}.bench", "password": PASSWORD,
                                                "csrf_token": csrf(html)})
    if status != 200 or "wasl_session" not in browser.cookie_header():
        sys.exit(f"login to {slug} failed ({status}): see {logdir / 'wasl.log'}")
    _status, html = browser.get(f"/{slug}/staff/search")
    token = csrf(html)
    cookie = browser.cookie_header()
    search = f"/{slug}/staff/search"
    pages = [
        ("files list", "GET", f"/{slug}/staff/beneficiaries", ""),
        ("requests list", "GET", f"/{slug}/staff/requests", ""),
        ("work queues", "GET", f"/{slug}/staff/", ""),
        ("name search", "POST", search, urllib.parse.urlencode({"q": " ".join(file_name.split()[:2]),
                                                               "csrf_token": token})),
        ("ID search", "POST", search, urllib.parse.urlencode({"q": file_nid, "csrf_token": token})),
        ("file detail", "GET", f"/{slug}/staff/beneficiaries/{file_id}", ""),
        ("request detail", "GET", f"/{slug}/staff/requests/{request_id}", ""),
        ("public policy page", "GET", f"/{slug}/policy", ""),
    ]
    for name, method, path, body in pages:
        status, html = (browser.post(path, dict(urllib.parse.parse_qsl(body))) if method == "POST"
                        else browser.get(path))
        if status != 200:
            sys.exit(f"{name}: {path} answered {status} (server log: {logdir / 'wasl.log'})")
    return [(name, method, path, body, cookie) for name, method, path, body in pages]


# --- wrk -----------------------------------------------------------------------------------------

WRK_DONE = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %.1f %.1f %.1f\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, summary.duration, 0,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""

WRK_ONE = """
wrk.method = "{method}"
wrk.path = [[{path}]]
wrk.body = [[{body}]]
wrk.headers["Cookie"] = [[{cookie}]]
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
"""

WRK_IN_TURN = """
local entries = {{ {entries} }}
local i = 0
request = function()
  i = i % #entries + 1
  local e = entries[i]
  return wrk.format("{method}", e[1], {{["Cookie"] = e[3], ["Content-Type"] = "application/x-www-form-urlencoded"}},
                    e[2] ~= "" and e[2] or nil)
end
"""


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _process_ticks(pids) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended meanwhile
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def _tree(root: int) -> list[int]:
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, []))
    return pids


def _postgres_pids() -> list[int]:
    return [int(p.parent.name) for p in Path("/proc").glob("[0-9]*/comm")
            if p.exists() and p.read_text().strip() == "postgres"]


def _machine_ticks() -> int:
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    return sum(int(f) for f in fields[:8]) - int(fields[3]) - int(fields[4])  # all but idle and iowait


def cpu_split(server: subprocess.Popen, run) -> tuple[dict, dict]:
    """Run `run()` (one wrk run) and split the machine's CPU time over it per request: the server's
    processes, PostgreSQL's, wrk's, and the rest (the kernel's network work, other processes)."""
    app_pids, pg_pids = _tree(server.pid), _postgres_pids()
    children = os.times()
    before = (_process_ticks(app_pids), _process_ticks(pg_pids), _machine_ticks())
    result = run()
    after = (_process_ticks(app_pids), _process_ticks(pg_pids), _machine_ticks())
    wrk_ticks = (os.times().children_user - children.children_user
                 + os.times().children_system - children.children_system) * CLOCK_TICKS
    requests = result["rps"] * result["seconds"]
    app, pg, machine = (b - a for a, b in zip(before, after, strict=True))
    per = 1000 / CLOCK_TICKS / max(requests, 1)
    return result, {"app": app * per, "postgres": pg * per, "wrk": wrk_ticks * per,
                    "other": (machine - app - pg - wrk_ticks) * per, "all": machine * per}


def wrk(base: str, clients: int, seconds: int, method: str, entries: list[tuple[str, str, str]]) -> dict:
    """wrk at `base` with `clients` connections for `seconds`: each (path, form body, cookie) of `entries`
    in turn (one entry: the same request every time, with no Lua per request)."""
    if len(entries) == 1:
        path, body, cookie = entries[0]
        script_text = WRK_ONE.format(method=method, path=path, body=body, cookie=cookie)
    else:
        script_text = WRK_IN_TURN.format(method=method, entries=", ".join(
            f"{{[[{path}]], [[{body}]], [[{cookie}]]}}" for path, body, cookie in entries))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(script_text + WRK_DONE)
    try:
        out = subprocess.run(["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "--timeout", "10s",
                              "-s", script.name, base + entries[0][0]], capture_output=True, text=True,
                             check=True).stdout
    finally:
        os.unlink(script.name)
    line = next(line for line in out.splitlines() if line.startswith("RESULT"))
    requests, errors, duration_us, _, p50, p95, p99 = line.split()[1:]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(errors) + int(non2xx.group(1) if non2xx else 0)
    return {"rps": int(requests) / (int(duration_us) / 1e6), "errors": errors, "seconds": int(duration_us) / 1e6,
            "p50": float(p50), "p95": float(p95), "p99": float(p99)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--prefix", default=None, help="tenant slug prefix (default: b<tenants>x<files>-)")
    parser.add_argument("--database", default="wasl_bench")
    parser.add_argument("--host", default="127.0.0.1:5432")
    parser.add_argument("--fill-only", action="store_true")
    parser.add_argument("--rounds", type=int, default=3,
                        help="bare page + page runs per page; the median round's figures are printed")
    parser.add_argument("--spread", type=int, default=1,
                        help="ask each page as the staff of this many associations in turn (spread over the fill), "
                             "as real traffic does; 1 (the default): the middle association only")
    parser.add_argument("--cpu", action="store_true",
                        help="also split the machine's CPU time a request among the server, PostgreSQL, wrk "
                             "and the rest (the median round's, for each page and its bare page)")
    parser.add_argument("--pages", default="", help="comma-separated subset of the pages to measure")
    args = parser.parse_args()
    if not args.fill_only and subprocess.run(["which", "wrk"], capture_output=True).returncode:
        sys.exit("wrk is missing: apt-get install wrk (or scripts/install.sh --bench)")
    prefix = args.prefix or f"b{args.tenants}x{args.files}-"
    app_url = f"postgresql://wasl_app@{args.host}/{args.database}"
    admin_url = f"postgresql://postgres@{args.host}/{args.database}"
    env = dict(os.environ, DATABASE_URL=app_url, DATABASE_ADMIN_URL=admin_url,
               SECRET_KEY=os.environ.get("SECRET_KEY", "bench-secret"), SESSION_COOKIE_SECURE="0",
               REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7"), LOG_LEVEL="WARNING",
               TRUSTED_HOSTS="127.0.0.1,localhost")
    os.environ.update(env)
    ensure_database(admin_url)

    from core.app import create_app
    from core.cli import upgrade_database

    app = create_app()
    with app.app_context():
        upgrade_database()
        import sqlalchemy as sa

        from core import rls_key

        admin = sa.create_engine(app.config["DATABASE_ADMIN_URL"])
        with admin.begin() as conn:  # this run's signing key is accepted (a reused fill had another)
            if rls_key.fingerprint(rls_key.app_key(app)) not in rls_key.stored_fingerprints(conn):
                rls_key.store_key(conn, rls_key.app_key(app), keep_others=True)
        admin.dispose()
    slugs = fill(app, admin_url, args.tenants, args.files, prefix)
    if args.fill_only:
        return 0
    slug = slugs[len(slugs) // 2]
    with admin_connect(admin_url) as conn:
        tenant_id = conn.execute("SELECT id FROM tenants WHERE slug = %s", (slug,)).fetchone()[0]

    logdir = Path(tempfile.mkdtemp(prefix="wasl-bench-"))
    wasl_port, bare_port = free_port(), free_port()
    # Both servers read gunicorn.conf.py: the same workers, threads, connection handling and recycling.
    common = ["-c", "gunicorn.conf.py", "--workers", str(args.workers), "--threads", str(args.threads)]
    wasl_server, _ = start_server("wasl", [sys.executable, "-m", "gunicorn", *common,
                          "--bind", f"127.0.0.1:{wasl_port}", "wsgi:app"], env, wasl_port, logdir)
    bare_env = dict(env, BARE_DATABASE_URL=f"postgresql://wasl_operator@{args.host}/{args.database}",
                    BARE_TENANT_ID=str(tenant_id))
    bare_server, _ = start_server("bare", [sys.executable, "-m", "gunicorn", *common,
                          "--bind", f"127.0.0.1:{bare_port}", "bench.bare_app:app"], bare_env, bare_port, logdir)
    wasl, bare = f"http://127.0.0.1:{wasl_port}", f"http://127.0.0.1:{bare_port}"

    spread = [slug] + [s for s in spread_slugs(slugs, args.spread) if s != slug][:max(args.spread - 1, 0)]
    by_tenant = [staff_pages(wasl, admin_url, s, logdir) for s in spread]
    pages = [(name, method, [(path, body, cookie) for tenant in by_tenant
                             for (n, _m, path, body, cookie) in tenant if n == name])
             for name, method, _path, _body, _cookie in by_tenant[0]]
    if args.pages:
        wanted = {p.strip() for p in args.pages.split(",")}
        pages = [p for p in pages if p[0] in wanted]
    status, _ = Browser(bare).get("/")
    if status != 200:
        sys.exit(f"bare page answered {status} (server log: {logdir / 'bare.log'})")

    who = f"tenant {slug}" if len(spread) == 1 else f"{len(spread)} tenants in turn ({slug}, …)"
    print(f"shape: {args.tenants} tenants × {args.files} files; {who}; gunicorn {args.workers} workers × "
          f"{args.threads} threads each; wrk {args.clients} connections × {args.seconds} s a page; "
          f"logs in {logdir}", flush=True)
    print(f"{'page':<20} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} "
          f"{'bare req/s':>10} {'ratio':>6}", flush=True)
    worst = None
    for name, method, entries in pages:
        # Each round: the bare page, then this page, right after; the page's figures and its ratio are the
        # median round's (by ratio), so one burst of a neighbour's work does not decide the result.
        rounds = []
        for _ in range(args.rounds):
            base, base_cpu = cpu_split(bare_server, lambda: wrk(bare, args.clients, args.seconds, "GET", BARE))
            result, cpu = cpu_split(wasl_server, lambda m=method, e=entries: wrk(
                wasl, args.clients, args.seconds, m, e))
            rounds.append((result["rps"] / base["rps"], result, base, cpu, base_cpu))
        rounds.sort(key=lambda r: r[0])
        ratio, result, base, cpu, base_cpu = rounds[len(rounds) // 2]
        worst = ratio if worst is None else min(worst, ratio)
        spread = f"  ({' '.join(f'{r[0]:.2f}' for r in rounds)})" if len(rounds) > 1 else ""
        print(f"{name:<20} {result['rps']:8.1f} {result['p50']:8.1f} {result['p95']:8.1f} {result['p99']:8.1f} "
              f"{result['errors']:7d} {base['rps']:10.1f} {ratio:6.2f}{spread}", flush=True)
        if args.cpu:
            print("    CPU ms a request (page | bare): " + "  ".join(
                f"{k} {cpu[k]:.2f} | {base_cpu[k]:.2f}" for k in cpu), flush=True)
    bare_result = wrk(bare, args.clients, args.seconds, "GET", BARE)
    print(f"{'bare page':<20} {bare_result['rps']:8.1f} {bare_result['p50']:8.1f} {bare_result['p95']:8.1f} "
          f"{bare_result['p99']:8.1f} {bare_result['errors']:7d}", flush=True)
    print(f"worst ratio: {worst:.2f}" if worst is not None else "worst ratio: n/a")
    return 0


if __name__ == "__main__":
    sys.exit(main())
