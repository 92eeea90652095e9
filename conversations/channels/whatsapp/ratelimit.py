"""A per-number send rate in Redis: one token bucket per (schema, phone number id).

Every worker process shares the bucket, so the limit holds across the fleet. The refill and the
take happen in one Lua script: two workers can never both take the last token.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis

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


class SendRateLimiter:
    """Token bucket: `rate` sends per second on average, bursts up to `capacity`."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        rate: float,
        capacity: float | None = None,
        prefix: str = "nocturn:wa-send-rate",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.client = client
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(1.0, rate)
        self.prefix = prefix
        self.clock = clock
        self._take = client.register_script(_TAKE)

    @classmethod
    def from_settings(cls, client: redis.Redis | None = None) -> SendRateLimiter:
        from django.conf import settings

        client = client or redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2.0, socket_connect_timeout=2.0)
        return cls(client, rate=settings.WHATSAPP_SEND_RATE, capacity=settings.WHATSAPP_SEND_BURST)

    def key(self, schema: str, phone_number_id: str) -> str:
        # Schema first, like every other key of ours (see conversations.redis_client.key).
        return f"{schema or 'public'}:{self.prefix}:{phone_number_id}"

    def acquire(self, schema: str, phone_number_id: str, tokens: int = 1) -> float:
        """0.0 if the send may go now (the token is taken), else the seconds to wait (nothing taken)."""
        if tokens > self.capacity:
            raise ValueError("cannot take more tokens than the bucket holds")
        wait_ms = self._take(
            keys=[self.key(schema, phone_number_id)],
            args=[repr(self.rate), repr(self.capacity), repr(self.clock()), tokens],
        )
        return int(wait_ms) / 1000.0

    def reset(self, schema: str, phone_number_id: str) -> None:
        self.client.delete(self.key(schema, phone_number_id))
