"""The conversations app's state metrics, read at each `/metrics` scrape (registered in apps.py).

Pending outbox rows, the age of the oldest, and handoffs nobody has taken, for every property in
one statement: a UNION ALL over the schemas that have the tables, each part an index-backed count.
"""

from __future__ import annotations

from django.db import connection
from prometheus_client.core import GaugeMetricFamily, Metric

from conversations.models import Handoff, OutboxItem
from core.metrics import state
from properties.models import Property


def tenant_counts() -> list[Metric]:
    """Pending outbox rows, the age of the oldest, and handoffs nobody has taken, per property schema."""
    outbox_table, handoff_table = OutboxItem._meta.db_table, Handoff._meta.db_table
    schemas = set(Property.objects.exclude(schema_name="public").values_list("schema_name", flat=True))
    with connection.cursor() as cursor:
        # Only schemas already migrated: a property being created must not break the scrape.
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = %s AND c.relkind IN ('r', 'p')",
            [outbox_table],
        )
        ready = sorted(schemas & {row[0] for row in cursor.fetchall()})
        rows: list[tuple[str, int, float | None, int]] = []
        if ready:
            parts, params = [], []
            for schema in ready:
                q = connection.ops.quote_name(schema)
                # Identifiers from pg_namespace and our own models, quoted; the schema name is a parameter.
                parts.append(
                    f"SELECT %s, (SELECT count(*) FROM {q}.{outbox_table} WHERE state = 'pending'), "  # noqa: S608
                    "(SELECT greatest(0, extract(epoch FROM clock_timestamp() - min(created_at))) "
                    f"FROM {q}.{outbox_table} WHERE state = 'pending'), "
                    f"(SELECT count(*) FROM {q}.{handoff_table} WHERE resolved_at IS NULL AND taken_over_at IS NULL)"
                )
                params.append(schema)
            cursor.execute(" UNION ALL ".join(parts), params)
            rows = cursor.fetchall()
    backlog = GaugeMetricFamily(
        "nocturn_outbox_pending", "Outbound messages waiting in the outbox, per property schema.", labels=["property"]
    )
    oldest = GaugeMetricFamily(
        "nocturn_outbox_oldest_pending_seconds",
        "Age of the oldest pending outbox row, per property schema (0 when none).",
        labels=["property"],
    )
    waiting = GaugeMetricFamily(
        "nocturn_handoffs_waiting",
        "Conversations handed to staff that nobody has taken over yet, per property schema.",
        labels=["property"],
    )
    for schema, pending, age, handoffs in rows:
        backlog.add_metric([schema], pending)
        oldest.add_metric([schema], float(age or 0.0))
        waiting.add_metric([schema], handoffs)
    return [backlog, oldest, waiting]


def register() -> None:
    """Every property's outbox backlog and waiting handoffs, read at each /metrics scrape (AppConfig.ready)."""
    state.register_source("tenants", tenant_counts)
