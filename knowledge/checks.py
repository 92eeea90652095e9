"""System check (tag `database`, run by `migrate` and `check --database default`): every property's
vector column must have the configured dimension, or inserts would fail on the first upload."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.db import connection

COLUMN_DIMENSIONS_SQL = """
    SELECT n.nspname, a.atttypmod
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relname = 'knowledge_knowledgechunk' AND a.attname = 'embedding' AND NOT a.attisdropped
"""


def column_dimensions() -> dict[str, int]:
    """Schema name -> dimension of its embedding column (pgvector stores it as the type modifier)."""
    with connection.cursor() as cursor:
        cursor.execute(COLUMN_DIMENSIONS_SQL)
        return {schema: typmod for schema, typmod in cursor.fetchall()}


@register("database")
def check_vector_columns(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[Error]:
    if not databases or "default" not in databases:
        return []
    wrong = {schema: dims for schema, dims in column_dimensions().items() if dims != settings.EMBEDDING_DIMENSIONS}
    return [
        Error(
            f"Schema {schema!r} stores {dims}-dimension embeddings but EMBEDDING_DIMENSIONS="
            f"{settings.EMBEDDING_DIMENSIONS}.",
            hint="Run `manage.py reembed --resize-column` after changing the embedding model.",
            id="knowledge.E001",
        )
        for schema, dims in sorted(wrong.items())
    ]
