"""Knowledge fixtures: the realistic hotel knowledge base under fixtures/, loaded into a property."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from knowledge.services.ingestion import embed_items, upsert_items
from knowledge.services.parsers import ParsedItem, parse_file

FIXTURES = Path(__file__).parent / "fixtures"
# Documents carry no category of their own: the uploader names it.
DOCUMENT_CATEGORIES = {"house_rules.pdf": "policies", "spa_and_kids.docx": "facilities"}
KB_FILES = ["hotel.md", "hotel.json", "rates.csv", "house_rules.pdf", "spa_and_kids.docx"]


def fixture_items() -> list[ParsedItem]:
    items: list[ParsedItem] = []
    for name in KB_FILES:
        items += parse_file(name, (FIXTURES / name).read_bytes(), category=DOCUMENT_CATEGORIES.get(name, ""))
    return items


def load_kb(schema_name: str) -> dict[str, int]:
    """Ingest and embed the fixture knowledge base in a schema; returns title -> item id."""
    with schema_context(schema_name):
        result = upsert_items(fixture_items(), source="fixtures")
        embed_items(result.to_embed)
        from knowledge.models import KnowledgeItem

        return dict(KnowledgeItem.objects.values_list("title", "pk"))


def questions() -> dict:
    return json.loads((FIXTURES / "questions.json").read_text())


@pytest.fixture
def kb_a(world) -> dict[str, int]:
    return load_kb(world.a.schema_name)


@pytest.fixture
def kb_ab(world) -> tuple[dict[str, int], dict[str, int]]:
    """The same knowledge base in A and in B (identical content, separate schemas)."""
    return load_kb(world.a.schema_name), load_kb(world.b.schema_name)
