from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from properties.models import PlanTier
from properties.services import NewProperty, create_property, property_host


class Command(BaseCommand):
    help = "Create a property: its row, its schema (migrated) and its domain {slug}.{BASE_DOMAIN}."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--timezone", default="Asia/Kuala_Lumpur")
        parser.add_argument("--country", default="MY")
        parser.add_argument("--notification-email", default="")
        parser.add_argument("--website", default="")
        parser.add_argument("--plan", default=PlanTier.STARTER, choices=PlanTier.values)

    def handle(self, *args: Any, **options: Any) -> None:
        spec = NewProperty(
            name=options["name"],
            slug=options["slug"],
            timezone=options["timezone"],
            country=options["country"],
            notification_email=options["notification_email"],
            website=options["website"],
            plan=options["plan"],
        )
        try:
            property_ = create_property(spec)
        except ValidationError as error:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {property_.name} (schema {property_.schema_name}) at http://{property_host(property_.slug)}"
            )
        )
