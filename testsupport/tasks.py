"""Tasks that exist only in test workers (started with `-I testsupport.tasks`)."""

from __future__ import annotations

import redis
from celery import shared_task
from django.conf import settings
from django.db import OperationalError, connection

from core.durability import DurableTask, TransientError


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


@shared_task(base=DurableTask, bind=True, max_retries=2, retry_backoff=1, retry_backoff_max=2)
def flaky(self: DurableTask, key: str, failures: int, kind: str = "transient") -> int:
    """Fails transiently on its first `failures` attempts (counted in Redis), then records its schema.

    kind "database": the failure is the database connection going away (PostgreSQL restarting)."""
    attempt = _redis().incr(f"{key}:attempts")
    if attempt <= failures and kind == "database":
        raise OperationalError("terminating connection due to administrator command")
    if attempt <= failures:
        raise TransientError(f"attempt {attempt} of {failures} planned failures")
    _redis().set(f"{key}:done", connection.schema_name)
    return attempt


@shared_task(base=DurableTask, bind=True)
def broken(self: DurableTask, key: str) -> None:
    """A permanent failure: it must not be retried."""
    _redis().incr(f"{key}:attempts")
    raise ValueError("this input can never be processed")
