"""Health of the parts Nocturn cannot work without, each checked on its own."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from kombu import Connection

from core.redis import connect

CHECK_TIMEOUT_SECONDS = 1.0


def _check_postgres() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    client = connect(settings.REDIS_URL, timeout=CHECK_TIMEOUT_SECONDS)
    try:
        client.ping()
    finally:
        client.close()


def _check_broker() -> None:
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=CHECK_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=CHECK_TIMEOUT_SECONDS)


CHECKS = {"postgres": _check_postgres, "redis": _check_redis, "celery_broker": _check_broker}


def check_services() -> dict[str, str]:
    """{"postgres": "ok" | "down: …", "redis": …, "celery_broker": …}"""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # any failure of a dependency is reported, never raised
            results[name] = f"down: {type(error).__name__}"
    return results
