"""Answers in the guest's language (issue 15): a Malay question whose item carries a Malay text is
answered from that text, by the offline provider and in the model's prompt; an item written in English
only is quoted with a Malay note that the detail follows in English; a price question gets the price
and one line inviting the booking."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from assistant import prompts, retrieval, situations
from conversations import dialogues, engine
from testsupport.knowledge import load_kb

pytestmark = pytest.mark.django_db


@pytest.fixture
def kb(world, open_all_day):
    load_kb(world.a.schema_name)
    return world


def test_a_malay_question_is_answered_from_the_items_malay_text(kb) -> None:
    with schema_context(kb.a.schema_name):
        malay = engine.answer("Pukul berapa daftar keluar?", language="ms", property_=kb.a)
        english = engine.answer("What time is check-out?", language="en", property_=kb.a)
    assert malay.text.startswith("Berikut maklumat yang saya ada:"), malay.text
    assert "12:00 tengah hari" in malay.text and "bahasa Inggeris" not in malay.text, malay.text
    assert "12:00 noon" in english.text and "tengah hari" not in english.text, english.text


def test_an_english_only_item_is_quoted_with_a_malay_note(kb) -> None:
    with schema_context(kb.a.schema_name):
        reply = engine.answer("Kolam renang tutup pukul berapa?", language="ms", property_=kb.a)
    assert "hanya ada dalam bahasa Inggeris" in reply.text and "10:00 pm" in reply.text, reply.text


def test_the_models_prompt_carries_the_malay_text(kb) -> None:
    with schema_context(kb.a.schema_name):
        hits = retrieval.retrieve("Parking kereta berapa semalam?", language="ms")
    block = prompts.knowledge_block(hits)
    assert 'language="ms"' in block and "RM 15 semalam" in block, block
    assert "Hotel guests pay RM 15 per night" not in block  # the same item is not given twice


def test_a_price_question_gets_the_price_and_one_line_inviting_the_booking(kb) -> None:
    dialogue = dialogues.Dialogue(
        "price-then-booking",
        "en",
        "web",
        [dialogues.GuestTurn("How much is the Deluxe King per night? We'd like to book it.", [], "en")],
        {},
    )
    with schema_context(kb.a.schema_name):
        (reply,) = dialogues.run_dialogue(dialogue, kb.a).replies
    assert "RM 320" in reply, reply
    assert reply.count("?") == 1, reply  # the lead step's one question, nothing else asked


def test_a_guest_describing_an_early_arrival_finds_the_early_check_in_line(kb) -> None:
    # No item says "flight" or "lands": the search is made with the policy the situation asks about, and the
    # answer quotes its line; a guest with an early flight asking the way here is not asking about the room.
    with schema_context(kb.a.schema_name):
        hits = retrieval.retrieve("our plane touches down at 6am, can we get into our room early?", language="en")
        english = engine.answer("our plane touches down at 6am, can we get into our room early?", property_=kb.a)
        malay = engine.answer("kapal terbang kami mendarat pukul 6 pagi, boleh masuk bilik?", property_=kb.a)
    assert "Check-in and Check-out Times" in [h.title for h in hits], [h.title for h in hits]
    assert "Early check-in from 10:00 am" in english.text, english.text
    assert "Daftar masuk awal dari 10:00 am" in malay.text, malay.text
    assert situations.implied_topic("our flight lands at 7am, how do we get to the hotel?") == ""


def test_each_part_of_a_two_part_malay_question_is_searched_and_answered(kb) -> None:
    # As a whole the question is nearest to the luggage item only; its first part asks for the check-out hour.
    question = "bila kena daftar keluar, dan boleh simpan beg tak lepas tu"
    assert len(situations.asking_pieces(question)) == 2
    with schema_context(kb.a.schema_name):
        titles = [h.title for h in retrieval.retrieve(question, language="ms")]
        reply = engine.answer(question, language="ms", property_=kb.a)
    assert "Check-in and Check-out Times" in titles and "Luggage Storage" in titles, titles
    assert "12:00" in reply.text and "free of charge" in reply.text, reply.text


def test_a_part_opened_by_whats_as_guests_type_it_asks_of_its_own() -> None:
    assert situations.asking_pieces("whats the wifi and what time does the gym open") == [
        "whats the wifi ",
        " what time does the gym open",
    ]


def test_a_part_that_asks_nothing_is_not_searched_on_its_own() -> None:
    assert situations.asking_pieces("we are 2 adults and 3 kids, will we fit in one room?") == []
    assert situations.asking_pieces("i use a wheelchair, which room suits me") == []
    # A comparison's sides are searched each: "the spa" asks nothing, but is one side of "which opens earlier".
    assert situations.asking_pieces("which opens earlier, the spa or the kids club") == [
        "which opens earlier",
        " the spa ",
        " the kids club",
    ]


def test_a_childs_age_told_without_years_old_asks_about_the_child_policy() -> None:
    assert situations.implied_topic("my son is 3, does he need his own bed in the deluxe king?") == "child"
    assert situations.implied_topic("our daughter's 4, can she share our bed?") == "child"
    assert situations.implied_topic("my son is 15, can he use the gym?") == ""  # a teenager: no child policy
