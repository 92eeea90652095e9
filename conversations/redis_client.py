"""One Redis client per process for the engine's own keys (sessions, circuits, throttles).

Raw keys always start with a schema name ("public" for keys shared by every property), like the
keys Django's cache writes through django_tenants.cache.make_key.
"""

from __future__ import annotations

from functools import lru_cache

import redis
from django.conf import settings


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0, health_check_interval=30)


def get_redis() -> redis.Redis:
    return _client(settings.REDIS_URL)


def key(schema_name: str, *parts: object) -> str:
    return ":".join([schema_name, "nocturn", *(str(p) for p in parts)])
