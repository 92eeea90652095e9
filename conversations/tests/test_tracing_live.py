"""One trace follows a WhatsApp guest message through the real stack, and the worker's figures reach /metrics.

daphne and a Celery worker run as child processes with `OTEL_TRACES_EXPORTER=otlp`, exporting to
an OTLP/HTTP receiver in this test (testsupport/otlp.py); the model is the fake OpenAI
server, the Graph API the fake Graph server. Both processes share one PROMETHEUS_MULTIPROC_DIR,
so daphne's /metrics adds up what the worker observed.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from testsupport.http import free_port
from testsupport.live import LiveStack, StackSpec, channels_bound, child_env, stop
from testsupport.otlp import ReceivedSpan
from testsupport.payloads import whatsapp_signed_headers, whatsapp_text_body
from testsupport.wait import wait_until

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.e2e]

APP_SECRET = "tracing-test-app-secret"
METRICS_TOKEN = "tracing-test-metrics-token"
NUMBER_A = "990000000071"
SERVER, CLIENT = 2, 3  # OTLP SpanKind values
TASKS = ("process_inbound", "buffered_turn", "dispatch_outbox")
EXPECTED = {"retrieval", "llm", "send"} | {
    f"{step}/conversations.pipeline.tasks.{task}" for task in TASKS for step in ("apply_async", "run")
}


@pytest.fixture(scope="module")
def live_stack_spec(properties_ab, django_db_blocker, tmp_path_factory) -> Iterator[StackSpec]:
    world = properties_ab
    multiproc_dir: Path = tmp_path_factory.mktemp("prometheus")
    with channels_bound(django_db_blocker, world.a, whatsapp={NUMBER_A: "671"}, buffer_window_seconds=0.2):
        yield StackSpec(
            llm=True,
            otlp=True,
            env={
                "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir),
                "METRICS_TOKEN": METRICS_TOKEN,
                "METRICS_STATE_CACHE_SECONDS": "0",
                "LLM_MODEL": "fake-gpt",
                "WHATSAPP_APP_SECRET": APP_SECRET,
            },
        )


def _post_webhook(live_stack: LiveStack, body: bytes) -> int:
    path = "/api/v1/webhook/whatsapp"
    return live_stack.daphne.request("POST", path, body, whatsapp_signed_headers(body, APP_SECRET))[0]


def _ancestors(span: ReceivedSpan, by_id: dict[str, ReceivedSpan]) -> list[str]:
    names, current = [], span
    while current.parent_id and current.parent_id in by_id:
        current = by_id[current.parent_id]
        names.append(current.name)
    return names


def _url(span: ReceivedSpan) -> str:
    return str(span.attributes.get("url.full") or span.attributes.get("http.url") or "")


def test_one_trace_follows_a_whatsapp_message_from_the_webhook_to_the_graph_send(
    live_stack: LiveStack, committed_db
) -> None:
    wa_id = "60111000071"
    assert _post_webhook(live_stack, whatsapp_text_body(NUMBER_A, wa_id, "Is there parking at the hotel?")) == 200
    assert live_stack.graph.wait_for(
        lambda g: any(m.get("to") == wa_id and m.get("type") == "text" for m in g.sent_messages()), timeout=40
    ), "no reply reached the fake Graph API"

    def webhook_span(spans: list[ReceivedSpan]) -> ReceivedSpan | None:
        return next(
            (s for s in spans if s.kind == SERVER and "webhook/whatsapp" in s.name and s.service == "nocturn-web"),
            None,
        )

    def complete(spans: list[ReceivedSpan]) -> bool:
        root = webhook_span(spans)
        if root is None:
            return False
        trace = [s for s in spans if s.trace_id == root.trace_id]
        ids = {s.span_id for s in trace}
        # Each process exports on its own schedule, and a parent ends (and is exported) after its
        # children: wait until every expected span is in and no span's parent is missing.
        return {s.name for s in trace} >= EXPECTED and all(not s.parent_id or s.parent_id in ids for s in trace)

    assert live_stack.otlp.wait_for(complete, timeout=30), sorted({s.name for s in live_stack.otlp.spans()} & EXPECTED)
    spans = live_stack.otlp.spans()
    root = webhook_span(spans)
    trace = [s for s in spans if s.trace_id == root.trace_id]
    by_id = {s.span_id: s for s in trace}
    names = {s.name for s in trace}

    # The request, then every task of the pipeline, in the one trace.
    assert root.name == "POST api/v1/webhook/whatsapp" and root.parent_id == ""
    for task in TASKS:
        assert f"apply_async/conversations.pipeline.tasks.{task}" in names, task
        assert f"run/conversations.pipeline.tasks.{task}" in names, (task, sorted(names))
    # The engine's stages, each under its task.
    stage = {s.name: s for s in trace if s.name in ("retrieval", "llm", "send")}
    assert set(stage) == {"retrieval", "llm", "send"}
    assert "run/conversations.pipeline.tasks.buffered_turn" in _ancestors(stage["llm"], by_id)
    assert "run/conversations.pipeline.tasks.buffered_turn" in _ancestors(stage["retrieval"], by_id)
    assert "run/conversations.pipeline.tasks.dispatch_outbox" in _ancestors(stage["send"], by_id)
    assert stage["llm"].attributes["nocturn.provider"] == "openai"
    # Every span of the chain leads back to the webhook request.
    for s in stage.values():
        assert _ancestors(s, by_id)[-1] == root.name

    # The outbound HTTP calls: the model (inside "llm") and the Graph API send (inside "send").
    llm_port, graph_port = f":{live_stack.llm.port}/", live_stack.graph.url.rsplit(":", 1)[1] + "/"
    llm_calls = [s for s in trace if s.kind == CLIENT and llm_port in _url(s)]
    graph_sends = [s for s in trace if s.kind == CLIENT and f":{graph_port}" in _url(s) and "/messages" in _url(s)]
    assert llm_calls and "llm" in _ancestors(llm_calls[0], by_id)
    # The reply's send sits under "send"; the read receipt (also POST /messages) under process_inbound, and
    # the two may be exported in either order.
    assert any("send" in _ancestors(s, by_id) for s in graph_sends), [_ancestors(s, by_id) for s in graph_sends]
    # The model server was handed the same trace (W3C traceparent header from the httpx instrumentation).
    traceparents = [r.headers.get("traceparent", "") for r in live_stack.llm.requests]
    assert any(root.trace_id in header for header in traceparents), traceparents

    # PostgreSQL and Redis calls of the pipeline are in the trace too.
    systems = {s.attributes.get("db.system") or s.attributes.get("db.system.name") for s in trace}
    assert {"postgresql", "redis"} <= systems, systems
    assert {s.service for s in trace} == {"nocturn-web", "nocturn-worker"}


def _converse(live_stack: LiveStack, wa_id: str, text: str) -> None:
    assert _post_webhook(live_stack, whatsapp_text_body(NUMBER_A, wa_id, text)) == 200
    # The day's greeting and the answer.
    assert live_stack.graph.wait_for(
        lambda g: sum(m.get("to") == wa_id and m.get("type") == "text" for m in g.sent_messages()) >= 2, timeout=40
    )


def _scrape(url: str) -> dict[tuple[str, frozenset], float]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def test_daphnes_metrics_add_up_what_the_worker_processes_observed(live_stack: LiveStack, committed_db) -> None:
    _converse(live_stack, "60111000072", "What time is check-out?")
    count = "nocturn_guest_turn_stage_seconds_count"
    stages = ("retrieval", "provider", "total", "send")

    def observed(samples: dict) -> bool:
        return all(
            samples.get((count, frozenset({"stage": st, "channel": "whatsapp"}.items())), 0) >= 1 for st in stages
        )

    # Observed in the worker's pool processes (the turn's figures right after its commit), served by
    # daphne: the multiprocess files at work.
    metrics = live_stack.daphne.url("/metrics")
    wait_until(lambda: observed(_scrape(metrics)), timeout=10, interval=0.2)
    samples = _scrape(metrics)
    assert observed(samples), {k: v for k, v in samples.items() if k[0] == count}
    a = committed_db.a.schema_name
    tokens = [
        v for (name, labels), v in samples.items() if name == "nocturn_llm_tokens_total" and ("property", a) in labels
    ]
    assert sum(tokens) > 0
    # The scrape itself, a Django view on the public host: its server span carries its route.
    assert live_stack.otlp.wait_for(
        lambda spans: any(s.kind == SERVER and s.name == "GET metrics" and s.service == "nocturn-web" for s in spans)
    ), sorted({s.name for s in live_stack.otlp.spans() if s.kind == SERVER})
    webhook = {"route": "api/v1/webhook/whatsapp", "method": "POST", "status": "200", "site": "public"}
    assert samples.get(("nocturn_http_request_duration_seconds_count", frozenset(webhook.items())), 0) >= 1


def test_a_worker_only_host_serves_its_processes_figures_with_the_exporter(
    live_stack: LiveStack, committed_db, tmp_path
) -> None:
    _converse(live_stack, "60111000073", "Do you have a gym?")
    port = free_port()
    log = open(tmp_path / "exporter.log", "wb")  # noqa: SIM115 - closed below
    exporter = subprocess.Popen(
        [sys.executable, "-m", "core.metrics.exporter", "--port", str(port)],
        env=child_env(**live_stack.env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        total = ("nocturn_guest_turn_stage_seconds_count", frozenset({"stage": "total", "channel": "whatsapp"}.items()))

        def counted() -> bool:
            assert exporter.poll() is None, "the exporter exited"
            with contextlib.suppress(OSError):  # not listening yet
                return _scrape(url).get(total, 0) >= 1
            return False

        wait_until(counted, timeout=20, interval=0.2)
        samples = _scrape(url)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=5)
        assert refused.value.code == 401
    finally:
        stop(exporter)
        log.close()
    assert samples.get(total, 0) >= 1, samples
