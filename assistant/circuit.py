"""A circuit breaker per provider, kept in Redis so every web and worker process shares it.

closed: calls go through; `failure_threshold` failures inside `window` seconds open it.
open: calls are skipped for `cooldown` seconds (the open key's TTL).
half-open: after the cooldown one caller (a SET NX probe key) tries; success closes the circuit,
failure opens it again.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import redis

from core.redis import get_redis, key


@dataclass(frozen=True)
class CircuitBreaker:
    name: str
    failure_threshold: int = 3
    window: int = 60
    cooldown: int = 30

    def _key(self, part: str) -> str:
        # Providers serve every property, so the circuit lives under the public prefix.
        return key("public", "circuit", self.name, part)

    def state(self) -> str:
        r = get_redis()
        if r.exists(self._key("open")):
            return "open"
        if r.exists(self._key("tripped")):
            return "half_open"
        return "closed"

    def allow(self) -> bool:
        try:
            r = get_redis()
            if r.exists(self._key("open")):
                return False
            if r.exists(self._key("tripped")):
                # Half-open: only one caller at a time probes a provider that just failed.
                return bool(r.set(self._key("probe"), "1", nx=True, ex=max(self.cooldown, 5)))
            return True
        except redis.RedisError:
            return True  # without Redis we cannot share state; trying is better than never answering

    def record_success(self) -> None:
        with contextlib.suppress(redis.RedisError):
            get_redis().delete(self._key("failures"), self._key("open"), self._key("tripped"), self._key("probe"))

    def record_failure(self) -> None:
        try:
            r = get_redis()
            if r.exists(self._key("tripped")):
                self._open(r)
                return
            pipe = r.pipeline()
            pipe.incr(self._key("failures"))
            pipe.expire(self._key("failures"), self.window, nx=True)
            failures, _ = pipe.execute()
            if int(failures) >= self.failure_threshold:
                self._open(r)
        except redis.RedisError:
            pass

    def _open(self, r: redis.Redis) -> None:
        pipe = r.pipeline()
        pipe.set(self._key("open"), "1", ex=self.cooldown)
        pipe.set(self._key("tripped"), "1", ex=self.cooldown * 20)
        pipe.delete(self._key("failures"), self._key("probe"))
        pipe.execute()
