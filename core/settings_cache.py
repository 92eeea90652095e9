"""A property's settings rows kept per process for a few seconds, dropped as soon as any of them changes.

Every guest turn reads the property (its hours, time zone and name) and its channel settings (the
assistant's voice, the buffer window); they change a few times a year, and each read was a SELECT per
turn. A cached row is served only while its property's *stamp* is unchanged: a Redis counter that every
save of a settings row bumps once the transaction commits (`changed`), so a manager's change made in any
process reaches the next turn of every worker. Checking the stamp is one Redis GET, against a SELECT of
the whole row. `TTL_SECONDS` bounds what a lost bump (Redis down at that moment) can cost; with Redis
down the rows are read fresh. Entries are keyed by schema: one property's rows are never served to another.

What `cached` returns is shared by the process's callers: read it, never change or save it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import redis
import structlog
from django.db import transaction

from core.redis import get_redis, key

log = structlog.get_logger(__name__)

TTL_SECONDS = 10.0
T = TypeVar("T")

_rows: dict[tuple[str, str], tuple[float, bytes | None, object]] = {}
_turn = threading.local()  # the stamps read in this thread's current `one_stamp_read` block


def stamp_key(schema_name: str) -> str:
    return key("public", "settings-stamp", schema_name)


def cached(schema_name: str, name: str, load: Callable[[], T]) -> T:
    """`load()`'s value for `schema_name`, from this process's cache while the property's stamp holds."""
    held = getattr(_turn, "stamps", None)
    try:
        # Read before loading: a change committed in between then shows as a new stamp next time.
        if held is not None and schema_name in held:
            stamp = held[schema_name]
        else:
            stamp = get_redis().get(stamp_key(schema_name))
            if held is not None:
                held[schema_name] = stamp
    except redis.RedisError:
        return load()  # no stamp to trust
    now = time.monotonic()
    hit = _rows.get((schema_name, name))
    if hit is not None and hit[0] > now and hit[1] == stamp:
        return hit[2]  # type: ignore[return-value]
    value = load()
    _rows[(schema_name, name)] = (now + TTL_SECONDS, stamp, value)
    return value


@contextmanager
def one_stamp_read(read: dict[str, bytes | None] | None = None) -> Iterator[None]:
    """Within the block (a guest turn), each property's stamp is read from Redis once, not once per row.

    A turn reads several cached rows (the property, its channel settings, the room catalogue, the lead
    settings): one GET serves them all. A change committed elsewhere during the block is seen from the next
    block on, as it would be had it committed a moment later; this process's own changes drop its copies
    at once whatever the block holds (`changed`). `read`: stamps the caller has just read ({schema: stamp},
    e.g. in the round trip that took the turn's lock), served instead of a GET of their own."""
    outer = getattr(_turn, "stamps", None)
    _turn.stamps = {} if outer is None else outer
    for schema_name, stamp in (read or {}).items():
        _turn.stamps.setdefault(schema_name, stamp)
    try:
        yield
    finally:
        _turn.stamps = outer


def changed(schema_name: str) -> None:
    """A settings row of `schema_name` changed: every process's cached rows of it are stale once this commits."""

    # This process forgets its copies at once (its next read, in this transaction, sees the change); the
    # others when the stamp moves, on commit, so none of them reads the row before it is committed.
    _forget(schema_name)

    def bump() -> None:
        _forget(schema_name)
        try:
            get_redis().incr(stamp_key(schema_name))
        except redis.RedisError:
            log.warning("settings_stamp_not_bumped", schema=schema_name)  # other processes catch up in TTL_SECONDS

    transaction.on_commit(bump)


def _forget(schema_name: str) -> None:
    for entry in [entry for entry in _rows if entry[0] == schema_name]:
        _rows.pop(entry, None)


def clear() -> None:
    """Forget every cached row of this process (tests: a rolled-back test's rows must not reach the next)."""
    _rows.clear()
