"""Database statements counted per process, for the turn benchmark (bench/turn_throughput.py).

Only when NOCTURN_QUERY_COUNT_DIR is set (a benchmark sets it for the daphne and the worker it
starts; production never does): every statement Django sends on any connection is counted, by kind
(its first word: SELECT, INSERT, SET for django-tenants' search_path, …), and so is every new
connection. A daemon thread writes the counts to `<dir>/<pid>.json` twice a second, so the benchmark
can read them from outside at the start and the end of its window and divide by the turns done.
PostgreSQL's own `pg_stat_statements` is not loaded on our embedded server, hence counting here.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import traceback
import weakref
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db.backends.signals import connection_created

ENV = "NOCTURN_QUERY_COUNT_DIR"
LOG_ENV = "NOCTURN_QUERY_LOG_SQL"


class _Counts:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.pid = 0

    def add(self, kind: str) -> None:
        # A Celery pool process starts with its parent's counts and no writer thread: start afresh.
        if self.pid != os.getpid():
            with self.lock:
                if self.pid != os.getpid():
                    self.pid = os.getpid()
                    self.counts = Counter()
                    threading.Thread(target=self._write_forever, daemon=True, name="querycount").start()
        with self.lock:
            self.counts[kind] += 1

    def _write_forever(self) -> None:
        path = Path(os.environ[ENV]) / f"{os.getpid()}.json"
        while True:
            time.sleep(0.5)
            with self.lock:
                snapshot = dict(self.counts)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(snapshot))
            tmp.replace(path)  # the reader never sees half a file


_COUNTS = _Counts()
# The driver connections seen so far: a pooled connection handed out again is a checkout, not a connect.
_SEEN: weakref.WeakSet[Any] = weakref.WeakSet()


def _our_callers() -> str:
    """The innermost three frames of our own code that led to a statement ("module:line" each)."""
    root = str(Path(__file__).resolve().parent.parent)
    found = []
    for frame in traceback.extract_stack()[-4::-1]:
        if frame.filename.startswith(root) and "/.venv/" not in frame.filename:
            found.append(f"{Path(frame.filename).relative_to(root).with_suffix('')}:{frame.lineno}")
            if len(found) == 3:
                break
    return "<".join(found) or "?"


def _count_statement(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    _COUNTS.add((sql.lstrip().split(None, 1) or ["?"])[0].upper())
    if os.environ.get(LOG_ENV):  # the statements themselves, to list a turn's (bench --sql-log)
        with open(Path(os.environ[ENV]) / f"{os.getpid()}.sql", "a") as log:
            log.write(f"{_our_callers()}  {' '.join(sql.split())[:300]}\n")
    return execute(sql, params, many, context)


def _on_connection(sender: object, connection: Any, **_: object) -> None:
    # connection_created fires for every connection Django takes, from a pool too.
    if connection.connection in _SEEN:
        _COUNTS.add("POOL-CHECKOUT")
    else:
        _SEEN.add(connection.connection)
        # Which kind of thread connects (digits dropped): tells a per-request thread from a pool process.
        thread = re.sub(r"[-_]?\d+", "", threading.current_thread().name)
        _COUNTS.add(f"CONNECT[{thread}]")
    if _count_statement not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count_statement)


def install_if_asked() -> None:
    if os.environ.get(ENV):
        connection_created.connect(_on_connection, dispatch_uid="nocturn-querycount")


def read_counts(directory: Path, pids: set[int] | None = None) -> Counter[str]:
    """The counts written so far by the processes in `pids` (all of them when None), summed."""
    total: Counter[str] = Counter()
    for path in directory.glob("*.json"):
        if pids is not None and int(path.stem) not in pids:
            continue
        try:
            total.update(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue
    return total
