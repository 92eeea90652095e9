"""Items carrying both languages: every upload format takes the Malay text, it is embedded as chunks of
their own, and a Malay question is answered from it (an English one from the English text)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from knowledge.models import KnowledgeChunk, KnowledgeItem
from knowledge.services import search
from knowledge.services.ingestion import embed_items, upsert_items
from knowledge.services.parsers import IngestError, parse_file
from knowledge.services.upload import confirm_upload, preview_upload
from knowledge.tests.documents import make_docx, make_pdf

TODAY = datetime.date(2026, 11, 23)
EN = "Check-in is from 3:00 pm and check-out is by 12:00 noon."
MS = "Daftar masuk bermula pukul 3:00 petang dan daftar keluar sebelum 12:00 tengah hari."


def test_csv_takes_malay_columns():
    data = (
        "category,title,content,title_ms,content_ms\n"
        f'policies,Check-in Times,"{EN}",Waktu Daftar Masuk,"{MS}"\n'
        'faq,Wi-Fi,"Free Wi-Fi everywhere.",,\n'
    ).encode()
    first, second = parse_file("items.csv", data)
    assert (first.title_ms, first.content_ms, first.language) == ("Waktu Daftar Masuk", MS, "en")
    assert (second.title_ms, second.content_ms) == ("", "")


def test_json_takes_malay_fields():
    payload = {"items": [{"category": "policies", "title": "Check-in Times", "content": EN, "content_ms": MS}]}
    (item,) = parse_file("items.json", json.dumps(payload).encode())
    assert item.content_ms == MS and item.title_ms == ""


def test_markdown_malay_text_follows_its_marker():
    data = (
        f"# Policies\n\n## Check-in Times\n\n{EN}\n\n### Bahasa Malaysia: Waktu Daftar Masuk\n\n{MS}\n\n"
        "## Pets\n\nNo pets.\n"
    )
    check_in, pets = parse_file("hotel.md", data.encode())
    assert check_in.content == EN and check_in.content_ms == MS and check_in.title_ms == "Waktu Daftar Masuk"
    assert pets.content == "No pets." and pets.content_ms == ""


def test_documents_take_a_bahasa_malaysia_line():
    docx = make_docx([("Check-in Times", [EN, "Bahasa Malaysia: Waktu Daftar Masuk", MS])])
    (item,) = parse_file("rules.docx", docx, category="policies")
    assert item.content == EN and item.content_ms == MS and item.title_ms == "Waktu Daftar Masuk"
    (pdf_item,) = parse_file("rules.pdf", make_pdf([EN, "Bahasa Malaysia", MS], title="Times"), category="faq")
    assert pdf_item.content == EN and pdf_item.content_ms == MS


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"title_ms": "Waktu"}, "no Malay text"),
        ({"language": "ms", "content_ms": MS}, "already in Bahasa Malaysia"),
    ],
)
def test_malay_text_that_cannot_be_stored_is_refused(row, message):
    payload = [{"category": "faq", "title": "T", "content": EN, **row}]
    with pytest.raises(IngestError, match=message):
        parse_file("items.json", json.dumps(payload).encode())


def test_the_malay_text_is_embedded_and_answers_malay_questions(world):
    data = json.dumps(
        [
            {
                "category": "policies",
                "title": "Check-in and Check-out Times",
                "title_ms": "Waktu Daftar Masuk dan Keluar",
                "content": EN,
                "content_ms": MS,
            },
            {"category": "faq", "title": "Wi-Fi Access", "content": "Free Wi-Fi: network 'Melati-Guest'."},
        ]
    ).encode()
    with schema_context(world.a.schema_name):
        preview = preview_upload("items.json", data)
        assert [p.action for p in preview.plan] == ["create", "create"]
        confirm_upload(preview.items, source="items.json", requested_by="staff@example.com")
        item = KnowledgeItem.objects.get(title="Check-in and Check-out Times")
        languages = sorted(KnowledgeChunk.objects.filter(item=item).values_list("language", flat=True))
        assert languages == ["en", "ms"]
        search("Pukul berapa daftar keluar?", k=3, language="ms", today=TODAY)  # the question vectors cached
        search("What time is check-out?", k=3, language="en", today=TODAY)
        with CaptureQueriesContext(connection) as statements:
            malay = search("Pukul berapa daftar keluar?", k=3, language="ms", today=TODAY)
            english = search("What time is check-out?", k=3, language="en", today=TODAY)
    # One statement each, the other language's chunks of the same items included.
    assert len(statements.captured_queries) == 2, [q["sql"][:80] for q in statements.captured_queries]
    # Each question gets the item in its own language, under that language's title, and only once.
    assert malay[0].item_id == english[0].item_id == item.pk
    assert malay[0].language == "ms" and "tengah hari" in malay[0].text
    assert malay[0].title == "Waktu Daftar Masuk dan Keluar"
    assert english[0].language == "en" and "12:00 noon" in english[0].text
    assert [hit.item_id for hit in malay].count(item.pk) == 1


def test_changing_only_the_malay_text_re_embeds_the_item(world):
    rows = [{"category": "faq", "title": "Parking", "content": "Parking is RM 15 per night.", "content_ms": "RM 15."}]
    with schema_context(world.a.schema_name):
        embed_items(upsert_items(parse_file("a.json", json.dumps(rows).encode())).to_embed)
        rows[0]["content_ms"] = "Letak kereta RM 15 semalam."
        result = upsert_items(parse_file("a.json", json.dumps(rows).encode()))
        assert len(result.updated) == 1 and result.to_embed == result.updated
        embed_items(result.to_embed)
        texts = set(KnowledgeChunk.objects.filter(language="ms").values_list("text", flat=True))
    assert texts == {"Letak kereta RM 15 semalam."}
