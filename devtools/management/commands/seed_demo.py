"""`manage.py seed_demo`: the demo hotel, its staff, channels and knowledge base (and, on request, history)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from analytics.services.aggregation import compute_range
from conversations.models import Conversation
from devtools.demo_data import generate_history
from properties.models import EmailBinding, Property, Role, User, WhatsAppBinding, WidgetKey
from properties.services import NewProperty, add_member, create_property, property_host

DEMO_SLUG = "demo"


class Command(BaseCommand):
    help = "Create the demo hotel with staff accounts and channel bindings. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--history-days",
            type=int,
            default=0,
            help="Also fill the demo hotel with this many days of synthetic guest activity (once).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates accounts with known passwords; it does not run in production.")
        password = settings.DEMO_PASSWORD
        property_ = Property.objects.filter(slug=DEMO_SLUG).first() or create_property(
            NewProperty(
                name="Demo Hotel",
                slug=DEMO_SLUG,
                timezone="Asia/Kuala_Lumpur",
                notification_email="gm@demo.localhost",
                website=f"http://{property_host(DEMO_SLUG)}:{settings.PORT}",
            )
        )
        admin = self._account("admin@nocturn.localhost", password, superuser=True)
        manager = self._account("manager@demo.localhost", password)
        agent = self._account("agent@demo.localhost", password)
        add_member(manager, property_, Role.MANAGER)
        add_member(agent, property_, Role.AGENT)

        WhatsAppBinding.objects.get_or_create(
            phone_number_id="100000000000001",
            defaults={"property": property_, "display_phone_number": "+60 3-2123 4567", "waba_id": "200000000000001"},
        )
        EmailBinding.objects.get_or_create(
            address=f"stay@{DEMO_SLUG}.{settings.BASE_DOMAIN}",
            defaults={"property": property_, "from_name": "Demo Hotel Reservations"},
        )
        widget_key = WidgetKey.objects.filter(property=property_).order_by("created_at").first()
        if widget_key is None:
            widget_key = WidgetKey.objects.create(
                property=property_,
                allowed_origins=[
                    f"http://{property_host(DEMO_SLUG)}:{settings.PORT}",
                    f"http://localhost:{settings.PORT}",
                ],
            )

        self._knowledge(property_)
        if options["history_days"] > 0:
            self._history(property_, options["history_days"])

        host, port = property_host(DEMO_SLUG), settings.PORT
        self.stdout.write(self.style.SUCCESS("Demo hotel ready:"))
        self.stdout.write(f"  staff dashboard  http://{host}:{port}/   manager {manager.email} / {password}")
        self.stdout.write(f"                                        agent   {agent.email} / {password}")
        self.stdout.write(f"  platform admin   http://localhost:{port}/admin/   {admin.email} / {password}")
        self.stdout.write(f"  widget key       {widget_key.public_key}")

    def _account(self, email: str, password: str, superuser: bool = False) -> User:
        user = User.objects.filter(email=email).first()
        if user is not None:
            return user
        if superuser:
            return User.objects.create_superuser(email, password)
        return User.objects.create_user(email, password)

    def _history(self, property_: Property, days: int) -> None:
        with schema_context(property_.schema_name):
            if Conversation.objects.exists():
                self.stdout.write("  demo history: already there, left as it is")
                return
            yesterday = property_.local_now().date() - dt.timedelta(days=1)
            first = yesterday - dt.timedelta(days=days - 1)
            made = generate_history(property_, first, days, per_day=40)
            compute_range(first, yesterday, property_)
        self.stdout.write(f"  demo history: {made.conversations} conversations, {made.leads} leads over {days} days")

    def _knowledge(self, property_: Property) -> None:
        """The demo hotel answers from the same realistic knowledge base the tests use (idempotent upsert)."""
        fixtures = settings.BASE_DIR / "knowledge" / "tests" / "fixtures"
        output = io.StringIO()
        call_command(
            "ingest_kb",
            "--property",
            property_.slug,
            *(str(fixtures / name) for name in ("hotel.md", "hotel.json", "rates.csv")),
            stdout=output,
            stderr=output,
        )
        summary = [line for line in output.getvalue().splitlines() if "created" in line.lower()]
        self.stdout.write(f"  knowledge base: {summary[-1].strip() if summary else 'loaded'}")
