"""A question about the world outside the hotel, or a name no item names (assistant.outside): the honest reply
instead of a hotel item's lines; the guest's own name and the places the items do name still answered."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from assistant.outside import names_named_nowhere
from assistant.providers.base import Hit


def _hit(title: str, text: str) -> Hit:
    return Hit(item_id=1, chunk_id=1, title=title, category="faq", text=text, score=0.9)


CHECK_IN = _hit("Check-in and Check-out Times", "Check-in is from 3:00 pm; early check-in from 10:00 am costs RM 80.")


@pytest.mark.parametrize(
    "question",
    [
        "Sarah here, what time is breakfast?",
        "Can Aina and I check in early?",
        "Hi, this is Daniel Tan, how much is parking per night?",
        "My wife Priya wants a massage, how much is it?",
        "Encik Rahman nak tanya, berapa deposit bilik?",
        "Saya dan Farid nak daftar keluar lewat, boleh?",
        "booking for Tan Wei Ming, what time is check-in?",
        "a room for Ahmad and Siti, how much per night?",
        "Is there parking for my Proton Saga?",
        "We are flying AirAsia into KLIA2, can you pick us up?",
        "Is the spa open on Monday?",
        "kami sampai KL pukul 8 pagi, boleh masuk bilik awal?",
        "WHAT TIME IS CHECK IN",
        "What Time Does The Pool Open?",
        # the language's small words and the calendar's, whatever their case or place
        "gym pagi2 buka pukul brp",
        "Apakah stesen komuter paling dekat?",
        "Can we stay two nights over New Year's Eve?",
    ],
)
def test_the_guests_party_the_calendar_and_capitals_are_no_names_asked_about(question: str) -> None:
    # Nothing is asked of the database: no name is left to look up.
    assert names_named_nowhere(question, (CHECK_IN,)) == ()


def test_the_hotels_own_name_is_no_outside_name() -> None:
    assert names_named_nowhere("Does Seri Kenanga serve breakfast?", (), property_name="Seri Kenanga") == ()


def test_visa_asked_as_the_card_paid_with_is_no_entry_visa() -> None:
    assert names_named_nowhere("Can I pay with a Visa card?", (_hit("Payment", "We accept Visa."),)) == ()


ITEMS = [
    (
        "faq",
        "Getting Here",
        "en",
        "We are five minutes' walk from Bukit Nanas monorail station and the Jalan Alor night market.",
    ),
    ("policies", "Check-in", "en", "Check-in is from 3:00 pm. Early check-in from 10:00 am costs RM 80."),
    ("faq", "Payment", "en", "We accept Visa, Mastercard and Touch 'n Go."),
]


@pytest.fixture
def hotel(world):
    from knowledge.services.ingestion import embed_items, upsert_items
    from knowledge.services.parsers import ParsedItem

    with schema_context(world.a.schema_name):
        result = upsert_items([ParsedItem(category=c, title=t, content=x, language=lang) for c, t, lang, x in ITEMS])
        embed_items(result.to_embed)
    return world.a


@pytest.mark.parametrize(
    ("question", "unnamed"),
    [
        ("What time does Pavilion open?", ("pavilion",)),
        ("Muzium Negara buka hari isnin tak?", ("museum", "negara")),
        ("Is Nando's halal?", ("nando",)),
        ("Do I need a visa to enter with an Indian passport?", ("immigration", "indian")),
        ("perlu visa tak untuk rakyat Bangladesh?", ("immigration", "bangladesh")),
        ("What's the weather like tomorrow?", ("weather",)),
        ("berapa harga tiket menara kl", ("kl",)),
        ("How far is KL Sentral station?", ("kl", "sentral")),
    ],
)
def test_a_name_or_outside_place_no_item_names_is_told(hotel, question: str, unnamed: tuple[str, ...]) -> None:
    with schema_context(hotel.schema_name):
        assert names_named_nowhere(question, (CHECK_IN,)) == unnamed


@pytest.mark.parametrize(
    "question",
    [
        "How far is Bukit Nanas station?",
        "is the Jalan Alor night market near?",  # a hotel whose items name a market answers
        "Do you take Touch 'n Go or Mastercard?",
        "stesen monorel Bukit Nanas jauh tak?",
    ],
)
def test_names_an_item_names_are_answered(hotel, question: str) -> None:
    with schema_context(hotel.schema_name):
        assert names_named_nowhere(question, ()) == ()


def test_a_word_capitalised_after_a_comma_begins_a_clause() -> None:
    assert names_named_nowhere("Good morning, What time is check in?", (CHECK_IN,)) == ()


def test_the_glossarys_longer_phrase_is_read_before_an_outside_kind() -> None:
    # "bad weather" is the rain the pool closes for (the glossary's), not the forecast.
    assert names_named_nowhere("is the pool open in bad weather?", (_hit("Pool", "The pool closes in storms."),)) == ()


@pytest.mark.parametrize(
    ("question", "unnamed"),
    [("pukul berapa pavilion tutup malam ni?", ("pavilion",)), ("what time does the night market open?", ())],
)
def test_the_word_asked_to_be_open_is_a_name_unless_an_item_names_it(
    hotel, question: str, unnamed: tuple[str, ...]
) -> None:
    with schema_context(hotel.schema_name):
        assert names_named_nowhere(question, (CHECK_IN,)) == unnamed


def test_a_word_saying_when_before_open_is_no_name() -> None:
    assert names_named_nowhere("malam ni pukul 9 spa masih buka?", (_hit("Spa", "The spa is open until 10 pm."),)) == ()
