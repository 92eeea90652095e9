"""Meta's per-number send rate: one token bucket per (schema, phone number id), shared by every worker."""

from __future__ import annotations

import redis
from django.conf import settings

from core.ratelimit import TokenBucket
from core.redis import connect

SEND_TIMEOUT_SECONDS = 2.0


class SendRateLimiter(TokenBucket):
    """`rate` sends per second per number on average, bursts up to `capacity`."""

    default_prefix = "nocturn:wa-send-rate"

    @classmethod
    def from_settings(cls, client: redis.Redis | None = None) -> SendRateLimiter:
        client = client or connect(timeout=SEND_TIMEOUT_SECONDS)
        return cls(client, rate=settings.WHATSAPP_SEND_RATE, capacity=settings.WHATSAPP_SEND_BURST)
