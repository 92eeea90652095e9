"""Re-embed every chunk after an embedding model change: `manage.py reembed [--property SLUG]`.

Without --property it walks every property. Each item is re-chunked and re-embedded with the
configured provider and swapped in atomically, so search keeps answering while it runs.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from knowledge.management.commands._progress import ProgressBar
from knowledge.management.commands.ingest_kb import property_by_slug
from knowledge.models import KnowledgeItem
from knowledge.services.embeddings import get_provider
from knowledge.services.ingestion import embed_items
from properties.models import Property


class Command(BaseCommand):
    help = "Re-embed the knowledge base of one property (or all) with the configured embedding provider."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--property", default="", help="The property's slug (default: every property).")

    def handle(self, *args: object, **options: object) -> None:
        slug = str(options["property"])
        properties = [property_by_slug(slug)] if slug else list(Property.objects.exclude(schema_name="public"))
        provider = get_provider()
        self.stdout.write(f"provider {provider.name} ({provider.model}, {provider.dimensions} dimensions)")
        failed = 0
        for property_ in properties:
            with schema_context(property_.schema_name):
                ids = list(KnowledgeItem.objects.values_list("pk", flat=True))
                if not ids:
                    self.stdout.write(f"{property_.slug}: nothing to embed")
                    continue
                result = embed_items(
                    ids, provider=provider, force=True, progress=ProgressBar(property_.slug, self.stderr._out)
                )
            failed += result.failed
            for error in result.errors:
                self.stderr.write(self.style.ERROR(f"{property_.slug}: {error}"))
            self.stdout.write(f"{property_.slug}: re-embedded {result.embedded}, failed {result.failed}")
        if failed:
            raise CommandError(f"{failed} item(s) could not be embedded.")
