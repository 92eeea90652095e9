from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from analytics.services.aggregation import compute_day
from properties.models import Property


class Command(BaseCommand):
    help = "Recompute a property's daily figures for a range of local dates (a backfill). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--property", required=True, help="the property's slug")
        parser.add_argument("--from", dest="first", required=True, type=dt.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="last", required=True, type=dt.date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        property_ = Property.objects.filter(slug=options["property"]).first()
        if property_ is None:
            raise CommandError(f"No property with the slug {options['property']!r}.")
        first, last = options["first"], options["last"]
        if first > last:
            raise CommandError("--from must not be after --to.")
        days = (last - first).days + 1
        with schema_context(property_.schema_name):
            for offset in range(days):
                day = first + dt.timedelta(days=offset)
                aggregate = compute_day(day, property_)
                self.stdout.write(
                    f"[{offset + 1}/{days}] {day}: {aggregate.total_inquiries} inquiries, "
                    f"{aggregate.leads_captured} leads"
                )
        self.stdout.write(self.style.SUCCESS(f"Recomputed {days} day(s) for {property_.name}."))
