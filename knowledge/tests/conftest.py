"""Knowledge fixtures: the realistic hotel knowledge base under fixtures/ (testsupport.knowledge), loaded
into a property."""

from __future__ import annotations

import pytest

from testsupport.knowledge import load_kb


@pytest.fixture
def kb_a(world) -> dict[str, int]:
    return load_kb(world.a.schema_name)


@pytest.fixture
def kb_ab(world) -> tuple[dict[str, int], dict[str, int]]:
    """The same knowledge base in A and in B (identical content, separate schemas)."""
    return load_kb(world.a.schema_name), load_kb(world.b.schema_name)
