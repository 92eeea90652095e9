"""Token buckets in Redis: one bucket per (schema, name), shared by every process.

Every worker process shares the bucket, so a limit holds across the fleet. The refill and the
take happen in one Lua script: two workers can never both take the last token. Used for the
WhatsApp send rate per number, the inbound processing budget per property and the optional
webhook ceiling per client IP, each with its own key prefix and budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import redis
from django.conf import settings

from core.redis import connect

# The refill and the take, over one or several buckets in order, in one round trip: the first bucket that
# cannot give what is wanted stops the request (the buckets before it keep what they gave, the ones after
# give nothing); when every bucket gave, the counters after them (KEYS beyond the buckets) are incremented.
# KEYS: n bucket hashes, then counters; ARGV: now (seconds), n, counter TTL seconds, then per bucket its rate
# per second, capacity and tokens wanted. Returns {position of the bucket that refused (1-based; 0 when none
# did), milliseconds until it will have accumulated enough}.
_TAKE = """
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local counter_ttl = tonumber(ARGV[3])
for i = 1, n do
  local rate = tonumber(ARGV[1 + 3 * i])
  local capacity = tonumber(ARGV[2 + 3 * i])
  local wanted = tonumber(ARGV[3 + 3 * i])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'at')
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
  redis.call('HSET', KEYS[i], 'tokens', tostring(tokens), 'at', tostring(at))
  redis.call('PEXPIRE', KEYS[i], math.ceil(capacity / rate * 1000) + 1000)
  if wait > 0 then
    return {i, wait}
  end
end
for j = n + 1, #KEYS do
  redis.call('INCR', KEYS[j])
  redis.call('EXPIRE', KEYS[j], counter_ttl)
end
return {0, 0}
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
        _, wait_ms = self._take(
            keys=[self.key(schema, name)],
            args=[repr(self.clock()), 1, 0, repr(self.rate), repr(self.capacity), tokens],
        )
        return int(wait_ms) / 1000.0

    def reset(self, schema: str, name: str) -> None:
        self.client.delete(self.key(schema, name))


def take_in_order(
    client: redis.Redis,
    buckets: Sequence[tuple[str, float, float]],
    *,
    now: float,
    count_when_granted: Sequence[str] = (),
    counter_ttl: int = 180,
) -> tuple[int | None, float]:
    """One token from each bucket `(key, rate per second, capacity)` in order, as `TokenBucket.acquire` takes
    it, in one round trip: (index of the bucket that refused, seconds to wait), or (None, 0.0) when all gave
    and each key of `count_when_granted` was incremented (kept `counter_ttl` seconds)."""
    for _key, rate, _capacity in buckets:
        if rate <= 0:
            raise ValueError("rate must be positive")
    script = _scripts.get(id(client))
    if script is None or script.registered_client is not client:
        script = _scripts[id(client)] = client.register_script(_TAKE)
    keys = [bucket[0] for bucket in buckets] + list(count_when_granted)
    args: list[object] = [repr(now), len(buckets), counter_ttl]
    for _key, rate, capacity in buckets:
        args += [repr(rate), repr(capacity), 1]
    position, wait_ms = script(keys=keys, args=args)
    return (int(position) - 1 if int(position) else None), int(wait_ms) / 1000.0


_scripts: dict[int, Any] = {}  # the registered script per client (its SHA is computed once)
_buckets: dict[tuple[str, str, float, float, float], TokenBucket] = {}


def token_bucket(prefix: str, *, rate: float, capacity: float, timeout: float) -> TokenBucket:
    """The process's bucket for (prefix, budget) on REDIS_URL, with its own client bounded by `timeout`.

    Rebuilt when the settings change (tests override them); a bucket is cheap, its state is in Redis.
    """
    cache_key = (settings.REDIS_URL, prefix, rate, capacity, timeout)
    if cache_key not in _buckets:
        _buckets[cache_key] = TokenBucket(connect(timeout=timeout), rate=rate, capacity=capacity, prefix=prefix)
    return _buckets[cache_key]
