"""Prometheus metrics: what happened (counted where it happens) and what is (read at scrape time).

Event metrics (request latency, guest-turn stages, LLM tokens and cost) are prometheus-client
instruments in each process. With `PROMETHEUS_MULTIPROC_DIR` set (as `make run` and the docs'
deployment do) every daphne and Celery pool process writes them to memory-mapped files in that
directory, and `/metrics` on any daphne of the host adds them all up: no network round trip on
the request path, and nothing lost while Redis or PostgreSQL is down. State metrics (queue depth,
dead letters, outbox backlog, handoffs waiting, database and Redis use) are read from PostgreSQL
and Redis when scraped (`core.metrics.state`), so every web process reports the same numbers.

Labels never carry guest data: a property appears only as its schema name, and the endpoint is
for platform operators only (see `views.metrics`).
"""

from __future__ import annotations

import os
from decimal import Decimal

from django.conf import settings
from prometheus_client import Counter, Histogram

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # prometheus-client writes there on the first observation and fails if the directory is missing.
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
TURN_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0, 60.0)

http_request_duration = Histogram(
    "nocturn_http_request_duration_seconds",
    "HTTP request latency, by route pattern (never the raw path), method and status.",
    ["route", "method", "status", "site"],
    buckets=REQUEST_BUCKETS,
)
guest_turn_stage_duration = Histogram(
    "nocturn_guest_turn_stage_seconds",
    "Time spent in each stage of a guest turn (session, mode, retrieval, provider, lead, persistence, "
    "total on the worker; send for the outbound delivery).",
    ["stage", "channel"],
    buckets=TURN_BUCKETS,
)
llm_tokens = Counter(
    "nocturn_llm_tokens",
    "LLM tokens used, by property (schema), provider, model and direction (in|out).",
    ["property", "provider", "model", "direction"],
)
llm_cost = Counter(
    "nocturn_llm_cost_usd",
    "Estimated LLM cost in US dollars from the per-model price table (settings.LLM_PRICES).",
    ["property", "provider", "model"],
)


def observe_turn(latency_ms: dict[str, float], channel: str) -> None:
    """The engine's per-stage timings (the ones stored on the AI message's metadata), in seconds."""
    for stage, ms in latency_ms.items():
        guest_turn_stage_duration.labels(stage=stage, channel=channel).observe(max(ms, 0.0) / 1000)


def observe_stage(stage: str, channel: str, seconds: float) -> None:
    guest_turn_stage_duration.labels(stage=stage, channel=channel).observe(max(seconds, 0.0))


def price_of(model: str, tokens_in: int, tokens_out: int) -> Decimal:
    """Cost in USD from settings.LLM_PRICES ({model: (input, output) per million tokens}); unknown = 0."""
    prices = settings.LLM_PRICES.get(model)
    if prices is None:
        # Providers answer with dated names (gpt-4o-mini-2024-07-18): the longest known prefix prices them.
        known = [name for name in settings.LLM_PRICES if model.startswith(name)]
        prices = settings.LLM_PRICES[max(known, key=len)] if known else (0, 0)
    per_in, per_out = (Decimal(str(p)) for p in prices)
    return (per_in * tokens_in + per_out * tokens_out) / Decimal(1_000_000)


def count_llm(schema: str, provider: str, model: str, tokens_in: int | None, tokens_out: int | None) -> None:
    tokens_in, tokens_out = tokens_in or 0, tokens_out or 0
    if not (tokens_in or tokens_out):
        return  # the offline provider and the consent step spend nothing
    model = model or "unknown"
    llm_tokens.labels(property=schema, provider=provider, model=model, direction="in").inc(tokens_in)
    llm_tokens.labels(property=schema, provider=provider, model=model, direction="out").inc(tokens_out)
    llm_cost.labels(property=schema, provider=provider, model=model).inc(float(price_of(model, tokens_in, tokens_out)))
