"""Benchmark the outbox: MESSAGES queued messages delivered by WORKERS runners, one of them killed mid-batch.

Each runner is a separate process looping over `core.messaging.delivery.send_pending` (what the task
queue's `outbox.send` job runs) with a transport that appends the message id to a sink file instead of
talking to SMTP. After --kill-after seconds one runner is killed with SIGKILL (no clean-up at all). When
the others are done, the messages the dead runner had claimed are offered again, as they are once
their claim's lease (15 minutes) has run out, and a last runner delivers them. Then every message must
be in the sink (none lost) and each only once, except at most the one the dead runner was sending when
it died (the claim is committed before sending and the "sent" mark after: a runner that dies between the
two sends that message again on the retry — SMTP gives no way to send exactly once).

    DATABASE_URL=postgresql://wasl_app@127.0.0.1:5432/wasl_bench \\
    DATABASE_ADMIN_URL=postgresql://postgres@127.0.0.1:5432/wasl_bench \\
    SECRET_KEY=bench .venv/bin/python bench/outbox_100k.py --messages 100000 --workers 2

Without DATABASE_URL it uses a fresh SQLite file (one runner only makes sense there). Prints the
messages per second of the delivery and the lost / duplicated counts.
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


class Sink:
    """A transport that records each delivery as one line `<id>` appended to a file."""

    def __init__(self, path: str):
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def send(self, message) -> None:
        os.write(self.fd, f"{message.id}\n".encode())


def _app(tmp: Path):
    from core.app import create_app

    return create_app({"UPLOAD_FOLDER": str(tmp / "uploads")})


def run_worker(tmp: Path, sink: str, batch: int) -> None:
    """Deliver until two rounds in a row find nothing due."""
    from core.messaging import delivery

    app = _app(tmp)
    transport, idle = Sink(sink), 0
    with app.app_context():
        while idle < 2:
            counts = delivery.send_pending(limit=batch, transport=transport)
            idle = idle + 1 if not any(counts.values()) else 0


def fill(tmp: Path, messages: int) -> int:
    import sqlalchemy as sa

    from core import tenant_files, tenants
    from core.cli import upgrade_database
    from core.extensions import db
    from core.messaging.models import OutboxMessage
    from core.models.base import utcnow
    from core.models.keys import allocate_ids
    from core.tenancy import cross_tenant_scope, tenant_scope

    app = _app(tmp)
    with app.test_request_context("/?lang=ar"):
        upgrade_database()
        slug = f"outbox-{int(time.time())}"
        with cross_tenant_scope():
            text = (Path(__file__).resolve().parent.parent / "tenants" / "model-welfare.toml").read_text()
            tenant = tenants.provision(tenant_files.parse(text.replace('slug = "model-welfare"',
                                                                       f'slug = "{slug}"'))).tenant
            db.session.commit()
            # earlier runs' messages (same database) are not part of this one
            db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending")))
                               .values(status="failed"))
            db.session.commit()
        now = utcnow()
        with tenant_scope(tenant):
            for start in range(0, messages, 5000):
                batch = range(start, min(start + 5000, messages))
                # SQLite: ids from id_sequences (the key is (tenant_id, id)); PostgreSQL: the sequence.
                ids = allocate_ids(db.session.connection(), OutboxMessage.__tablename__, len(batch))
                db.session.execute(sa.insert(OutboxMessage), [
                    {"tenant_id": tenant.id, "kind": "bench", "medium": "sms" if n % 2 else "email",
                     "recipient": f"+9665{n:08d}" if n % 2 else f"person{n}@example.org", "language": "ar",
                     "subject": "رسالة تجريبية", "body": f"نص الرسالة رقم {n}", "status": "pending",
                     "attempts": 0, "created_at": now, "next_attempt_at": now,
                     **({"id": ids[n - start]} if ids else {})}
                    for n in batch])
                db.session.commit()
        return tenant.id


def expire_claims(tmp: Path) -> int:
    """What the passing of the claim lease does: claimed, unsent messages are due again."""
    import sqlalchemy as sa

    from core.extensions import db
    from core.messaging.models import OutboxMessage
    from core.models.base import utcnow
    from core.tenancy import cross_tenant_scope

    app = _app(tmp)
    with app.app_context(), cross_tenant_scope():
        changed = db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.status == "sending")
                                     .values(next_attempt_at=utcnow())).rowcount
        db.session.commit()
        return changed


def counts_in_database(tmp: Path, tenant_id: int) -> Counter:
    import sqlalchemy as sa

    from core.extensions import db
    from core.messaging.models import OutboxMessage
    from core.tenancy import cross_tenant_scope

    app = _app(tmp)
    with app.app_context(), cross_tenant_scope():
        return Counter(dict(db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).where(OutboxMessage.tenant_id == tenant_id)
            .group_by(OutboxMessage.status)).all()))


def _lines(path: str) -> int:
    try:
        with open(path, "rb") as fh:
            return fh.read().count(b"\n")
    except FileNotFoundError:
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--kill-at", type=float, default=0.3,
                        help="share of the messages delivered when one runner is killed")
    parser.add_argument("--worker", nargs=2, metavar=("TMP", "SINK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(Path(args.worker[0]), args.worker[1], args.batch)
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="wasl-outbox-bench-"))
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite'}"
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ["WASL_INSTANCE_DIR"] = str(tmp / "instance")
    sink = str(tmp / "sink.txt")

    started = time.perf_counter()
    tenant_id = fill(tmp, args.messages)
    print(f"{args.messages} messages queued in {time.perf_counter() - started:.1f} s")

    def spawn():
        return subprocess.Popen([sys.executable, __file__, "--batch", str(args.batch), "--worker", str(tmp), sink])

    started = time.perf_counter()
    runners = [spawn() for _ in range(args.workers)]
    victim = runners[0]
    while victim.poll() is None and _lines(sink) < args.kill_at * args.messages:
        time.sleep(0.05)
    if victim.poll() is None:
        os.kill(victim.pid, signal.SIGKILL)
        print(f"runner {victim.pid} killed with SIGKILL after {_lines(sink)} deliveries")
    for runner in runners[1:]:
        runner.wait()
    main_phase = time.perf_counter() - started
    delivered_main = _lines(sink)
    reclaimed = expire_claims(tmp)
    last = spawn()
    last.wait()
    lines = [int(line) for line in open(sink, encoding="ascii")]
    seen = Counter(lines)
    duplicates = sum(count - 1 for count in seen.values())
    status = counts_in_database(tmp, tenant_id)
    print(f"delivered {delivered_main} in {main_phase:.1f} s by {args.workers} runners "
          f"({delivered_main / main_phase:.0f} messages/s, one runner killed on the way)")
    print(f"claims of the killed runner offered again: {reclaimed}; after the last runner:")
    print(f"  sink lines {len(lines)}, distinct messages {len(seen)}, lost {args.messages - len(seen)}, "
          f"sent twice {duplicates}")
    print(f"  database: {dict(status)}")
    ok = len(seen) == args.messages and duplicates <= 1 and status.get("sent") == args.messages
    print("outbox: OK" if ok else "outbox: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
