"""The fixture hotel's knowledge base (knowledge/tests/fixtures/), loaded into a property's schema
through the knowledge services (parse, upsert, embed), for tests of any app and for benchmarks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django_tenants.utils import schema_context

from knowledge.models import KnowledgeChunk, KnowledgeItem
from knowledge.services import embeddings
from knowledge.services.ingestion import UpsertResult, embed_items, upsert_items
from knowledge.services.parsers import ParsedItem, parse_file

FIXTURES = Path(__file__).resolve().parent.parent / "knowledge" / "tests" / "fixtures"
# Documents carry no category of their own: the uploader names it.
DOCUMENT_CATEGORIES = {"house_rules.pdf": "policies", "spa_and_kids.docx": "facilities"}
KB_FILES = ("hotel.md", "hotel.json", "rates.csv", "house_rules.pdf", "spa_and_kids.docx")
# The hotel's own pages only (what a guest asks about): quicker to embed, enough for a conversation.
HOTEL_FILES = ("hotel.md", "hotel.json")


def fixture_items(names: Sequence[str] = KB_FILES) -> list[ParsedItem]:
    items: list[ParsedItem] = []
    for name in names:
        items += parse_file(name, (FIXTURES / name).read_bytes(), category=DOCUMENT_CATEGORIES.get(name, ""))
    return items


def _load(schema_name: str, names: Sequence[str], source: str) -> UpsertResult:
    with schema_context(schema_name):
        result = upsert_items(fixture_items(names), source=source)
        embed_items(result.to_embed)
    return result


def load_kb(schema_name: str) -> dict[str, int]:
    """The whole fixture knowledge base, ingested and embedded in a schema; returns title -> item id."""
    _load(schema_name, KB_FILES, source="fixtures")
    with schema_context(schema_name):
        return dict(KnowledgeItem.objects.values_list("title", "pk"))


def load_knowledge(schema_name: str) -> list[int]:
    """The hotel's pages (Markdown + JSON), ingested and embedded in a schema; returns the ids of the items
    it created (items already there are left as they are), so a caller can remove exactly those."""
    return list(_load(schema_name, HOTEL_FILES, source="conversations-tests").created)


def chunk_ids(schema_name: str) -> set[int]:
    """The ids of every knowledge chunk a property has now."""
    with schema_context(schema_name):
        return set(KnowledgeChunk.objects.values_list("pk", flat=True))


def questions() -> dict[str, Any]:
    """The questions the fixture hotel can and cannot answer (retrieval quality and isolation tests)."""
    return json.loads((FIXTURES / "questions.json").read_text())


def count_query_embeddings(monkeypatch: Any) -> list[str]:
    """Every text the configured provider embeds as a question from now on (the process's vector cache emptied)."""
    provider = embeddings.get_provider()
    calls: list[str] = []
    real = type(provider).embed_query

    def counting(self: Any, text: str) -> list[float]:
        calls.append(text)
        return real(self, text)

    monkeypatch.setattr(type(provider), "embed_query", counting)
    embeddings._cached_query_vector.cache_clear()
    return calls
