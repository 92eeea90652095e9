"""Re-embed every chunk after an embedding model change: `manage.py reembed [--property SLUG]`.

Without --property it walks every property. Each item is re-chunked and re-embedded with the
configured provider and swapped in atomically, so search keeps answering while it runs.

`--resize-column` first changes a schema's vector column to EMBEDDING_DIMENSIONS when it differs
(new model, new size): the old vectors cannot be converted, so they are dropped and vector search
in that property answers nothing until its items are re-embedded (full-text still works).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django_tenants.utils import schema_context

from knowledge.checks import column_dimensions
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
        parser.add_argument(
            "--resize-column",
            action="store_true",
            help="Change the vector column to EMBEDDING_DIMENSIONS where it differs.",
        )

    def handle(self, *args: object, **options: object) -> None:
        slug = str(options["property"])
        properties = [property_by_slug(slug)] if slug else list(Property.objects.exclude(schema_name="public"))
        provider = get_provider()
        self.stdout.write(f"provider {provider.name} ({provider.model}, {provider.dimensions} dimensions)")
        failed = 0
        dimensions = column_dimensions()
        for property_ in properties:
            current = dimensions.get(property_.schema_name)
            if current is not None and current != settings.EMBEDDING_DIMENSIONS:
                if not options["resize_column"]:
                    raise CommandError(
                        f"{property_.slug}: the vector column holds {current} dimensions, EMBEDDING_DIMENSIONS="
                        f"{settings.EMBEDDING_DIMENSIONS}; run again with --resize-column."
                    )
                resize_column(property_.schema_name, settings.EMBEDDING_DIMENSIONS)
                self.stdout.write(
                    f"{property_.slug}: vector column resized {current} -> {settings.EMBEDDING_DIMENSIONS}"
                )
            with schema_context(property_.schema_name):
                ids = list(KnowledgeItem.objects.values_list("pk", flat=True))
                if not ids:
                    self.stdout.write(f"{property_.slug}: nothing to embed")
                    continue
                result = embed_items(
                    ids, provider=provider, force=True, progress=ProgressBar(property_.slug, self.stderr)
                )
            failed += result.failed
            for error in result.errors:
                self.stderr.write(self.style.ERROR(f"{property_.slug}: {error}"))
            self.stdout.write(f"{property_.slug}: re-embedded {result.embedded}, failed {result.failed}")
        if failed:
            raise CommandError(f"{failed} item(s) could not be embedded.")


def resize_column(schema_name: str, dimensions: int) -> None:
    """Drop the old vectors and index, retype the column, rebuild the (empty) index, mark items stale."""
    with schema_context(schema_name), transaction.atomic(), connection.cursor() as cursor:
        # Django's foreign keys are deferred; pending checks would block the ALTER inside a caller's transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DROP INDEX IF EXISTS knowledge_chunk_embedding_hnsw")
        cursor.execute(
            f"ALTER TABLE knowledge_knowledgechunk ALTER COLUMN embedding TYPE vector({int(dimensions)}) USING NULL"
        )
        cursor.execute(
            "CREATE INDEX knowledge_chunk_embedding_hnsw ON knowledge_knowledgechunk "
            "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
        )
        KnowledgeItem.objects.update(embedded_hash="", embedding_status="pending")
