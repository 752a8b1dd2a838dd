"""Profile one staff page in-process (pyinstrument) against a database bench/http_pages.py filled.

    .venv/bin/python bench/profile_page.py b100x10000-50 /staff/beneficiaries --repeat 200 [--html out.html]

Logs in as the tenant's bench user through the login form, warms up, then profiles REPEAT requests and
prints the time per request, the queries per request and pyinstrument's tree. Needs `pip install pyinstrument`.
"""
import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("slug")
    parser.add_argument("path", help="path after /<slug>, e.g. /staff/beneficiaries")
    parser.add_argument("--post", default=None, help="form body for a POST (csrf_token is added)")
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--database", default="wasl_bench")
    parser.add_argument("--html", default=None)
    parser.add_argument("--all", action="store_true", help="show library frames too")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N",
                        help="instead of pyinstrument's tree, cProfile's N costliest functions (by own time, "
                             "then by cumulative time): where many small calls add up")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN ANALYZE (as wasl_app, in the tenant's scope) of each query of one request")
    args = parser.parse_args()
    from pyinstrument import Profiler
    from sqlalchemy import event

    from bench.in_process import logged_in_page
    from core.extensions import db

    app, hit = logged_in_page(args.slug, args.path, args.database, args.post)
    url = f"/{args.slug}{args.path}"
    for _ in range(10):
        hit()
    if args.explain:
        return explain(app, hit, args.slug)
    counts = [0]
    with app.app_context():
        engines = [db.engine, *db.engines.values()]
    for engine in set(engines):
        event.listen(engine, "before_cursor_execute", lambda *a, **k: counts.__setitem__(0, counts[0] + 1))
    if args.cprofile:
        return by_function(hit, args, url, counts)
    profiler = Profiler(interval=0.0005)
    start = time.perf_counter()
    profiler.start()
    for _ in range(args.repeat):
        hit()
    profiler.stop()
    elapsed = (time.perf_counter() - start) / args.repeat * 1000
    print(f"{url}: {elapsed:.1f} ms a request, {counts[0] / args.repeat:.1f} queries a request")
    if args.html:
        Path(args.html).write_text(profiler.output_html())
    print(profiler.output_text(unicode=True, color=False, show_all=args.all))
    return 0


def by_function(hit, args, url, counts) -> int:
    import cProfile
    import pstats

    profile = cProfile.Profile(time.process_time)  # CPU time: the machine is shared, waiting is not ours
    start = time.perf_counter()
    profile.enable()
    for _ in range(args.repeat):
        hit()
    profile.disable()
    elapsed = (time.perf_counter() - start) / args.repeat * 1000
    print(f"{url}: {elapsed:.1f} ms a request (under cProfile), {counts[0] / args.repeat:.1f} queries a request")
    if os.environ.get("WASL_PSTATS"):
        profile.dump_stats(os.environ["WASL_PSTATS"])
    stats = pstats.Stats(profile).strip_dirs()
    stats.sort_stats("tottime").print_stats(args.cprofile)
    stats.sort_stats("cumulative").print_stats(args.cprofile)
    return 0


def explain(app, hit, slug) -> int:
    """Run the page once, then EXPLAIN ANALYZE each SELECT it sent, in the tenant's scope, as wasl_app."""
    from sqlalchemy import event

    from core import tenants
    from core.extensions import db
    from core.tenancy import cross_tenant_scope, tenant_scope

    seen = []
    with app.app_context():
        engine = db.engine

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and "set_config" not in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    hit()
    event.remove(engine, "before_cursor_execute", keep)
    with app.app_context():
        with cross_tenant_scope():
            tenant = tenants.by_slug(slug)
        with tenant_scope(tenant):
            conn = db.session.connection()
            for statement, parameters in seen:
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars().all()
                total = plan[-1]
                print("\n" + statement[:300].replace("\n", " "), "\n   ", plan[-2], total)
                for line in plan[:-2]:
                    print("   ", line)
        db.session.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main())
