"""core.ratelimit: one token bucket for every limit, each caller with its own prefix and budget."""

from __future__ import annotations

import uuid

from core.ratelimit import token_bucket


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
