"""The widget's visitor counter: once per visitor session per local day, atomic under concurrency."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db import connection

from analytics.models import WidgetVisitDay
from properties.services import current_property

VISIT_MEMORY_SECONDS = 2 * 24 * 3600


def record_widget_visit(visitor_id: str, now: dt.datetime | None = None) -> bool:
    """Count a visitor session once for the property's local day. Returns whether it was counted.

    The "seen" mark lives in the cache (schema-prefixed keys); the count itself is one SQL upsert,
    so concurrent visits never lose an increment.
    """
    day = current_property().local_now(now).date()
    if not cache.add(f"widget-visit:{day.isoformat()}:{visitor_id}", 1, timeout=VISIT_MEMORY_SECONDS):
        return False
    table = WidgetVisitDay._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (date, visitors) VALUES (%s, 1) "  # noqa: S608 - the table name is ours
            f"ON CONFLICT (date) DO UPDATE SET visitors = {table}.visitors + 1",
            [day],
        )
    return True
