"""Redis clients, built in one place: a shared client per process for our own keys, and short-lived
clients for the callers that want their own timeouts (health checks, metrics, rate limiters).

Raw keys always start with a schema name ("public" for keys shared by every property), like the
keys Django's cache writes through django_tenants.cache.make_key.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings
from redis.lock import Lock

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


class ReadingLock(Lock):
    """redis-py's lock, whose taking also reads `reads` (keys on the same client) in the same round trip.

    A guest turn takes its conversation's lock and then read two keys, each a round trip of its own (the session,
    the settings stamp). Here each try to take the lock is one pipeline: the `SET NX` first, then the reads, which
    Redis runs in that order on the one connection, so what a successful try read was read with the lock held, as
    reads made after taking it would be. `values` holds them ({key: value or None}) once the lock is taken; a try
    that failed reads again on the next.
    """

    def __init__(self, client: redis.Redis, name: str, *, reads: Iterable[str] = (), **options: Any) -> None:
        super().__init__(client, name, **options)
        self.reads = tuple(reads)
        self.values: dict[str, Any] = {}

    def do_acquire(self, token: str) -> bool:
        timeout = int(self.timeout * 1000) if self.timeout else None  # milliseconds, as `Lock.do_acquire`
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(self.name, token, nx=True, px=timeout)
            for read in self.reads:
                pipe.get(read)
            taken, *values = pipe.execute()
        if taken:
            self.values = dict(zip(self.reads, values, strict=True))
        return bool(taken)
