"""core.ratelimit: one token bucket for every limit, each caller with its own prefix and budget."""

from __future__ import annotations

import uuid

from core.ratelimit import take_in_order, token_bucket
from core.redis import get_redis


def test_each_prefix_and_budget_has_its_own_bucket_in_the_real_redis() -> None:
    name = f"test-{uuid.uuid4().hex[:8]}"
    sends = token_bucket("nocturn:test-a", rate=0.001, capacity=2, timeout=1.0)
    inbound = token_bucket("nocturn:test-b", rate=0.001, capacity=1, timeout=1.0)
    assert token_bucket("nocturn:test-a", rate=0.001, capacity=2, timeout=1.0) is sends  # one per budget
    try:
        assert [sends.acquire("alpha", name) for _ in range(2)] == [0.0, 0.0]
        assert sends.acquire("alpha", name) > 0  # empty, and nothing refills at this rate
        assert inbound.acquire("alpha", name) == 0.0  # another prefix: another bucket
        assert sends.acquire("bravo", name) == 0.0  # another property: another bucket
        assert sends.key("alpha", name) == f"alpha:nocturn:test-a:{name}"
        assert sends.key("", name) == f"public:nocturn:test-a:{name}"
    finally:
        for bucket in (sends, inbound):
            for schema in ("alpha", "bravo"):
                bucket.reset(schema, name)


def test_buckets_taken_in_order_stop_at_the_first_refusal_and_count_only_granted_requests() -> None:
    client = get_redis()
    tag = uuid.uuid4().hex[:8]
    first, tight, last, counter = (f"public:nocturn:test-order:{tag}:{n}" for n in ("first", "tight", "last", "count"))
    buckets = [(first, 0.001, 5.0), (tight, 0.001, 1.0), (last, 0.001, 5.0)]
    try:
        assert take_in_order(client, buckets, now=1000.0, count_when_granted=[counter]) == (None, 0.0)
        assert int(client.get(counter)) == 1
        refused, wait = take_in_order(client, buckets, now=1000.0, count_when_granted=[counter])
        assert refused == 1 and wait == 1000.0  # the tight bucket: one token at 0.001 a second
        assert int(client.get(counter)) == 1  # a refused request is not counted
        # The bucket before the refusal gave its token; the one after it gave nothing.
        assert float(client.hget(first, "tokens")) == 3.0
        assert float(client.hget(last, "tokens")) == 4.0
        # The same state as TokenBucket.acquire keeps: the two can serve the same bucket.
        assert token_bucket("nocturn:test-order", rate=0.001, capacity=5.0, timeout=1.0).key("", f"{tag}:last") == last
    finally:
        client.delete(first, tight, last, counter)
