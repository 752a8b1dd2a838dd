"""What a staff page costs the app when the staff of many associations ask for it in turn, as real traffic
does (bench/http_pages.py drives one association, so every per-association cache is warm there).

In-process, one thread: the staff user of each of the first N associations of a bench fill logs in, then
each asks for each page in turn, three rounds after a warm-up one; prints the app's CPU time a request.
Needs the fill of `bench/http_pages.py --tenants 1000 --files 1000 --fill-only` in `wasl_bench`.

    .venv/bin/python bench/many_tenants.py --tenants 400 --pages /staff/,/staff/beneficiaries,/staff/requests
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "bench-password-1"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=400, help="how many associations ask in turn")
    parser.add_argument("--pages", default="/staff/,/staff/beneficiaries,/staff/requests",
                        help="comma-separated paths after /<slug>")
    parser.add_argument("--prefix", default="b1000x1000-", help="the fill's slug prefix")
    parser.add_argument("--database", default="wasl_bench")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    os.environ.update(DATABASE_URL=f"postgresql://wasl_app@127.0.0.1:5432/{args.database}",
                      DATABASE_ADMIN_URL=f"postgresql://postgres@127.0.0.1:5432/{args.database}",
                      SECRET_KEY=os.environ.get("SECRET_KEY", "bench-secret"), LOG_LEVEL="WARNING",
                      REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7"))
    from core.app import create_app
    from tests.helpers import csrf_token

    app = create_app({"SESSION_COOKIE_SECURE": False, "TRUSTED_HOSTS": None})
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    staff = []
    for i in range(args.tenants):
        slug = f"{args.prefix}{i}"
        client = app.test_client()
        response = client.post("/auth/login", data={"email": f"officer@{slug}.bench", "password": PASSWORD,
                                                    "csrf_token": csrf_token(client)})
        if response.status_code != 302:
            sys.exit(f"{slug}: login answered {response.status_code} (is the 1,000 × 1,000 fill there?)")
        staff.append((slug, client))

    def run(rounds: int) -> float:
        cpu, count = 0.0, 0
        for _ in range(rounds):
            for slug, client in staff:
                for page in pages:
                    start = time.process_time()
                    response = client.get(f"/{slug}{page}")
                    cpu += time.process_time() - start
                    count += 1
                    if response.status_code != 200:
                        sys.exit(f"/{slug}{page} answered {response.status_code}")
        return 1000 * cpu / count

    run(1)
    print(f"{args.tenants} associations in turn, pages {', '.join(pages)}: "
          f"app CPU {run(args.rounds):.2f} ms a request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
