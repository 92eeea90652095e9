"""Celery application: tenant-aware (every task carries the schema it was sent from)."""

from __future__ import annotations

import os

import structlog
from celery.signals import task_postrun, task_prerun, worker_process_init
from tenant_schemas_celery.app import CeleryApp

from core.telemetry import setup_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")

app = CeleryApp("nocturn")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _bind_task_context(task_id: str | None = None, task: object = None, **_: object) -> None:
    from django.db import connection

    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(task_id=task_id, property=connection.schema_name)


@task_postrun.connect
def _clear_task_context(**_: object) -> None:
    structlog.contextvars.clear_contextvars()


@worker_process_init.connect
def _trace_worker_process(**_: object) -> None:
    # In each pool process, after the fork: the exporter's background thread must start there.
    setup_tracing("nocturn-worker")
