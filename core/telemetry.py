"""OpenTelemetry tracing, set up once per process from the environment.

`OTEL_TRACES_EXPORTER` chooses where spans go: `none` (the default: nothing is instrumented, so
tests and development pay nothing), `console` (printed by the process) or `otlp` (OTLP/HTTP
protobuf to `OTEL_EXPORTER_OTLP_ENDPOINT`, e.g. a collector on `http://127.0.0.1:4318`).
Instrumented: Django requests, Celery (publish and run; the trace context travels in the task's
headers, so one trace follows a guest message from the webhook through every task), psycopg,
Redis, httpx (the WhatsApp adapter) and httpx2 (the openai and anthropic SDKs). The engine adds its own
spans for the stages of a turn (`retrieval`, `llm`, `send`) with `stage_span`.

Called by asgi.py / wsgi.py before Django loads its middleware, and by the Celery worker in each
pool process (`worker_process_init`): span processors' threads do not survive a fork.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace

EXPORTERS = ("none", "console", "otlp")
_lock = threading.Lock()
_configured: str | None = None
tracer = trace.get_tracer("nocturn")


_provider_installed = False  # once a tracer provider is installed it stays: OpenTelemetry sets one per process


def tracing_enabled() -> bool:
    """Whether a span goes anywhere: a tracer provider is installed (`setup_tracing` with an exporter).

    Without one every span is a no-op that still costs a few microseconds to open and close; the lean
    request paths (the webhook's) skip theirs, as Django's uninstrumented middleware does. Asked for every
    webhook request: once `setup_tracing` has run with "none" the answer it found is kept, since OpenTelemetry
    reads `os.environ` each time it is asked (~1 % of the webhook's CPU a request).
    """
    global _provider_installed
    if _provider_installed or _configured == "none":
        return _provider_installed
    _provider_installed = not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    return _provider_installed


def exporter_name() -> str:
    from django.conf import settings  # reading settings also loads .env into the environment

    name = settings.OTEL_TRACES_EXPORTER.strip().lower() or "none"
    if name not in EXPORTERS:
        raise ValueError(f"OTEL_TRACES_EXPORTER must be one of {', '.join(EXPORTERS)}, not {name!r}")
    return name


def setup_tracing(service_name: str) -> str:
    """Install the tracer provider and the instrumentations for this process; returns the exporter used.

    Idempotent: a second call (say wsgi.py imported beside asgi.py) changes nothing.
    """
    global _configured, _provider_installed
    with _lock:
        if _configured is not None:
            return _configured
        name = exporter_name()
        if name == "none":
            # Nothing installed by us; a provider OpenTelemetry loads from its own variable counts (read now, once).
            _provider_installed = not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
            _configured = name
            return name
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

        resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME") or service_name})
        provider = TracerProvider(resource=resource)
        if name == "console":
            exporter: Any = ConsoleSpanExporter()
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter()  # endpoint, headers and timeout from the OTEL_EXPORTER_OTLP_* variables
        provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        _instrument_libraries()
        _configured = name
        return name


def _instrument_libraries() -> None:
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPX2ClientInstrumentor, HTTPXClientInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    # Must run before Django builds its middleware chain (get_asgi_application / get_wsgi_application).
    DjangoInstrumentor().instrument()
    CeleryInstrumentor().instrument()
    # No SQL commenter: the statements stay byte-identical (pg_stat_statements groups them as before).
    PsycopgInstrumentor().instrument(enable_commenter=False)
    RedisInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()  # the WhatsApp adapter, e-mail providers
    HTTPX2ClientInstrumentor().instrument()  # the openai and anthropic SDKs are built on httpx2


def force_flush(timeout_millis: int = 5000) -> None:
    """Send the spans still buffered (a process about to exit, or a test waiting for them)."""
    provider = trace.get_tracer_provider()
    flush = getattr(provider, "force_flush", None)
    if flush is not None:
        flush(timeout_millis)


@contextmanager
def stage_span(stage: str, **attributes: Any) -> Iterator[trace.Span]:
    """A span for one stage of a guest turn (a no-op span when tracing is off)."""
    with tracer.start_as_current_span(stage, attributes={"nocturn.stage": stage, **attributes}) as span:
        yield span
