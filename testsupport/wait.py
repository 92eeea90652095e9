"""The one way tests and fakes wait for something another thread or process does."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.1) -> T:
    """Call `predicate` every `interval` seconds until it returns something truthy, and return that;
    at the deadline, return what the last call (made at the deadline, not before) returned: falsy
    when the wait failed, so callers assert on it.

    An exception from `predicate` propagates at once: a child process that died is not worth waiting for.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        remaining = deadline - time.monotonic()
        if value or remaining <= 0:
            return value
        time.sleep(min(interval, remaining))
