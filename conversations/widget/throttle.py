"""Fixed-window request counters in Redis: per widget key and, tighter, per conversation."""

from __future__ import annotations

import time

import redis
from django.conf import settings

from core.redis import get_redis, key

WINDOW_SECONDS = 60


def retry_after(limits: list[tuple[str, int]], now: float | None = None) -> int | None:
    """Count this request against each (name, limit); seconds to wait if any is exceeded, else None."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    try:
        pipe = get_redis().pipeline()
        for name, _ in limits:
            counter = key("public", "throttle", name, window)
            pipe.incr(counter)
            pipe.expire(counter, WINDOW_SECONDS + 5)
        counts = pipe.execute()[::2]
    except redis.RedisError:
        return None  # fail open: losing the throttle for a moment beats refusing every guest
    if any(int(count) > limit for count, (_, limit) in zip(counts, limits, strict=True)):
        return max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
    return None


def widget_limits(
    widget_key_id: int, schema_name: str = "", conversation_id: int | None = None
) -> list[tuple[str, int]]:
    limits = [(f"key:{widget_key_id}", settings.WIDGET_RATE_PER_KEY)]
    if conversation_id is not None:
        limits.append((f"conversation:{schema_name}:{conversation_id}", settings.WIDGET_RATE_PER_CONVERSATION))
    return limits
