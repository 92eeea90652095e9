"""The Redis reads a module makes, recorded: for tests that hold a cache to "read once a turn" or "once a minute"."""

from __future__ import annotations

from types import ModuleType

import pytest

from core.redis import get_redis


def redis_gets(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> list[str]:
    """The names `module` GETs from Redis from now on, in order (the reads still go to Redis); `module` must call
    `get_redis()` by the name it imported, as the settings cache and the widget throttle do."""
    gets: list[str] = []
    client = get_redis()

    class Counting:
        def get(self, name: str) -> object:
            gets.append(name)
            return client.get(name)

    monkeypatch.setattr(module, "get_redis", Counting)
    return gets
