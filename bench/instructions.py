"""Instructions a staff page costs in the app's own process, counted by valgrind (callgrind): the same
figure on every run, whatever else the machine is doing, so a change of a few per cent shows. It counts
the Python side only (PostgreSQL's work is not in it): use it to compare two versions of the code, and
bench/http_pages.py for the speed of the whole.

    .venv/bin/python bench/instructions.py b100x10000-50 /staff/requests [/staff/beneficiaries …] [--repeat 10]

Needs valgrind (Debian package) and a database filled by bench/http_pages.py (default `wasl_bench`). Each
page: logs in as the tenant's bench user, warms up, then counts REPEAT requests.
"""
import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("slug")
    parser.add_argument("paths", nargs="+", help="paths after /<slug>; POST:/staff/search?q=… for a form")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--database", default="wasl_bench")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        return inside(args)
    for path in args.paths:
        with tempfile.TemporaryDirectory() as out:
            command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}/cg.%p",
                       sys.executable, __file__, "--inside", "--repeat", str(args.repeat), "--database",
                       args.database, args.slug, path]
            run = subprocess.run(command, capture_output=True, text=True)
            if run.returncode != 0:
                print(run.stdout[-2000:], run.stderr[-2000:], file=sys.stderr)
                return run.returncode
            total = 0
            for dump in Path(out).glob("cg.*"):
                for line in dump.read_text(errors="replace").splitlines():
                    if line.startswith("totals:"):  # what was counted ("summary:" is 0 with counting off at start)
                        total += int(line.split()[1])
        print(f"{path}: {total / args.repeat / 1e6:.2f} M instructions a request")
    return 0


def inside(args) -> int:
    """Runs under valgrind with counting off; counts only the measured requests."""
    sys.path.insert(0, str(ROOT))
    from bench.in_process import logged_in_page

    [path] = args.paths
    post = None
    if path.startswith("POST:"):
        path, _, post = path[5:].partition("?")
    _app, hit = logged_in_page(args.slug, path, args.database, post)
    for _ in range(5):
        hit()
    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], capture_output=True, check=True)
    for _ in range(args.repeat):
        hit()
    subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], capture_output=True, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
