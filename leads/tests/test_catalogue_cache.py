"""The room catalogue a guest turn reads (rate rows, the knowledge base's rooms and rates items) is kept per
process by `core.settings_cache`: per property, and dropped when a row or an item of it changes, so property B
is never served property A's rooms and a manager's edit is read on the next turn."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django_tenants.utils import schema_context

from core import settings_cache
from core.redis import get_redis
from knowledge.models import KnowledgeItem
from knowledge.services.ingestion import set_active, upsert_items
from knowledge.services.parsers import ParsedItem
from leads.models import RoomRate
from leads.services.catalogue import room_options
from leads.services.leads import extraction_context

pytestmark = pytest.mark.django_db

ROOMS = {"alpha": ("Garden Villa", "A villa in the garden."), "bravo": ("Harbour Loft", "A loft over the harbour.")}


@pytest.fixture
def catalogues(world: Any) -> dict[str, str]:
    """Each property its own room item and rate row; the same stamp for both (none), so only the schema in
    the cache's key tells their entries apart."""
    for schema, (room, text) in ROOMS.items():
        with schema_context(schema):
            KnowledgeItem.objects.create(category="rooms", title=room, content=text)
            RoomRate.objects.create(name=f"{room} Rate", nightly_rate=Decimal("300"))
    settings_cache.clear()
    get_redis().delete(*(settings_cache.stamp_key(schema) for schema in ROOMS))
    return {schema: room for schema, (room, _) in ROOMS.items()}


def names() -> set[str]:
    return {option.name for option in room_options()}


def test_each_property_is_served_its_own_catalogue(world: Any, catalogues: dict[str, str], django_assert_num_queries):
    for schema in ("alpha", "bravo"):  # fill the cache for both
        with schema_context(schema):
            room_options()
    with django_assert_num_queries(0):  # from the cache now, and still each property's own
        for schema, other in (("alpha", "bravo"), ("bravo", "alpha"), ("alpha", "bravo")):
            with schema_context(schema):
                assert catalogues[schema] in names() and f"{catalogues[schema]} Rate" in names()
                assert not any(catalogues[other] in name for name in names())
                ctx = extraction_context(world.a if schema == "alpha" else world.b)
                assert {option.name for option in ctx.rooms} == names()


def test_property_b_never_reads_as_entry_even_under_as_stamp(world: Any, catalogues: dict[str, str]) -> None:
    with schema_context("alpha"):
        assert catalogues["alpha"] in names()
    # B has never been read: whatever A's entry holds, B's first read is its own rows.
    with schema_context("bravo"):
        assert catalogues["bravo"] in names() and not any("Garden" in name for name in names())


def test_an_edit_to_a_room_item_is_read_on_the_next_turn(
    world: Any, catalogues: dict[str, str], django_capture_on_commit_callbacks
) -> None:
    with schema_context("alpha"):
        assert "Garden Villa" in names()
        with django_capture_on_commit_callbacks(execute=True):
            item = KnowledgeItem.objects.get(title="Garden Villa")
            item.title = "Orchid Villa"
            item.save()  # the admin's edit
        assert "Orchid Villa" in names() and "Garden Villa" not in names()
        with django_capture_on_commit_callbacks(execute=True):
            upsert_items([ParsedItem(category="rooms", title="Sky Suite", content="A suite on the top floor.")])
        assert "Sky Suite" in names()
        with django_capture_on_commit_callbacks(execute=True):
            set_active([item.pk], False)  # a queryset UPDATE: no post_save
        assert "Orchid Villa" not in names()
        with django_capture_on_commit_callbacks(execute=True):
            KnowledgeItem.objects.filter(title="Sky Suite").delete()
        assert "Sky Suite" not in names()
    with schema_context("bravo"):
        assert "Harbour Loft" in names()  # B's catalogue untouched by A's edits


def test_a_rate_rows_change_is_read_on_the_next_turn(world: Any, catalogues: dict[str, str]) -> None:
    with schema_context("alpha"):
        assert {o.name: o.rate for o in room_options()}["Garden Villa Rate"] == Decimal("300")
        row = RoomRate.objects.get(name="Garden Villa Rate")
        row.nightly_rate = Decimal("450")
        row.save()
        assert {o.name: o.rate for o in room_options()}["Garden Villa Rate"] == Decimal("450")
        RoomRate.objects.filter(pk=row.pk).delete()
        assert "Garden Villa Rate" not in names()


def test_a_change_committed_by_another_process_is_seen_through_the_stamp(
    world: Any, catalogues: dict[str, str]
) -> None:
    with schema_context("alpha"):
        assert "Garden Villa" in names()
        # Another process writes the item; until its commit moves the stamp, this process keeps its copy.
        KnowledgeItem.objects.filter(title="Garden Villa").update(title="Lotus Villa")
        assert "Garden Villa" in names()
        get_redis().incr(settings_cache.stamp_key("alpha"))  # that process's commit
        assert "Lotus Villa" in names()
    with schema_context("bravo"):
        assert "Harbour Loft" in names()


def test_an_item_outside_rooms_and_rates_drops_the_catalogue_only_when_it_may_have_left_it(
    world: Any, catalogues: dict[str, str], django_capture_on_commit_callbacks, django_assert_num_queries
) -> None:
    with schema_context("alpha"):
        room_options()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            faq = KnowledgeItem.objects.create(category="faq", title="Gym", content="Open 24 hours.")
            faq.delete()
        assert callbacks == []  # never in the catalogue: its copies stand
        with django_assert_num_queries(0):
            room_options()
        with django_capture_on_commit_callbacks(execute=True):
            item = KnowledgeItem.objects.get(title="Garden Villa")
            item.category = "faq"  # moved out of rooms by an edit
            item.save()
        assert "Garden Villa" not in names()
