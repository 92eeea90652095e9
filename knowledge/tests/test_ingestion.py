"""Upsert by category + title, hash-skipped re-ingestion, selective re-embedding, chunking, commands."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from knowledge.models import EmbeddingStatus, KnowledgeChunk, KnowledgeItem
from knowledge.services.chunking import chunk_text
from knowledge.services.embeddings import count_tokens
from knowledge.services.ingestion import embed_items, save_item, upsert_items
from knowledge.services.parsers import IngestError, ParsedItem
from testsupport.knowledge import FIXTURES, chunk_ids, fixture_items, load_kb


def chunk_state() -> dict[str, list[tuple[int, object]]]:
    state: dict[str, list[tuple[int, object]]] = {}
    for chunk in KnowledgeChunk.objects.select_related("item").order_by("pk"):
        state.setdefault(chunk.item.title, []).append((chunk.pk, chunk.item.embedded_at))
    return state


def test_re_ingesting_the_same_files_changes_nothing(world):
    load_kb(world.a.schema_name)
    with schema_context(world.a.schema_name):
        before = chunk_state()
        result = upsert_items(fixture_items(), source="again")
        assert result.created == [] and result.updated == [] and result.to_embed == []
        assert len(result.unchanged) == KnowledgeItem.objects.count() == 28
        assert embed_items(result.to_embed).embedded == 0
        assert chunk_state() == before


def test_an_edited_item_is_re_embedded_and_an_untouched_one_is_not(world):
    load_kb(world.a.schema_name)
    with schema_context(world.a.schema_name):
        before = chunk_state()
        items = fixture_items()
        pool = next(item for item in items if item.title == "Swimming Pool")
        pool.content = pool.content.replace("10:00 pm", "11:00 pm")
        result = upsert_items(items, source="edit")
        assert len(result.updated) == 1 and result.to_embed == result.updated
        assert embed_items(result.to_embed).embedded == 1
        after = chunk_state()
        assert after["Swimming Pool"] != before["Swimming Pool"]  # new chunks, new embedding time
        assert "11:00 pm" in KnowledgeChunk.objects.get(item__title="Swimming Pool").text
        untouched = {title: ids for title, ids in after.items() if title != "Swimming Pool"}
        assert untouched == {title: ids for title, ids in before.items() if title != "Swimming Pool"}


def test_changing_only_the_validity_updates_without_re_embedding(world):
    item = ParsedItem("rates", "Promo", "Stay 3 nights pay 2.", "en")
    with schema_context(world.a.schema_name):
        embed_items(upsert_items([item]).to_embed)
        import datetime

        item.valid_to = datetime.date(2027, 1, 31)
        result = upsert_items([item])
        assert result.updated and result.to_embed == []


def test_a_bad_item_leaves_nothing_of_its_batch_behind(world):
    good = ParsedItem("faq", "Good", "Fine content.", "en")
    bad = ParsedItem("faq", "", "No title.", "en")
    with schema_context(world.a.schema_name):
        with pytest.raises(IngestError, match="title is empty"):
            upsert_items([good, bad], source="batch")
        assert not KnowledgeItem.objects.filter(title="Good").exists()


def test_an_admin_style_edit_re_embeds_on_save(world):
    with schema_context(world.a.schema_name):
        embed_items(upsert_items([ParsedItem("faq", "Gym", "Open 24 hours.", "en")]).to_embed)
        item = KnowledgeItem.objects.get(title="Gym")
        old_chunk = item.chunks.get().pk
        item.content = "Open from 6 am to midnight."
        save_item(item)
        assert item.embedding_status == EmbeddingStatus.READY and item.embedded_hash == item.content_hash
        assert item.chunks.get().pk != old_chunk and "midnight" in item.chunks.get().text


def test_short_items_stay_whole():
    (chunk,) = chunk_text("Breakfast is served from 6:30 am.")
    assert chunk.text == "Breakfast is served from 6:30 am." and chunk.token_count == count_tokens(chunk.text)


def test_long_items_split_at_headings_with_overlap():
    sections = [
        f"## Section {n}\n\n" + " ".join(f"Sentence {n}.{i} about the hotel pool and spa." for i in range(30))
        for n in range(4)
    ]
    chunks = chunk_text("\n\n".join(sections))
    assert len(chunks) >= 4
    assert all(chunk.token_count <= 500 for chunk in chunks)
    assert max(chunk.token_count for chunk in chunks) > 300  # packed, not one sentence per chunk
    for previous, current in zip(chunks, chunks[1:], strict=False):
        carried = current.text.split("\n\n", 1)[0].lstrip("…")
        assert carried and previous.text.endswith(carried)  # the overlap is the previous chunk's tail
        assert 20 <= count_tokens(carried) <= 50
    assert chunks[1].text.split("\n\n", 1)[1].startswith("## Section")  # a heading opens a chunk


def test_a_run_on_text_without_boundaries_is_still_cut_to_size():
    chunks = chunk_text("word " * 2000)
    assert len(chunks) >= 4 and all(chunk.token_count <= 500 for chunk in chunks)


def test_ingest_kb_reports_a_summary_and_is_idempotent(world):
    paths = [str(FIXTURES / name) for name in ("hotel.md", "hotel.json", "rates.csv")]
    out, err = io.StringIO(), io.StringIO()
    call_command("ingest_kb", "--property", "alpha", *paths, stdout=out, stderr=err)
    assert "alpha: created 25, updated 0, unchanged 0, failed 0" in out.getvalue()
    assert "embedding [" in err.getvalue() and "25/25" in err.getvalue()
    out = io.StringIO()
    call_command("ingest_kb", "--property", "alpha", *paths, stdout=out, stderr=io.StringIO())
    assert "created 0, updated 0, unchanged 25, failed 0" in out.getvalue()


def test_ingest_kb_exits_non_zero_on_a_refused_file(world, tmp_path):
    bad = tmp_path / "broken.csv"
    bad.write_text("category,title\nfaq,x\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="created 4, updated 0, unchanged 0, failed 1"):
        call_command(
            "ingest_kb", "--property", "alpha", str(FIXTURES / "rates.csv"), str(bad), stdout=io.StringIO(), stderr=err
        )
    assert "missing column(s) content" in err.getvalue()
    with pytest.raises(CommandError, match="No property"):
        call_command("ingest_kb", "--property", "nope", str(bad))


def test_ingest_kb_takes_the_category_of_documents(world):
    out = io.StringIO()
    call_command(
        "ingest_kb",
        "--property",
        "alpha",
        "--category",
        "policies",
        str(FIXTURES / "house_rules.pdf"),
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "created 1" in out.getvalue()
    with schema_context(world.a.schema_name):
        assert KnowledgeItem.objects.get(title="House Rules").category == "policies"


def test_reembed_rebuilds_every_chunk_of_one_property(world, kb_ab):
    a_before, b_before = chunk_ids(world.a.schema_name), chunk_ids(world.b.schema_name)
    out, err = io.StringIO(), io.StringIO()
    call_command("reembed", "--property", "alpha", stdout=out, stderr=err)
    assert "alpha: re-embedded 28, failed 0" in out.getvalue() and "28/28" in err.getvalue()
    assert not a_before & chunk_ids(world.a.schema_name)
    assert chunk_ids(world.b.schema_name) == b_before
