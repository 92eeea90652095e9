"""Celery application: tenant-aware (every task carries the schema it was sent from)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import structlog
from celery.signals import task_postrun, task_prerun, worker_init, worker_process_init
from tenant_schemas_celery.app import CeleryApp, restore_schema

from core import layer
from core.telemetry import setup_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")

app = CeleryApp("nocturn")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery's Django fix-up closes every database connection before and after each task unless this is
# set, so DATABASE_CONN_MAX_AGE never applied in the worker: two new PostgreSQL connections per guest
# turn (docs/perf/README.md). It now closes them only every 2 × this many tasks; in between,
# _bind_task_context closes one exactly when Django would close a request's (age, errors, health check).
app.conf["CELERY_DB_REUSE_MAX"] = 10_000
app.autodiscover_tasks()


@task_prerun.connect
def _bind_task_context(task_id: str | None = None, task: object = None, **_: object) -> None:
    from django.db import close_old_connections, connection

    # As before a request: drop a connection too old, broken or failing its check. Not for a task run in
    # the caller's process (apply(), tests): that connection is the caller's, maybe inside its transaction.
    # Celery's own Django fix-up makes the same exception.
    if not getattr(getattr(task, "request", None), "is_eager", False):
        close_old_connections()
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(task_id=task_id, property=connection.schema_name)


@task_postrun.connect
def _clear_task_context(**_: object) -> None:
    structlog.contextvars.clear_contextvars()


# tenant-schemas-celery puts the connection back in the public schema after every task, so the next task,
# switched back to its property's schema before it runs (its prerun, then DurableTask.__call__), sent
# `SET search_path` again: one statement of every guest turn. In a worker nothing runs between tasks, so
# the schema now stays; a task run in its caller's process (apply(), tests) still hands the caller's
# schema back, as the library did.
task_postrun.disconnect(restore_schema, dispatch_uid="tenant_schemas_restore_schema")


@task_postrun.connect
def _restore_caller_schema(task: object = None, **kwargs: object) -> None:
    if getattr(getattr(task, "request", None), "is_eager", False):
        restore_schema(task, **kwargs)


@worker_process_init.connect
def _trace_worker_process(**_: object) -> None:
    # In each pool process, after the fork: the exporter's background thread must start there, and so
    # must the channel-layer loop that the turn's staff and guest events go out on (core/layer.py).
    setup_tracing("nocturn-worker")
    layer.use_own_loop()


def at_least_nice(niceness: int) -> int:
    """Raise this process's nice value to `niceness` if it is lower (never the other way: a unit's Nice=
    above ours stands, and an unprivileged process could not lower it anyway); returns the value now."""
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness > current:
        os.setpriority(os.PRIO_PROCESS, 0, min(niceness, 19))
    return os.getpriority(os.PRIO_PROCESS, 0)


@worker_init.connect
@worker_process_init.connect
def _lower_worker_priority(**_: object) -> None:
    # The main process before it forks its pool (the children inherit it) and each pool process again
    # (one the pool replaces later starts from the main process's value anyway): see WORKER_NICE.
    from django.conf import settings
    from django.db.backends.signals import connection_created

    if settings.WORKER_NICE:
        at_least_nice(settings.WORKER_NICE)
        connection_created.connect(_lower_backend_priority, dispatch_uid="nocturn_worker_backend_nice")


def _lower_backend_priority(connection: Any, **_: object) -> None:
    from django.conf import settings

    nice_backend(connection, settings.WORKER_NICE)


def nice_backend(connection: Any, niceness: int) -> int | None:
    """Raise the nice value of `connection`'s PostgreSQL backend to `niceness` when that backend is a process of
    this machine we may renice; returns its nice value then, None when it is not (the usual case off one box).

    A guest turn's SQL runs in the worker's backends, not in the worker: at nice 0 they took the CPU from
    daphne's acks that the niced worker gave up (docs/benchmarks.md, "p28w"). Only a backend we can see is
    touched: the database reached by a Unix socket or the loopback, the pid (from the server) naming a
    `postgres:` process of this database in our /proc (a server in a container or on another host has
    pids of its own), and the kernel letting us (the same user, as devstack's embedded server; or root).
    """
    host = connection.settings_dict.get("HOST") or ""
    if host and not host.startswith("/") and host not in ("localhost", "127.0.0.1", "::1"):
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_database()")
        pid, database = cursor.fetchone()
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes()
        if not title.startswith(b"postgres: ") or f" {database} ".encode() not in title:
            return None
        if os.getpriority(os.PRIO_PROCESS, pid) < niceness:
            os.setpriority(os.PRIO_PROCESS, pid, min(niceness, 19))
        return os.getpriority(os.PRIO_PROCESS, pid)
    except OSError:  # gone, or not ours to renice (another user's server): it runs as it is
        return None
