"""Real processes for the scale-out and fault tests: a PgBouncer in transaction mode, gunicorn servers.

Each is started on a free port with its own files in a temporary folder and stopped by its own
process id; nothing here touches the machine's PostgreSQL or Redis beyond connecting to them.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
PGBOUNCER = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)

needs_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql")),
    reason="needs PostgreSQL (DATABASE_URL is SQLite); .ci/run's PostgreSQL step runs it")
needs_pgbouncer = pytest.mark.skipif(
    PGBOUNCER is None, reason="needs the pgbouncer Debian package (scripts/install.sh --test installs it)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s")


def stop(process: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 10.0) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def through_port(url: str, port: int, user: str | None = None) -> str:
    """The same database URL, reached on another port of 127.0.0.1 (and as another user, if given)."""
    parts = urlsplit(url)
    login = user or parts.username or ""
    if parts.password:
        login += ":" + parts.password
    return f"{parts.scheme}://{login}@127.0.0.1:{port}{parts.path}"


@dataclass
class Bouncer:
    port: int
    process: subprocess.Popen
    folder: Path

    def stop(self, immediately: bool = False) -> None:
        # SIGINT: safe shutdown (waits for transactions in flight); SIGTERM: at once, cutting them.
        stop(self.process, signal.SIGTERM if immediately else signal.SIGINT)
        if self.folder.name.startswith("wasl-pgbouncer-"):
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database_url: str, user: str | None = None) -> str:
        return through_port(database_url, self.port, user)


def start_pgbouncer(folder: Path, database_url: str, pool_size: int = 2, port: int | None = None) -> Bouncer:
    """A PgBouncer in transaction pooling mode in front of DATABASE_URL's server.

    A small pool (2 server connections) makes many clients share few server connections, so a
    setting left on a connection by one transaction would be seen by another tenant's next one.
    """
    upstream = urlsplit(database_url)
    port = port or free_port()
    if os.geteuid() == 0:
        # PgBouncer refuses to run as root: it runs as postgres, which cannot enter pytest's 0700 folders.
        folder = Path(tempfile.mkdtemp(prefix="wasl-pgbouncer-"))
        folder.chmod(0o755)
    folder.mkdir(parents=True, exist_ok=True)
    users = ["wasl_app", "wasl_operator", "postgres", upstream.username or "postgres"]
    (folder / "userlist.txt").write_text("".join(f'"{u}" ""\n' for u in dict.fromkeys(users)))
    (folder / "pgbouncer.ini").write_text(f"""
[databases]
* = host={upstream.hostname or "127.0.0.1"} port={upstream.port or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "userlist.txt"}
pool_mode = transaction
default_pool_size = {pool_size}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 500
server_check_delay = 0
ignore_startup_parameters = extra_float_digits,options
logfile = {folder / "pgbouncer.log"}
pidfile = {folder / "pgbouncer.pid"}
admin_users = postgres
""")
    command = [PGBOUNCER, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        shutil.chown(folder, "postgres")
        for name in ("userlist.txt", "pgbouncer.ini"):
            shutil.chown(folder / name, "postgres")
        command[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process=process)
    except RuntimeError as error:
        stop(process)
        log = folder / "pgbouncer.log"
        raise RuntimeError(f"{error}: {log.read_text() if log.exists() else ''}") from None
    return Bouncer(port, process, folder)


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop(self.process, signal.SIGQUIT)  # quick shutdown: the tests are done with it

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait(self, timeout: float = 60) -> None:
        try:
            wait_for_port(self.port, timeout=timeout, process=self.process)
        except RuntimeError as error:
            self.stop()
            raise RuntimeError(f"{error}\n{self.output()[-3000:]}") from None


def start_gunicorn(folder: Path, env: dict, workers: int = 1, threads: int = 4, port: int | None = None,
                   wait: bool = True) -> Server:
    """`gunicorn wsgi:app` with the repository's gunicorn.conf.py, on its own port and environment."""
    port = port or free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"gunicorn-{port}.log"
    full_env = {**os.environ, **env, "WASL_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers),
                "WASL_THREADS": str(threads), "PROMETHEUS_MULTIPROC_DIR": str(_fresh(folder / f"metrics-{port}"))}
    full_env.pop("FLASK_RUN_FROM_CLI", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log.open("wb") as out:
        process = subprocess.Popen([str(gunicorn), "wsgi:app"], cwd=ROOT, env=full_env, stdout=out,
                                   stderr=subprocess.STDOUT)
    server = Server(port, process, log)
    if wait:
        server.wait()
    return server


def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


#: Settings a second in-process app copies from the tests' app.
SHARED_SETTINGS = ("TESTING", "PASSWORD_HASH_PARAMS", "SESSION_COOKIE_SECURE", "MAIL_BACKEND", "MAIL_FILE_DIR",
                   "UPLOAD_FOLDER", "SECRET_KEY", "RATELIMIT_STORAGE_URI")


@contextmanager
def second_app(app, **overrides):
    """Another app in this process, like the tests' one but with `overrides` (another database URL, a
    dead Redis). The limiter is one object whose storage the last `init_app` set: it is put back after,
    so the tests' app keeps its own rate-limit store; so is Celery's default app, which the task objects
    (`run_job.apply`, `.delay`) use: left on the other app, they ran in its database."""
    from core.app import create_app
    from core.extensions import db, limiter

    saved = dict(vars(limiter))
    other = create_app({**{k: v for k, v in app.config.items() if k in SHARED_SETTINGS}, **overrides})
    try:
        yield other
    finally:
        with other.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
        vars(limiter).clear()
        vars(limiter).update(saved)
        if "celery" in app.extensions:  # each new Celery app makes itself this thread's current one
            app.extensions["celery"].set_default()
            app.extensions["celery"].set_current()


REDIS_SERVER = shutil.which("redis-server")
needs_redis_server = pytest.mark.skipif(REDIS_SERVER is None,
                                        reason="needs the redis-server binary (Debian: redis-server)")


@dataclass
class Redis:
    """A throwaway Redis (no persistence) on its own port: a broker the tests may stop and start again."""

    port: int
    folder: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_for_port(self.port, process=self.process)
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


def throwaway_redis(folder: Path) -> Redis:
    """A Redis that is not running yet, on a free port (`start()` it, `stop()` it, start it again)."""
    return Redis(free_port(), folder)
