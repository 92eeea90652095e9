"""The widget's throttles: per client, per conversation, and a per-key ceiling that grows with traffic.

A widget key is shared by every guest of a hotel, so a budget per key alone lets one anonymous
client silence the hotel's chat (issue 18: 100 posts a minute did). Each request is counted
instead against, in order:

1. its client: the IP address and the browser id the widget sends (`X-Widget-Client`);
2. its IP address alone, higher (several guests behind one NAT; a client that invents browser ids);
3. its conversation, when it has one;
4. the key's ceiling, a backstop against a distributed flood that only bounds our cost: at least
   `WIDGET_RATE_PER_KEY` a minute, and `WIDGET_KEY_CEILING_GROWTH` times what the key let through
   the minute before, so a busy hotel's budget follows its traffic.

Token buckets (`core.ratelimit`), taken most specific first: a request refused by one bucket takes
nothing from those after it, so a throttled client never spends the budget other guests share.
Redis unavailable → no throttling (fail open): losing the throttle for a moment beats refusing
every guest.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import redis
from django.conf import settings

from core.ratelimit import take_in_order
from core.redis import get_redis, key

PREFIX = "nocturn:throttle:widget"
CLIENT_HEADER = "X-Widget-Client"
MAX_CLIENT_ID = 64


class Caller(Protocol):
    """What the widget's doors read of a request: Django's `HttpRequest`, or the lean path's (`widget.fast`)."""

    method: str
    headers: Mapping[str, str]
    META: Mapping[str, Any]
    body: bytes


@dataclass(frozen=True)
class Limit:
    name: str
    per_minute: float
    traffic_of_key: int | None = None  # a key's ceiling: what passes it is the traffic it grows with


def client_of(request: Caller) -> tuple[str, str]:
    """(IP, browser id). The id is the widget's own; one that is missing or odd counts as none."""
    ip = request.META.get("REMOTE_ADDR", "") or "unknown"
    browser = request.headers.get(CLIENT_HEADER, "")
    if not (0 < len(browser) <= MAX_CLIENT_ID and browser.isascii() and browser.isprintable()):
        browser = "-"
    return ip, browser


def widget_limits(
    request: Caller, widget_key_id: int, schema_name: str = "", conversation_id: int | None = None
) -> list[Limit]:
    ip, browser = client_of(request)
    limits = [
        Limit(f"client:{widget_key_id}:{ip}:{browser}", settings.WIDGET_RATE_PER_CLIENT),
        Limit(f"ip:{widget_key_id}:{ip}", settings.WIDGET_RATE_PER_IP),
    ]
    if conversation_id is not None:
        limits.append(Limit(f"conversation:{schema_name}:{conversation_id}", settings.WIDGET_RATE_PER_CONVERSATION))
    limits.append(Limit(f"key:{widget_key_id}", key_ceiling(widget_key_id), traffic_of_key=widget_key_id))
    return limits


def visit_limits(request: Caller, widget_key_id: int) -> list[Limit]:
    """Visits are counted, not answered: one IP may report only a few browser sessions a minute."""
    ip, _ = client_of(request)
    return [Limit(f"visits:{widget_key_id}:{ip}", settings.WIDGET_VISITS_PER_IP)]


def traffic_key(widget_key_id: int, minute: int) -> str:
    return key("public", "throttle", "widget-traffic", widget_key_id, minute)


# Last minute's traffic per widget key as this process read it: (minute, count). A minute's count is final a
# moment after the minute ends (a request is counted when it is let through), so from SETTLED_SECONDS into the
# next minute one read serves every request of the process until the minute ends, instead of a Redis GET each.
_last_minute: dict[int, tuple[int, int]] = {}
SETTLED_SECONDS = 5.0
MAX_KEYS_REMEMBERED = 10_000


def key_ceiling(widget_key_id: int, now: float | None = None) -> float:
    """Requests a minute the key may serve: its floor, or a multiple of last minute's traffic."""
    now = time.time() if now is None else now
    minute = int(now // 60)
    settled = now - minute * 60 >= SETTLED_SECONDS
    known = _last_minute.get(widget_key_id)
    if settled and known is not None and known[0] == minute:
        last = known[1]
    else:
        try:
            last = int(get_redis().get(traffic_key(widget_key_id, minute - 1)) or 0)
        except redis.RedisError:
            last = 0
        else:
            if settled:
                if len(_last_minute) >= MAX_KEYS_REMEMBERED:
                    _last_minute.clear()
                _last_minute[widget_key_id] = (minute, last)
    return max(float(settings.WIDGET_RATE_PER_KEY), settings.WIDGET_KEY_CEILING_GROWTH * last)


def retry_after(limits: list[Limit], now: float | None = None) -> int | None:
    """Take one token from each bucket in order; the seconds to wait at the first that refuses, else None.

    One Redis round trip for every bucket and the key's traffic count (`core.ratelimit.take_in_order`).
    """
    now = time.time() if now is None else now
    buckets = [
        (f"public:{PREFIX}:{limit.name}", limit.per_minute / 60.0, max(1.0, limit.per_minute)) for limit in limits
    ]
    minute = int(now // 60)
    counters = [traffic_key(limit.traffic_of_key, minute) for limit in limits if limit.traffic_of_key is not None]
    try:
        refused, wait = take_in_order(get_redis(), buckets, now=now, count_when_granted=counters)
    except redis.RedisError:
        return None
    return None if refused is None else max(1, math.ceil(wait))
