"""Stored days get their conversions and converted revenue from the conversions' own dates and values
(after leads 0005 dated the conversions that had no date), so finished days add up with the leads."""

import datetime as dt
import zoneinfo

from django.db import migrations
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    DailyAggregate = apps.get_model("analytics", "DailyAggregate")
    Lead = apps.get_model("leads", "Lead")
    Property = apps.get_model("properties", "Property")
    property_ = Property.objects.filter(schema_name=schema_editor.connection.schema_name).first()
    if property_ is None:  # not a property's schema
        return
    tz = zoneinfo.ZoneInfo(property_.timezone)
    for row in DailyAggregate.objects.all().iterator():
        start = dt.datetime.combine(row.date, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(row.date + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        figures = Lead.objects.filter(status="converted", converted_at__gte=start, converted_at__lt=end).aggregate(
            n=Count("id"), value=Sum(Coalesce("converted_value", "booking_value"))
        )
        DailyAggregate.objects.filter(pk=row.pk).update(
            conversions=figures["n"], converted_revenue=figures["value"] or 0
        )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_daily_conversions"),
        ("leads", "0005_backfill_values_and_conversions"),
        ("properties", "0002_vector_extension"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
