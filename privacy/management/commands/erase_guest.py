"""`manage.py erase_guest --property SLUG --phone +60… [--email …]`: the right to deletion from a shell."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy.services.erasure import ErasureRequestError, erase_guest
from properties.models import Property, User


class Command(BaseCommand):
    help = "Erase one guest of one property (every table, file, session and cache) and record an audit event."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--property", required=True, help="The property's slug.")
        parser.add_argument("--phone", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--actor", default="", help="E-mail of the staff account asking (kept in the audit).")

    def handle(self, *args: Any, **options: Any) -> None:
        property_ = Property.objects.exclude(schema_name="public").filter(slug=options["property"]).first()
        if property_ is None:
            raise CommandError(f"No property with slug {options['property']!r}.")
        actor = None
        if options["actor"]:
            actor = User.objects.filter(email=options["actor"].lower()).first()
            if actor is None:
                raise CommandError("No staff account with that e-mail.")
        try:
            result = erase_guest(options["phone"], options["email"], actor=actor, property=property_)
        except ErasureRequestError as exc:
            raise CommandError(str(exc)) from exc
        summary = result.summary()
        self.stdout.write(
            f"Erased {summary['guests']} guest record(s) of {property_.slug}: "
            + (", ".join(f"{table} {n}" for table, n in summary["deleted"].items()) or "nothing matched")
            + f"; {summary['files']} file(s). Audit event {summary['audit_event']}."
        )
