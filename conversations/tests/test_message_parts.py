"""A message asking several things is read part by part (assistant/parts.py); one asking one or two stays whole."""

from __future__ import annotations

import pytest

from assistant.parts import asked_parts
from assistant.providers.base import AskedPart, ChatRequest, Hit
from assistant.providers.offline import compose
from conversations.dialogues import DISMISSIVE
from conversations.models import AiMode


def asked(message: str) -> list[str]:
    return [part for _, part in asked_parts(message)]


@pytest.mark.parametrize(
    "message",
    [
        "Is breakfast included, and what time is it served?",
        "what time does the pool open and is there a lifeguard",
        "Hi! We land at 7am. Can we check in early?",
    ],
)
def test_a_message_asking_one_or_two_things_is_left_whole(message: str) -> None:
    assert asked_parts(message) == []


def test_an_email_s_questions_are_its_parts_without_the_greeting_or_the_sign_off() -> None:
    mail = "Dear team,\n\nA few questions.\nWhat time is check-in? How much is parking?\nIs the food halal?\n\nSam"
    assert asked(mail) == ["What time is check-in?", "How much is parking?", "Is the food halal?"]


def test_a_list_of_things_asked_about_is_a_part_each() -> None:
    parts = asked("Could you tell me about your rooms, the pool, parking, the spa and breakfast?")
    assert parts[1:] == ["the pool", "parking", "the spa", "breakfast?"] and "rooms" in parts[0]


def test_a_run_on_splits_at_its_question_words() -> None:
    run_on = "hi what time is checkin how much is breakfast for kids is there a pool and where can i park"
    assert asked(run_on) == [
        "what time is checkin",
        "how much is breakfast for kids",
        "is there a pool",
        "where can i park",
    ]


def test_a_short_part_naming_no_thing_is_read_after_the_last_part_naming_one() -> None:
    parts = asked_parts("Van ke airport berapa harga? Perjalanan berapa lama? Perlu tempah berapa jam awal? Ada surau?")
    assert [text for text, _ in parts[1:3]] == [
        "Van ke airport berapa harga? Perjalanan berapa lama?",
        "Van ke airport berapa harga? Perlu tempah berapa jam awal?",
    ]
    assert parts[3] == ("Ada surau?", "Ada surau?")


def test_a_malay_run_on_splits_after_its_closing_question_words() -> None:
    assert asked("salam kolam tingkat berapa dobi ada tak surau kat mana") == [
        "kolam tingkat berapa",
        "dobi ada tak",
        "surau kat mana",
    ]


def test_a_malay_run_on_is_not_split_where_the_words_before_name_nothing() -> None:
    # "nak tanya brp" names no thing: "brp" opens the question about parking, it does not close one.
    assert asked_parts("hi nak tanya brp harga parking semalam pukul brp check out") == []


def test_a_part_pointing_back_is_read_after_the_room_named_before() -> None:
    parts = asked_parts("Bilik family suite muat berapa orang? Ada surau? Sarapan termasuk tak?")
    assert parts[2] == ("Bilik family suite muat berapa orang? Sarapan termasuk tak?", "Sarapan termasuk tak?")
    assert parts[1] == ("Ada surau?", "Ada surau?")  # naming its own thing, pointing back at nothing


def test_room_service_is_no_room_to_point_back_at() -> None:
    parts = asked_parts("Room service ada caj? Ada surau? Sarapan termasuk tak?")
    assert parts[2] == ("Sarapan termasuk tak?", "Sarapan termasuk tak?")


@pytest.mark.parametrize(
    ("mode", "language", "closing"),
    [
        (AiMode.CONCIERGE, "en", "I don't have confirmed information about \"Can we bring our cat\", so I won't guess"),
        (AiMode.LEAD_CAPTURE, "en", 'Our team will confirm "Can we bring our cat" for you with your enquiry.'),
        (AiMode.LEAD_CAPTURE, "ms", 'Pasukan kami akan mengesahkan "Can we bring our cat" untuk anda bersama'),
    ],
)
def test_a_part_nothing_answers_is_said_honestly_and_never_turns_away_a_guest_giving_booking_details(
    mode: str, language: str, closing: str
) -> None:
    parking = Hit(7, 70, "Parking", "facilities", "Parking is RM 15 per night.", 0.9)
    gym = Hit(8, 80, "Gym", "facilities", "The gym is open 24 hours.", 0.9)
    parts = (
        AskedPart("Is there parking?", "Is there parking?", (parking,)),
        AskedPart("Is the gym open at night?", "Is the gym open at night?", (gym,)),
        AskedPart("Can we bring our cat?", "Can we bring our cat?", ()),
    )
    question = "2 adults, 5 to 7 May. Is there parking? Is the gym open at night? Can we bring our cat?"
    request = ChatRequest(
        system="", messages=[], question=question, language=language, mode=mode, hits=(parking, gym), parts=parts
    )
    reply = compose(request)
    assert "RM 15 per night" in reply and "open 24 hours" in reply
    assert closing in reply
    if mode == AiMode.LEAD_CAPTURE:  # the dialogue measure's "dismissive after details"
        assert not DISMISSIVE.search(reply)
