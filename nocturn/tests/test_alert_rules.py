"""ops/prometheus/alerts.yml: well-formed, every alert the issue asks for, and no metric we do not export."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from conftest import host_client

RULES = Path(__file__).resolve().parents[2] / "ops" / "prometheus" / "alerts.yml"

# Metrics of the standard exporters the rules may use beside ours.
EXPORTER_METRICS = {
    "pg_stat_activity_count",  # postgres_exporter
    "pg_settings_max_connections",  # postgres_exporter
    "redis_memory_used_bytes",  # redis_exporter
    "redis_memory_max_bytes",  # redis_exporter
    "redis_connected_clients",  # redis_exporter
    "redis_config_maxclients",  # redis_exporter
}
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "and", "or", "unless", "bool"}


def _rules() -> list[dict]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (labels, functions, keywords and numbers left out)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)  # label lists
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges and subqueries
    expr = re.sub(r"\boffset\s+\w+", "", expr)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", expr):
        following = expr[match.end() :].lstrip()[:1]
        word = match.group(0)
        if following == "(" or word in PROMQL_WORDS:
            continue  # a function or an aggregation
        names.add(word)
    return names


def test_the_expression_reader_finds_metric_names_and_nothing_else() -> None:
    expr = 'histogram_quantile(0.95, sum by (le) (rate(foo_bucket{stage="total"}[10m]))) > 5 and bar offset 15m'
    assert metric_names(expr) == {"foo_bucket", "bar"}


def test_every_alert_the_issue_asks_for_is_there_and_well_formed() -> None:
    rules = _rules()
    names = {rule["alert"] for rule in rules}
    assert {
        "PostgresConnectionsOver70Percent",
        "RedisMemoryOver70Percent",
        "ApiErrorRateOver1Percent",
        "GuestTurnP95Over5Seconds",
        "DeadLettersGrowing",
        "OutboxBacklogGrowing",
    } <= names
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]
        assert str(rule["expr"]).count("(") == str(rule["expr"]).count(")"), rule["alert"]
    by_name = {rule["alert"]: rule["expr"] for rule in rules}
    assert "> 0.7" in by_name["PostgresConnectionsOver70Percent"]
    assert "> 0.01" in by_name["ApiErrorRateOver1Percent"]
    assert (
        "histogram_quantile(0.95" in by_name["GuestTurnP95Over5Seconds"]
        and "> 5" in by_name["GuestTurnP95Over5Seconds"]
    )


@pytest.mark.django_db
def test_every_metric_in_the_rules_is_one_we_export_or_a_standard_exporters(world, settings) -> None:
    settings.METRICS_TOKEN = "rules-test-token"
    settings.METRICS_STATE_CACHE_SECONDS = 0
    from core.metrics import http_request_duration, observe_stage

    # So each labelled histogram has a series to show, run alone as in the whole suite (where earlier tests'
    # requests made the request histogram's).
    observe_stage("total", "web", 0.1)
    http_request_duration.labels(route="healthz", method="GET", status="200", site="public").observe(0.001)
    response = host_client(None).get("/metrics", HTTP_AUTHORIZATION="Bearer rules-test-token")
    assert response.status_code == 200
    exported = {s.name for family in text_string_to_metric_families(response.content.decode()) for s in family.samples}
    for rule in _rules():
        unknown = metric_names(str(rule["expr"])) - exported - EXPORTER_METRICS
        assert not unknown, f"{rule['alert']} reads metrics nobody exports: {unknown}"


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed (Debian package prometheus)")
def test_promtool_accepts_the_rules() -> None:
    result = subprocess.run(["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
