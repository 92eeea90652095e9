"""Load knowledge files into one property: `manage.py ingest_kb --property SLUG PATH…`.

Each file is parsed and upserted on its own (all or nothing per file), then every changed item is
embedded with a progress bar. The summary counts created / updated / unchanged / failed; any
failure (a refused file, an item that could not be embedded) makes the exit status non-zero.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from knowledge.management.commands._progress import ProgressBar
from knowledge.models import Category
from knowledge.services.ingestion import embed_items, upsert_items
from knowledge.services.parsers import FORMATS, IngestError, parse_file
from properties.models import Property


def property_by_slug(slug: str) -> Property:
    property_ = Property.objects.exclude(schema_name="public").filter(slug=slug).first()
    if property_ is None:
        raise CommandError(f"No property with slug {slug!r}.")
    return property_


def expand(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS)
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"{raw}: no such file or directory.")
    return files


class Command(BaseCommand):
    help = "Ingest knowledge files (.md, .json, .csv, .pdf, .docx) into one property and embed them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--property", required=True, help="The property's slug.")
        parser.add_argument("paths", nargs="+", help="Files or folders.")
        parser.add_argument(
            "--category",
            default="",
            choices=["", *Category.values],
            help="Category of PDF/DOCX documents (required for them).",
        )
        parser.add_argument("--language", default="", help="en or ms, when a file does not say (default: detected).")

    def handle(self, *args: object, **options: object) -> None:
        property_ = property_by_slug(str(options["property"]))
        files = expand(list(options["paths"]))  # type: ignore[arg-type]
        created = updated = unchanged = failed = 0
        to_embed: list[int] = []
        with schema_context(property_.schema_name):
            for path in files:
                try:
                    items = parse_file(
                        path.name,
                        path.read_bytes(),
                        category=str(options["category"]),
                        language=str(options["language"]),
                    )
                    result = upsert_items(items, source=path.name)
                except IngestError as exc:
                    failed += 1
                    self.stderr.write(self.style.ERROR(f"refused {path}: {exc}"))
                    continue
                created += len(result.created)
                updated += len(result.updated)
                unchanged += len(result.unchanged)
                to_embed += result.to_embed
                self.stdout.write(f"{path}: {len(items)} item(s)")
            embedded = embed_items(to_embed, progress=ProgressBar("embedding", self.stderr)) if to_embed else None
        if embedded is not None:
            failed += embedded.failed
            for error in embedded.errors:
                self.stderr.write(self.style.ERROR(error))
        summary = f"created {created}, updated {updated}, unchanged {unchanged}, failed {failed}"
        if failed:
            raise CommandError(f"{property_.slug}: {summary}")
        self.stdout.write(self.style.SUCCESS(f"{property_.slug}: {summary}"))
