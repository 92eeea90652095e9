"""The per-number send rate: a token bucket in the real Redis, shared by every worker."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings

from messaging.base import OutboundMessage
from messaging.whatsapp import RateLimited, SendRateLimiter, WhatsAppAdapter
from testsupport.graph import FakeGraphServer


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(settings.REDIS_URL)
    yield connection
    connection.close()


@pytest.fixture
def number() -> str:
    return f"num-{uuid.uuid4().hex[:8]}"  # a bucket of its own, whatever else runs on this Redis db


def test_it_allows_a_burst_then_asks_to_wait_for_the_refill(client: redis.Redis, number: str) -> None:
    clock = Clock()
    limiter = SendRateLimiter(client, rate=2.0, capacity=3, clock=clock)
    assert [limiter.acquire("alpha", number) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("alpha", number) == pytest.approx(0.5)
    clock.now += 0.5  # one token back
    assert limiter.acquire("alpha", number) == 0.0
    assert limiter.acquire("alpha", number) > 0
    clock.now += 60  # refills only up to the capacity
    assert [limiter.acquire("alpha", number) for _ in range(4)][-1] > 0
    limiter.reset("alpha", number)


def test_buckets_are_kept_per_schema_and_number(client: redis.Redis, number: str) -> None:
    limiter = SendRateLimiter(client, rate=1.0, capacity=1, clock=Clock())
    assert limiter.acquire("alpha", number) == 0.0
    assert limiter.acquire("alpha", number) > 0
    assert limiter.acquire("bravo", number) == 0.0  # same number id, other property
    assert limiter.acquire("alpha", number + "-2") == 0.0  # other number of the same property
    assert limiter.key("alpha", number) == f"alpha:nocturn:wa-send-rate:{number}"
    assert client.pttl(limiter.key("alpha", number)) > 0  # idle buckets expire
    for schema, num in [("alpha", number), ("bravo", number), ("alpha", number + "-2")]:
        limiter.reset(schema, num)


def test_concurrent_workers_never_take_more_than_the_bucket_holds(client: redis.Redis, number: str) -> None:
    limiter = SendRateLimiter(client, rate=0.001, capacity=25, clock=Clock())  # no refill during the test
    granted = []

    def worker() -> None:
        own = redis.Redis.from_url(settings.REDIS_URL)
        mine = SendRateLimiter(own, rate=0.001, capacity=25, clock=Clock())
        granted.extend(1 for _ in range(10) if mine.acquire("alpha", number) == 0.0)
        own.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(granted) == 25
    limiter.reset("alpha", number)


def test_the_adapter_refuses_locally_when_the_number_is_over_its_rate(client: redis.Redis, number: str) -> None:
    limiter = SendRateLimiter(client, rate=1.0, capacity=1, clock=Clock())
    message = OutboundMessage("whatsapp", "+60123456789", "hello")
    with FakeGraphServer() as graph:
        with WhatsAppAdapter(
            number, graph.token, base_url=graph.url, schema="alpha", rate_limiter=limiter, timeout=0.5
        ) as adapter:
            adapter.send(message)
            with pytest.raises(RateLimited) as raised:
                adapter.send(message)
        assert raised.value.retry_after == pytest.approx(1.0)
        assert raised.value.retryable
        assert len(graph.sent_messages()) == 1  # the refused send never reached Meta
    limiter.reset("alpha", number)


def test_the_limiter_from_settings_uses_the_configured_rate(settings, number: str) -> None:
    settings.WHATSAPP_SEND_RATE, settings.WHATSAPP_SEND_BURST = 5.0, 2
    limiter = SendRateLimiter.from_settings()
    assert (limiter.rate, limiter.capacity) == (5.0, 2)
    assert [limiter.acquire("alpha", number) == 0.0 for _ in range(3)] == [True, True, False]
    limiter.reset("alpha", number)
