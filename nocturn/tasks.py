from __future__ import annotations

from celery import shared_task
from django.db import connection


@shared_task
def whereami() -> str:
    """Diagnostic: the schema a worker ran this task in (tenant-schemas-celery carries it)."""
    return connection.schema_name
