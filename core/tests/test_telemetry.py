"""core.telemetry: the exporter comes from the environment, and "none" instruments nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.test import override_settings

from core import telemetry
from testsupport.live import REPO_ROOT, child_env

SCRIPT = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")
django.setup()
from opentelemetry import trace
from core.telemetry import force_flush, setup_tracing, stage_span
print("exporter:", setup_tracing("nocturn-test"))
with stage_span("retrieval", **{"nocturn.hits": 3}):
    pass
print("provider:", type(trace.get_tracer_provider()).__name__)
force_flush()
"""


def _run(exporter: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO_ROOT,
        env=child_env(OTEL_TRACES_EXPORTER=exporter),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.django_db
def test_the_console_exporter_prints_the_engines_stage_spans() -> None:
    out = _run("console")
    assert "exporter: console" in out and "provider: TracerProvider" in out
    assert '"name": "retrieval"' in out and '"nocturn.hits": 3' in out
    assert '"service.name": "nocturn-test"' in out


@pytest.mark.django_db
def test_none_installs_nothing_so_tests_and_development_pay_nothing() -> None:
    out = _run("none")
    assert "exporter: none" in out
    assert "provider: ProxyTracerProvider" in out  # the API's no-op: spans are never recorded
    assert '"name"' not in out


def test_an_unknown_exporter_is_refused_by_name() -> None:
    with override_settings(OTEL_TRACES_EXPORTER="jaeger"), pytest.raises(ValueError, match="none, console, otlp"):
        telemetry.exporter_name()


def test_once_setup_found_no_provider_a_request_does_not_ask_opentelemetry_again(monkeypatch) -> None:
    # Asked for every webhook request: OpenTelemetry reads os.environ each time it is asked.
    from opentelemetry import trace

    monkeypatch.setattr(telemetry, "_configured", "none")
    monkeypatch.setattr(telemetry, "_provider_installed", False)

    def asked() -> None:
        raise AssertionError("asked OpenTelemetry")

    monkeypatch.setattr(trace, "get_tracer_provider", asked)
    assert telemetry.tracing_enabled() is False


def test_a_provider_installed_is_seen_and_then_kept(monkeypatch) -> None:
    from opentelemetry import trace

    monkeypatch.setattr(telemetry, "_configured", None)  # setup_tracing not run (a script, a shell)
    monkeypatch.setattr(telemetry, "_provider_installed", False)
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: trace.ProxyTracerProvider())
    assert telemetry.tracing_enabled() is False
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: trace.NoOpTracerProvider())  # a real one, installed
    assert telemetry.tracing_enabled() is True
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: None)
    assert telemetry.tracing_enabled() is True  # installed once: kept
