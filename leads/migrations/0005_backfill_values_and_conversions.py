"""Backfill: booking values for leads scored before they were kept apart, and dates for old conversions.

- `estimated_value` was booking value × score/100: the booking value is read back from it (a lead
  with score 0 keeps none: nothing can be read back).
- A converted lead without `converted_at` (converted before the field existed, or seeded) gets the
  last time it was changed, the closest record there is of when it converted, so the revenue
  figures count it on a day instead of nowhere.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations
from django.db.models import F

CENTS = Decimal("0.01")


def backfill(apps, schema_editor):
    Lead = apps.get_model("leads", "Lead")
    scored = Lead.objects.filter(booking_value__isnull=True, estimated_value__isnull=False, lead_score__gt=0)
    for lead in scored.only("pk", "estimated_value", "lead_score").iterator():
        value = (lead.estimated_value * Decimal(100) / Decimal(lead.lead_score)).quantize(CENTS, ROUND_HALF_UP)
        Lead.objects.filter(pk=lead.pk).update(booking_value=value)
    Lead.objects.filter(status="converted", converted_at__isnull=True).update(converted_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [("leads", "0004_lead_value_and_history")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
