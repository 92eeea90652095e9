"""Replies fitted to WhatsApp: its markup, and bodies of at most 4096 characters cut at good places."""

from __future__ import annotations

import random

import pytest

from messaging.whatsapp import WhatsAppAdapter
from messaging.whatsapp.formatting import MAX_BODY, markdown_to_whatsapp, split_text


@pytest.mark.parametrize(
    ("markdown", "whatsapp"),
    [
        ("Breakfast is **included**.", "Breakfast is *included*."),
        ("**Check-in** 3 pm, **check-out** noon", "*Check-in* 3 pm, *check-out* noon"),
        ("__Important__: bring your IC", "*Important*: bring your IC"),
        ("It is *really* close", "It is _really_ close"),
        ("~~RM 500~~ RM 420", "~RM 500~ RM 420"),
        ("## Room types\nDeluxe", "*Room types*\nDeluxe"),
        ("* Pool\n* Gym\n+ Spa", "• Pool\n• Gym\n• Spa"),
        ("- Pool\n- Gym", "- Pool\n- Gym"),
        ("Book [here](https://alpha.example/book)", "Book here (https://alpha.example/book)"),
        ("See [https://alpha.example](https://alpha.example)", "See https://alpha.example"),
        ("2 * 3 = 6 and 4 * 5 = 20", "2 * 3 = 6 and 4 * 5 = 20"),
        ("Harga **RM 300** semalam, *termasuk* sarapan.", "Harga *RM 300* semalam, _termasuk_ sarapan."),
        ("snake_case_name stays", "snake_case_name stays"),
    ],
)
def test_markdown_becomes_whatsapp_markup(markdown: str, whatsapp: str) -> None:
    assert markdown_to_whatsapp(markdown) == whatsapp


def test_a_short_text_is_one_part() -> None:
    assert split_text("Hello there.") == ["Hello there."]
    assert split_text("   ") == []


def test_a_long_text_is_cut_after_a_sentence_not_inside_one() -> None:
    sentence = "Our deluxe rooms have a king bed and a city view. "
    text = sentence * 200  # 10,000 characters
    parts = split_text(text)
    assert len(parts) == 3
    assert all(len(p) <= MAX_BODY for p in parts)
    assert all(p.endswith("city view.") for p in parts[:-1])
    assert " ".join(parts) == text.strip()


def test_a_paragraph_break_in_the_back_half_beats_a_later_sentence_end() -> None:
    first = ("A. " * 900).strip()  # 2,699 characters
    second = ("B. " * 900).strip()
    parts = split_text(first + "\n\n" + second, limit=3000)
    assert parts == [first, second]


def test_without_punctuation_it_cuts_between_words() -> None:
    words = [f"word{i}" for i in range(2000)]  # ~13,000 characters, no sentence ends
    parts = split_text(" ".join(words))
    assert all(len(p) <= MAX_BODY for p in parts)
    assert " ".join(parts).split() == words  # no word was cut in two


def test_only_a_word_longer_than_the_limit_is_cut() -> None:
    url = "https://alpha.example/" + "x" * 5000
    parts = split_text(f"Link: {url} thanks")
    assert all(len(p) <= MAX_BODY for p in parts)
    assert "".join(parts).replace(" ", "") == f"Link:{url}thanks"


@pytest.mark.parametrize("seed", range(20))
def test_random_texts_keep_every_character_and_respect_the_limit(seed: int) -> None:
    rng = random.Random(seed)
    pieces = ["Selamat datang.", "Room 12 is ready!", "Is it?", "\n\n", "\n", "word", "kata", "ok…", "🙂", "x" * 120]
    text = " ".join(rng.choice(pieces) for _ in range(rng.randint(50, 1500)))
    limit = rng.choice([50, 200, MAX_BODY])
    parts = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


def test_the_adapter_formats_then_splits() -> None:
    with WhatsAppAdapter("1", "token") as adapter:
        parts = adapter.format("**Hello**. " + "More text here. " * 400)
    assert parts[0].startswith("*Hello*.")
    assert all(len(p) <= 4096 for p in parts) and len(parts) == 2
