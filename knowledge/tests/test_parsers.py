"""Each input format, and each refusal with a message that says what is wrong."""

from __future__ import annotations

import datetime
import json

import pytest

from knowledge.services.parsers import IngestError, ParsedItem, parse_file, validate
from knowledge.tests.documents import make_docx, make_pdf
from testsupport.knowledge import FIXTURES


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_markdown_categories_hold_titled_items():
    items = parse_file("hotel.md", read("hotel.md"))
    by_title = {item.title: item for item in items}
    assert {item.category for item in items} == {"rooms", "facilities", "dining"}
    pool = by_title["Swimming Pool"]
    assert pool.category == "facilities" and "7:00 am to 10:00 pm" in pool.content and pool.language == "en"
    assert "Fitness" not in pool.content  # an item ends at the next heading


def test_markdown_front_matter_sets_the_language():
    items = parse_file("ms.md", b"---\nlanguage: ms\n---\n# FAQ\n\n## Waktu Solat\n\nSurau dibuka 24 jam.\n")
    assert items[0].language == "ms" and items[0].category == "faq"


def test_json_items_keep_dates_and_metadata():
    items = parse_file("hotel.json", read("hotel.json"))
    ramadan = next(item for item in items if item.title == "Makan Malam Buffet Ramadan")
    assert ramadan.language == "ms" and ramadan.valid_from == datetime.date(2027, 2, 17)
    payload = json.dumps({"items": [{"category": "faq", "title": "T", "content": "C", "metadata": {"k": 1}}]})
    assert parse_file("x.json", payload.encode())[0].metadata == {"k": 1}


def test_csv_rows_become_items():
    items = parse_file("rates.csv", read("rates.csv"))
    assert len(items) == 4 and all(item.category == "rates" for item in items)
    year_end = next(item for item in items if item.title == "Year-End Holiday Rates")
    assert (year_end.valid_from, year_end.valid_to) == (datetime.date(2026, 12, 15), datetime.date(2027, 1, 2))


def test_a_pdf_is_one_item_titled_by_its_metadata():
    (item,) = parse_file("house_rules.pdf", read("house_rules.pdf"), category="policies")
    assert item.title == "House Rules" and "Durian" in item.content and item.category == "policies"


def test_a_docx_is_cut_at_its_top_headings():
    items = parse_file("spa_and_kids.docx", read("spa_and_kids.docx"), category="facilities")
    assert [item.title for item in items] == ["Jasmine Spa", "Kids Club"]
    assert "urut" in items[0].content and "batik" in items[1].content


@pytest.mark.parametrize(
    ("name", "data", "category", "message"),
    [
        ("broken.pdf", b"%PDF-1.4\nthis is not really a pdf", "policies", "not a readable PDF"),
        ("blank.pdf", make_pdf([]), "policies", "no text to extract"),
        ("broken.docx", b"PK\x03\x04 not a zip", "faq", "not a readable DOCX"),
        ("empty.docx", make_docx([]), "faq", "is empty"),
        ("empty.md", b"   \n", "", "is empty"),
        ("rules.pdf", make_pdf(["Quiet hours start at 11 pm."]), "", "needs a category"),
        ("missing.csv", b"category,title\nfaq,Wi-Fi\n", "", "missing column(s) content"),
        ("header_only.csv", b"category,title,content\n", "", "header but no rows"),
        ("wide.csv", b"category,title,content\nfaq,A,B,extra\n", "", "more values than columns"),
        ("bad_category.csv", b"category,title,content\nspa,Massage,Nice\n", "", "'spa' is not one of"),
        ("bad_date.csv", b"category,title,content,valid_from\nrates,A,B,tomorrow\n", "", "is not a date"),
        ("bad.json", b'[{"category": ', "", "not valid JSON"),
        ("object.json", b'{"title": "x"}', "", "must be a list"),
        ("missing.json", b'[{"category": "faq", "title": "x"}]', "", "item 1: missing content"),
        (
            "range.json",
            b'[{"category":"faq","title":"x","content":"y","valid_from":"2027-01-02","valid_to":"2027-01-01"}]',
            "",
            "is after valid_to",
        ),
        (
            "dupe.json",
            b'[{"category":"faq","title":"x","content":"y"},{"category":"faq","title":"x","content":"z"}]',
            "",
            "two items titled",
        ),
        ("orphan.md", b"## Title first\n\nBody\n", "", "before any '# Category'"),
        ("spa.md", b"# Spa\n\n## Massage\n\nNice\n", "", "'# Spa' is not a category"),
        ("notes.txt", b"hello", "", "unsupported file type .txt"),
        ("latin1.csv", "category,title,content\nfaq,Caf\xe9,x\n".encode("latin-1"), "", "is not valid UTF-8 (byte 30)"),
    ],
)
def test_bad_files_are_refused_with_a_reason(name, data, category, message):
    with pytest.raises(IngestError) as refused:
        parse_file(name, data, category=category)
    assert message in str(refused.value)
    assert name in str(refused.value) or "file type" in str(refused.value)


def test_a_nul_in_a_text_file_is_refused_and_one_in_a_document_is_dropped() -> None:
    with pytest.raises(IngestError, match="nul.md contains a NUL character"):
        parse_file("nul.md", b"# faq\n\n## Gym\n\nOpen \x00 24 hours.\n")
    # Text a PDF or DOCX yields is cleaned at the last step before storing, never refused.
    item = validate(ParsedItem("faq", "Gym\x00", "Open\x00 24 hours \ud800", "en"), "gym.pdf")
    assert (item.title, item.content) == ("Gym", "Open 24 hours \ufffd")
