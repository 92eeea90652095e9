"""Token buckets in Redis: one bucket per (schema, name), shared by every process.

Every worker process shares the bucket, so a limit holds across the fleet. The refill and the
take happen in one Lua script: two workers can never both take the last token. Used for the
WhatsApp send rate per number, the inbound processing budget per property and the optional
webhook ceiling per client IP, each with its own key prefix and budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

import redis
from django.conf import settings

from core.redis import connect

# KEYS[1] bucket hash; ARGV: rate per second, capacity, now (seconds), tokens wanted.
# Returns 0 when granted, else the milliseconds until enough tokens will have accumulated.
_TAKE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local wanted = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil then
  tokens = capacity
  at = now
end
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * rate)
  at = now
end
local wait = 0
if tokens >= wanted then
  tokens = tokens - wanted
else
  wait = math.ceil((wanted - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return wait
"""


class TokenBucket:
    """`rate` tokens per second on average, bursts up to `capacity`; keys `{schema}:{prefix}:{name}`."""

    default_prefix: ClassVar[str] = ""  # a subclass for one use names its keys once

    def __init__(
        self,
        client: redis.Redis,
        *,
        rate: float,
        capacity: float | None = None,
        prefix: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.client = client
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(1.0, rate)
        self.prefix = prefix or self.default_prefix
        if not self.prefix:
            raise ValueError("a bucket needs a key prefix")
        self.clock = clock
        self._take = client.register_script(_TAKE)

    def key(self, schema: str, name: str) -> str:
        # Schema first, like every other key of ours (see core.redis.key).
        return f"{schema or 'public'}:{self.prefix}:{name}"

    def acquire(self, schema: str, name: str, tokens: int = 1) -> float:
        """0.0 if the action may go now (the tokens are taken), else the seconds to wait (nothing taken)."""
        if tokens > self.capacity:
            raise ValueError("cannot take more tokens than the bucket holds")
        wait_ms = self._take(
            keys=[self.key(schema, name)],
            args=[repr(self.rate), repr(self.capacity), repr(self.clock()), tokens],
        )
        return int(wait_ms) / 1000.0

    def reset(self, schema: str, name: str) -> None:
        self.client.delete(self.key(schema, name))


_buckets: dict[tuple[str, str, float, float, float], TokenBucket] = {}


def token_bucket(prefix: str, *, rate: float, capacity: float, timeout: float) -> TokenBucket:
    """The process's bucket for (prefix, budget) on REDIS_URL, with its own client bounded by `timeout`.

    Rebuilt when the settings change (tests override them); a bucket is cheap, its state is in Redis.
    """
    cache_key = (settings.REDIS_URL, prefix, rate, capacity, timeout)
    if cache_key not in _buckets:
        _buckets[cache_key] = TokenBucket(connect(timeout=timeout), rate=rate, capacity=capacity, prefix=prefix)
    return _buckets[cache_key]
