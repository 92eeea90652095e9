"""Webhook rate limiting that never loses a signed message.

Meta delivers every WhatsApp event at least once and retries anything not answered 200 (for up to
days, with back-off). A 429 to a valid, signed event therefore loses nothing outright, but it
delays *every* event behind it in Meta's retry schedule and risks the delivery being dropped
after Meta's retry window. So we do not throttle at the door; we throttle the expensive part:

1. Unsigned or badly signed requests (the cheap flood an attacker can send) are answered 401
   after one HMAC over the body, before any parsing, database or Redis work (the view and the
   ASGI fast path both check the signature first).
2. Every valid signed event is stored durably (one INSERT … ON CONFLICT in its property's
   schema) and answered 200, however many arrive.
3. Processing (the guest turn: engine, retrieval, the model) is rate limited per property by a
   token bucket in Redis shared by every worker (`INBOUND_PROCESS_RATE` events/s, bursts of
   `INBOUND_PROCESS_BURST`). An event over budget is not dropped: its task puts itself back on
   the queue with a countdown until a token is due (`defer_processing`), and if that message were
   lost the event would still be pending in PostgreSQL, where the 2-minute beat job re-enqueues
   it. Deferral happens on the worker, so it works whichever path stored the event.
4. An optional hard ceiling per client IP (`WEBHOOK_HARD_CEILING` requests/s, 0 = off) answers
   503 with Retry-After *without storing*: Meta retries later. It is for a flood that would
   otherwise exhaust the database (the one case where refusing is better than storing); it is off
   by default because it is the only rule here that delays real messages.

Redis unavailable: the bucket cannot be read, so processing goes ahead (fail open): a limiter
must never be the reason a guest goes unanswered.
"""

from __future__ import annotations

import random

import redis
import structlog
from django.conf import settings
from django.db import connection

from conversations import task_names
from conversations.models import InboundEvent, InboundState
from core.durability import enqueue
from core.ratelimit import TokenBucket, token_bucket

log = structlog.get_logger(__name__)

REDIS_TIMEOUT_SECONDS = 1.0  # a limiter that cannot answer quickly is skipped (fail open, see above)


def _limiter(prefix: str, rate: float, burst: float) -> TokenBucket:
    return token_bucket(prefix, rate=rate, capacity=burst, timeout=REDIS_TIMEOUT_SECONDS)


def defer_processing(schema: str) -> float:
    """0.0 if an inbound event of `schema` may be processed now (a token is taken), else seconds to wait.

    The wait carries a little jitter so that a burst deferred together does not come back together.
    """
    rate = float(settings.INBOUND_PROCESS_RATE)
    if rate <= 0:
        return 0.0
    try:
        wait = _limiter("nocturn:inbound-process", rate, float(settings.INBOUND_PROCESS_BURST)).acquire(
            schema, "events"
        )
    except redis.RedisError:
        log.warning("inbound_rate_limit_unavailable", schema=schema)
        return 0.0
    if wait <= 0:
        return 0.0
    return min(float(settings.INBOUND_MAX_DEFER), wait + random.uniform(0, 1.0 / rate))  # jitter


def shed_webhook(client_ip: str | None) -> int | None:
    """Seconds for a Retry-After if this client is over the hard ceiling (answer 503, store nothing), else None."""
    ceiling = float(settings.WEBHOOK_HARD_CEILING)
    if ceiling <= 0:
        return None
    try:
        wait = _limiter("nocturn:webhook-ceiling", ceiling, ceiling).acquire("public", client_ip or "unknown")
    except redis.RedisError:
        return None
    if wait <= 0:
        return None
    log.warning("webhook_shed", client_ip=client_ip, retry_after=wait)
    return max(1, int(wait + 0.999))


def deferred(event: InboundEvent) -> bool:
    """True if `event` is over its property's processing budget: its task is queued again for later.

    Only guest messages are metered (a delivery status costs one UPDATE); an event already
    processed is never deferred, so a redelivered task finishes as before.
    """
    if event.kind == "status" or event.state != InboundState.PENDING:
        return False
    schema = connection.schema_name
    wait = defer_processing(schema)
    if wait <= 0:
        return False
    enqueue(task_names.PROCESS_INBOUND, args=[event.pk], schema=schema, countdown=wait)
    log.info("inbound_deferred", schema=schema, event_id=event.pk, seconds=round(wait, 2))
    return True
