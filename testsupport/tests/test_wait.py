"""The one wait_until of the tests and fakes."""

from __future__ import annotations

import time

import pytest

from testsupport.wait import wait_until


def test_wait_until_returns_the_first_truthy_value() -> None:
    answers = iter([None, 0, "ready", "later"])
    assert wait_until(lambda: next(answers), timeout=5, interval=0.01) == "ready"


def test_wait_until_calls_once_more_at_the_deadline_and_returns_that_falsy_value() -> None:
    calls: list[float] = []

    def never() -> list[str]:
        calls.append(time.monotonic())
        return []

    started = time.monotonic()
    assert wait_until(never, timeout=0.3, interval=0.1) == []
    assert calls[-1] - started >= 0.3
    assert 3 <= len(calls) <= 6


def test_wait_until_lets_an_exception_of_the_predicate_through_at_once() -> None:
    def broken() -> bool:
        raise RuntimeError("the child process exited")

    started = time.monotonic()
    with pytest.raises(RuntimeError, match="exited"):
        wait_until(broken, timeout=5)
    assert time.monotonic() - started < 1
