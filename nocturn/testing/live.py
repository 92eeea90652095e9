"""End-to-end fixtures: a real daphne and a real Celery worker on the test database.

No eager tasks, no in-memory channel layer: the processes are started exactly as in production,
pointed at the test database and the test Redis database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
BIN_DIR = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """settings.DATABASE_URL with its database swapped for the one pytest-django created."""
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))


def child_env(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        NOCTURN_ENV="test",
        DATABASE_URL=test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        CELERY_RESULT_BACKEND=settings.CELERY_RESULT_BACKEND,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@dataclass
class Daphne:
    port: int
    process: subprocess.Popen[bytes]

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@dataclass
class Worker:
    process: subprocess.Popen[bytes]


def start_daphne(log_dir: Path, **extra_env: str) -> Daphne:
    port = free_port()
    log = open(log_dir / f"daphne-{port}.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [str(BIN_DIR / "daphne"), "-b", "127.0.0.1", "-p", str(port), "nocturn.asgi:application"],
        cwd=REPO_ROOT,
        env=child_env(**extra_env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited; see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2):
                return Daphne(port, process)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"daphne did not answer within 30 s; see {log.name}")


def start_worker(log_dir: Path, **extra_env: str) -> Worker:
    from nocturn.celery import app

    log = open(log_dir / f"worker-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "nocturn",
            "worker",
            "-l",
            "info",
            "--concurrency",
            "2",
            "--without-gossip",
            "-I",
            "nocturn.testing.tasks",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=REPO_ROOT,
        env=child_env(**extra_env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    # Benchmarks on a busy shared machine may allow more (bench/run_all.py sets it).
    patience = float(os.environ.get("LIVE_WORKER_START_TIMEOUT", "40"))
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited; see {log.name}")
        if app.control.ping(timeout=0.5):
            return Worker(process)
    process.kill()
    raise RuntimeError(f"the Celery worker did not answer within {patience:.0f} s; see {log.name}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def live_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("live")


@pytest.fixture(scope="session")
def daphne(properties_ab: object, live_logs: Path) -> Iterator[Daphne]:
    server = start_daphne(live_logs)
    yield server
    stop(server.process)


@pytest.fixture(scope="session")
def celery_worker(properties_ab: object, live_logs: Path) -> Iterator[Worker]:
    from nocturn.celery import app

    app.control.purge()  # a queue left by an interrupted earlier run must not leak into this one
    worker = start_worker(live_logs)
    yield worker
    stop(worker.process)
