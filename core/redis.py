"""Redis clients, built in one place: a shared client per process for our own keys, and short-lived
clients for the callers that want their own timeouts (health checks, metrics, rate limiters).

Raw keys always start with a schema name ("public" for keys shared by every property), like the
keys Django's cache writes through django_tenants.cache.make_key.
"""

from __future__ import annotations

from functools import lru_cache

import redis
from django.conf import settings

TIMEOUT_SECONDS = 2.0


def connect(url: str | None = None, *, timeout: float = TIMEOUT_SECONDS, health_check_interval: int = 0) -> redis.Redis:
    """A new client with its own pool, for `url` (default REDIS_URL); `timeout` bounds connect and each read.

    The caller owns it (close it when done, or keep it for the process).
    """
    return redis.Redis.from_url(
        url or settings.REDIS_URL,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        health_check_interval=health_check_interval,
    )


@lru_cache(maxsize=4)
def _shared(url: str) -> redis.Redis:
    return connect(url, health_check_interval=30)


def get_redis() -> redis.Redis:
    """The process's client for the engine's own keys (sessions, circuits, locks, throttles)."""
    return _shared(settings.REDIS_URL)


def get_broker() -> redis.Redis:
    """The process's client on Celery's broker (the same client as `get_redis` when the URLs are one)."""
    return _shared(settings.CELERY_BROKER_URL)


def key(schema_name: str, *parts: object) -> str:
    return ":".join([schema_name, "nocturn", *(str(p) for p in parts)])
