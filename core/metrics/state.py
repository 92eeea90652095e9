"""State metrics, read from PostgreSQL and Redis when `/metrics` is scraped.

A registry of sources: the platform's own (dead letters and database connections, the Celery
broker, Redis) are here; an app adds its figures with `register_source` in its AppConfig.ready
(the conversations app: every property's outbox and handoffs), so this module imports no app.
Cheap by construction: one statement per source, a handful of Redis commands. The result is kept
for `METRICS_STATE_CACHE_SECONDS` (default 10) in the process, so several scrapers (or a
Prometheus pair) cost one read. Each source fails on its own: `nocturn_metrics_source_up{source=…}`
says which one could not be read, and the others are still reported.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import structlog
from celery import current_app
from django.conf import settings
from django.db import connection
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from core.models import DeadLetter
from core.redis import connect

log = structlog.get_logger(__name__)

# kombu's Redis transport keeps a queue's priority levels in lists named queue + sep + level.
KOMBU_PRIORITY_SEP = "\x06\x16"
KOMBU_PRIORITY_STEPS = (3, 6, 9)
CHECK_TIMEOUT_SECONDS = 1.0


@dataclass
class Reading:
    metrics: list[Metric] = field(default_factory=list)
    up: dict[str, bool] = field(default_factory=dict)


def _gauge(name: str, documentation: str, value: float, labels: dict[str, str] | None = None) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=list(labels or {}))
    family.add_metric(list((labels or {}).values()), value)
    return family


def _public_counts() -> list[Metric]:
    with connection.cursor() as cursor:
        table = DeadLetter._meta.db_table
        cursor.execute(f"SELECT count(*) FILTER (WHERE replayed_at IS NULL), count(*) FROM public.{table}")  # noqa: S608
        unreplayed, total = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FILTER (WHERE backend_type = 'client backend'), "
            "current_setting('max_connections')::int FROM pg_stat_activity"
        )
        used, max_connections = cursor.fetchone()
    letters = GaugeMetricFamily(
        "nocturn_dead_letters",
        "Background tasks that failed for good (DeadLetter rows), by whether they were replayed.",
        labels=["replayed"],
    )
    letters.add_metric(["false"], unreplayed)
    letters.add_metric(["true"], total - unreplayed)
    return [
        letters,
        _gauge("nocturn_db_connections", "Client connections open on the PostgreSQL server.", used),
        _gauge("nocturn_db_connections_max", "PostgreSQL max_connections.", max_connections),
        _gauge(
            "nocturn_db_connections_used_ratio",
            "Client connections over max_connections on the PostgreSQL server.",
            used / max_connections if max_connections else 0.0,
        ),
    ]


def queue_names() -> list[str]:
    # The project's Celery app (nocturn.celery sets itself current when settings load).
    queues = current_app.conf.task_queues
    names = [q.name for q in queues] if queues else []
    return names or [current_app.conf.task_default_queue]


def _broker() -> list[Metric]:
    client = connect(settings.CELERY_BROKER_URL, timeout=CHECK_TIMEOUT_SECONDS)
    try:
        names = queue_names()
        pipe = client.pipeline(transaction=False)
        for name in names:
            pipe.llen(name)
            for step in KOMBU_PRIORITY_STEPS:
                pipe.llen(f"{name}{KOMBU_PRIORITY_SEP}{step}")
        pipe.hlen("unacked")
        results = pipe.execute()
    finally:
        client.close()
    depth = GaugeMetricFamily(
        "nocturn_celery_queue_length", "Tasks waiting in the Celery broker (Redis list length).", labels=["queue"]
    )
    per_queue = 1 + len(KOMBU_PRIORITY_STEPS)
    for index, name in enumerate(names):
        depth.add_metric([name], sum(results[index * per_queue : (index + 1) * per_queue]))
    unacked = _gauge(
        "nocturn_celery_unacked",
        "Tasks delivered to a worker and not yet acknowledged (running, or waiting for their countdown).",
        results[-1],
    )
    return [depth, unacked]


def _redis() -> list[Metric]:
    client = connect(settings.REDIS_URL, timeout=CHECK_TIMEOUT_SECONDS)
    try:
        memory, clients = client.info("memory"), client.info("clients")
    finally:
        client.close()
    used = float(memory.get("used_memory", 0))
    # No maxmemory set: Redis grows until the machine runs out, so the machine is the limit.
    limit = float(memory.get("maxmemory") or memory.get("total_system_memory") or 0)
    connected, max_clients = float(clients.get("connected_clients", 0)), float(clients.get("maxclients") or 0)
    return [
        _gauge("nocturn_redis_memory_used_bytes", "Redis used_memory.", used),
        _gauge("nocturn_redis_memory_limit_bytes", "Redis maxmemory, or the machine's memory when unset.", limit),
        _gauge("nocturn_redis_memory_used_ratio", "Redis used_memory over its limit.", used / limit if limit else 0.0),
        _gauge(
            "nocturn_redis_connected_clients_ratio",
            "Redis connected_clients over maxclients.",
            connected / max_clients if max_clients else 0.0,
        ),
    ]


Source = Callable[[], list[Metric]]
SOURCES: dict[str, Source] = {
    "public": _public_counts,
    "broker": _broker,
    "redis": _redis,
}


def register_source(name: str, source: Source) -> None:
    """Add (or replace) a source read at each scrape; its failures show as nocturn_metrics_source_up=0."""
    SOURCES[name] = source


def read() -> Reading:
    reading = Reading()
    for name, source in SOURCES.items():
        try:
            reading.metrics.extend(source())
            reading.up[name] = True
        except Exception as error:  # a source that is down is reported, never raised
            log.warning("metrics_source_down", source=name, error=f"{type(error).__name__}: {error}")
            reading.up[name] = False
    return reading


class StateCollector(Collector):
    """Collects `read()`, cached in the process for METRICS_STATE_CACHE_SECONDS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: tuple[float, Reading] | None = None

    def _reading(self) -> Reading:
        ttl = settings.METRICS_STATE_CACHE_SECONDS
        with self._lock:
            now = time.monotonic()
            if self._cached is None or ttl <= 0 or now - self._cached[0] >= ttl:
                self._cached = (now, read())
            return self._cached[1]

    def collect(self) -> Iterable[Metric]:
        reading = self._reading()
        yield from reading.metrics
        up = GaugeMetricFamily(
            "nocturn_metrics_source_up", "1 when the source could be read at this scrape.", labels=["source"]
        )
        for name, ok in reading.up.items():
            up.add_metric([name], 1.0 if ok else 0.0)
        yield up


state_collector = StateCollector()
