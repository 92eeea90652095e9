"""The worker runs below daphne's CPU priority when WORKER_NICE says so (nocturn/celery.py, docs/scaling.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from testsupport.live import child_env, start_worker, stop
from testsupport.wait import wait_until


def _nice_and_parent(pid: int) -> tuple[int, int]:
    # /proc/<pid>/stat: the command (field 2) may hold spaces, so count the fields after its ')'.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16]), int(fields[1])  # nice (field 19), ppid (field 4)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if _nice_and_parent(int(entry.name))[1] == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue  # a process that ended while we looked
    return found


def test_the_worker_and_each_pool_process_run_at_worker_nice(committed_db, tmp_path) -> None:
    base = os.getpriority(os.PRIO_PROCESS, 0)
    worker = start_worker(tmp_path, concurrency=2, WORKER_NICE=str(base + 7))
    try:
        assert wait_until(lambda: len(_children(worker.process.pid)) >= 2, timeout=30, interval=0.2)
        pool = _children(worker.process.pid)
        assert _nice_and_parent(worker.process.pid)[0] == base + 7
        assert [_nice_and_parent(pid)[0] for pid in pool] == [base + 7] * len(pool)
    finally:
        stop(worker.process)


@pytest.mark.parametrize(("started_at", "asked", "expected"), [(0, 10, 10), (8, 5, 8), (3, 0, 3)])
def test_the_priority_is_only_ever_lowered(started_at: int, asked: int, expected: int) -> None:
    # A unit's Nice= above WORKER_NICE stands, and asking for the value already in force changes nothing.
    base = os.getpriority(os.PRIO_PROCESS, 0)
    code = f"from nocturn.celery import at_least_nice; print(at_least_nice({base + asked}))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=child_env(),
        preexec_fn=lambda: os.nice(started_at),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert int(out.stdout.split()[-1]) == base + expected


def _backend_nice(connection) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return pid, os.getpriority(os.PRIO_PROCESS, pid)


@pytest.mark.django_db
def test_a_worker_connection_s_backend_runs_at_worker_nice_too() -> None:
    # A turn's SQL runs in the worker's backend: niced with the worker when it is a process of this machine.
    from django.db import connections

    from nocturn.celery import nice_backend

    connection = connections.create_connection("default")  # its own backend: the test's own stays as it is
    try:
        pid, before = _backend_nice(connection)
        if not os.access(f"/proc/{pid}/stat", os.R_OK):
            pytest.skip("the database's backends are not processes of this machine")
        reniced = nice_backend(connection, before + 7)
        if reniced is None:
            pytest.skip("the database's backends run as another user: not ours to renice")
        assert reniced == before + 7 == _backend_nice(connection)[1]
        assert nice_backend(connection, before + 2) == before + 7  # only ever lowered, as the worker's own
    finally:
        connection.close()


class _Connection:
    """A connection whose server names `pid` and `database` as its backend's."""

    def __init__(self, host: str, pid: int, database: str) -> None:
        self.settings_dict = {"HOST": host}
        self._row = (pid, database)

    def cursor(self) -> _Connection:
        return self

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def execute(self, sql: str) -> None:
        return None

    def fetchone(self) -> tuple[int, str]:
        return self._row


@pytest.mark.parametrize(
    "connection",
    [
        _Connection("db.internal", os.getpid(), "nocturn"),  # another host: its pids are not ours
        _Connection("", os.getpid(), "nocturn"),  # a pid of ours that is no PostgreSQL backend (another namespace)
        _Connection("/run/postgresql", 2**22 + 7, "nocturn"),  # no such process here
    ],
)
def test_a_backend_that_is_not_a_local_postgres_process_is_left_alone(connection: _Connection) -> None:
    from nocturn.celery import nice_backend

    before = os.getpriority(os.PRIO_PROCESS, 0)
    assert nice_backend(connection, before + 5) is None
    assert os.getpriority(os.PRIO_PROCESS, 0) == before
