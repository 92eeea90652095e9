"""Lead details of the sixth tuning round (issue 15, t15d2): one test per kind. Children named as the family names
them ("my 3 girls", "a son and 2 daughters", "our triplets", "anak perempuan 2 orang"), one adult with their child,
a party written as labels and counts ("dewasa 3 kanak2 2"); holidays that move with their calendars (Chinese New
Year, Hari Raya, Deepavali) read as their first day and kept in the guest's words with the school holidays; one
capitalised word said alone while we do not know the name ("Aisyah" in reply to "which date?"); a NO that corrects
the summary rather than refusing the handover.

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from leads.models import ConsentStatus, Lead, LeadStatus
from leads.services.dates import find_dates
from leads.services.extraction import extract
from leads.services.policy import DialogueState
from leads.services.quotes import room_price_line
from leads.services.schema import RoomOption
from leads.tests.accuracy import CTX, fields  # 23 November 2026, Kuala Lumpur
from leads.turn import answer_hint, corrects_summary, leading_name


@pytest.mark.parametrize(
    ("text", "children"),
    [
        ("a room for my husband and me and our 3 girls", 3),
        ("two adults, a son and 2 daughters", 3),
        ("we have a boy and a girl, both under ten", 2),
        ("2 adults plus our triplets", 3),
        ("saya dan isteri, anak perempuan 2 orang", 2),
        ("kami suami isteri dengan anak kembar", 2),
        ("me, my partner and our little boy", 1),
        ("2 of us and our two little ones", 2),
        ("two adults, our son (9) and daughter (5)", 2),
        ("my partner and I plus a 4-year-old", 1),
        ("me and my husband with a baby", 1),
        ("my sister and her son are coming too", 1),  # a grown-up's child who comes with them is one of the party
        ("kawan saya dengan anak dia ikut sekali", 1),
    ],
)
def test_children_named_as_family_are_counted(text: str, children: int) -> None:
    assert fields(text).get("children") == children


@pytest.mark.parametrize(
    "text",
    [
        "a girls' trip for 4 of us",
        "the boys at your front desk were helpful",
        "my kids love your pool",  # a plural without its number: no count
        "do you have a baby cot?",
        "her son loves your pool",  # a child not said to come
    ],
)
def test_family_words_that_count_no_child(text: str) -> None:
    assert fields(text).get("children") is None


@pytest.mark.parametrize(
    ("text", "adults", "children"),
    [
        ("just my son and me, a deluxe king", 1, 1),
        ("my 7 year old daughter and I need a room", 1, 1),
        ("bilik untuk saya dan anak lelaki", 1, 1),
    ],
)
def test_one_adult_with_their_child(text: str, adults: int, children: int) -> None:
    assert [fields(text).get(key) for key in ("adults", "children")] == [adults, children]


@pytest.mark.parametrize(
    ("text", "adults"),
    [("my husband, our 3 boys and me, a family suite", 2), ("a room for a family of 6 with 4 kids", 2)],
)
def test_the_adults_of_a_family_follow_from_the_spouse_or_the_family_size(text: str, adults: int) -> None:
    assert fields(text).get("adults") == adults


@pytest.mark.parametrize(
    ("messages", "adults", "children"),
    [
        (("dewasa 3 kanak2 2",), 3, 2),
        (("adults: 2 / kids: 3",), 2, 3),
        (("dws 2 anak 1",), 2, 1),
        (("dewasa 2 budak 1", "sorry, 3 adults actually"), 3, 1),  # a later count still wins
    ],
)
def test_a_party_written_as_labels_and_counts(messages: tuple[str, ...], adults: int, children: int) -> None:
    got = fields(*messages)
    assert (got.get("adults"), got.get("children")) == (adults, children)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("a room over Chinese New Year please", "2027-02-06"),
        ("tempah bilik masa Hari Raya Puasa", "2027-03-10"),
        ("arriving for Deepavali", "2027-10-28"),
        ("staying over Raya Haji 2028", "2028-05-05"),
        ("dinner on the eve of CNY 2028", "2028-01-25"),
        ("Diwali next year, 2 nights", "2027-10-28"),
        ("the second day of CNY", "2027-02-07"),
        ("balik kampung lepas raya ke-2", "2027-03-11"),
        ("cuti raya, nak bilik", "2027-03-10"),
    ],
)
def test_a_holiday_that_moves_with_its_calendar_is_read_as_its_first_day(text: str, day: str) -> None:
    mentions = find_dates(text, CTX.reference)
    assert [m.start.isoformat() for m in mentions] == [day]
    assert mentions[0].vague  # the team confirms the day


def test_beside_a_date_a_holiday_names_the_occasion_not_the_day() -> None:
    got = fields("a Deepavali lunch for our staff, about 40 pax, on 30 October 2027")
    assert str(got["event_date"]) == "2027-10-30"


@pytest.mark.parametrize(
    "text",
    ["Selamat Hari Raya!", "Happy Deepavali to the team", "anything special for CNY 2035?", "dekat jalan raya ke?"],
)
def test_a_greeting_or_a_year_we_do_not_know_is_no_date(text: str) -> None:
    assert find_dates(text, CTX.reference) == []


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("family suite during the school holidays", "during the school holidays"),
        ("nak datang masa cuti sekolah", "masa cuti sekolah"),
        ("two nights over the Deepavali weekend", "over the Deepavali weekend"),
    ],
)
def test_when_the_guest_wants_to_come_is_kept_in_their_words(text: str, kept: str) -> None:
    assert kept in (fields(text).get("special_requests") or "")


def test_a_name_after_a_month_word_on_the_line_before_is_not_a_date() -> None:
    # The messages are read joined by line breaks: "… Mei" and then "3 dewasa" is a name and a count, no "Mei 3".
    assert fields("nama saya Mei", "3 dewasa").get("adults") == 3


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("Kavitha", "my name is Kavitha"),
        ("Wong.", "my name is Wong"),
        ("it's Hamid", "my name is Hamid"),
        ("saya Jun", "my name is Jun"),  # after "saya" a month word is the guest
        ("I'm April", "my name is April"),
    ],
)
def test_one_capitalised_word_alone_is_the_name_while_we_do_not_know_it(text: str, hint: str) -> None:
    assert answer_hint(text, "check_in", names_only=True) == hint


@pytest.mark.parametrize(
    ("text", "name"),
    [("Suresh, 2 adults and 1 kid", "Suresh"), ("ok, Wani. 3 malam", "Wani"), ("Lim Hock, family suite", "Lim Hock")],
)
def test_a_name_put_before_the_details_is_the_name(text: str, name: str) -> None:
    assert leading_name(text) == name


@pytest.mark.parametrize(
    "text", ["Actually, 3 adults", "Correction: 4 nights", "Deluxe, 2 adults", "Tomorrow, 2 nights", "Hi, 2 adults"]
)
def test_a_correction_a_room_or_a_date_before_the_details_is_no_name(text: str) -> None:
    assert leading_name(text) is None


@pytest.mark.parametrize(("text", "name"), [("Nadia 😊", "Nadia"), ("ok, Farid", "Farid"), ("Raj!", "Raj")])
def test_a_single_name_with_an_acknowledgement_or_an_emoji(text: str, name: str) -> None:
    assert answer_hint(text, "check_in", names_only=True) == f"my name is {name}"


@pytest.mark.parametrize("text", ["Sure", "Whichever", "Tomorrow", "Nanti", "June", "Deluxe", "Breakfast", "kavitha"])
def test_a_reply_word_a_month_alone_or_lower_case_is_no_name(text: str) -> None:
    assert answer_hint(text, "check_in", names_only=True) is None


@pytest.mark.parametrize(
    ("messages", "nights"),
    [
        (("deluxe king from 3 June 2027, 3 nights", "berapa harga satu malam?"), 3),
        (("family suite 3 June 2027 for 2 nights", "and what's the price for one night?"), 2),
        (("how much is a night there? we'd stay 1 night, 3 June 2027",), 1),  # the stay said after the price
    ],
)
def test_the_night_of_a_price_question_is_no_stay(messages: tuple[str, ...], nights: int) -> None:
    assert fields(*messages).get("nights") == nights


def test_a_second_single_word_does_not_replace_a_known_name() -> None:
    assert answer_hint("Kavitha", "room_type", names_only=True, name_known=True) is None


def _lead(consent: str) -> Lead:
    return Lead(consent_status=consent, status=LeadStatus.NEW)


@pytest.mark.parametrize(
    ("text", "consent", "correctable", "expected"),
    [
        ("no, make it 4 nights", ConsentStatus.ASKED, False, True),
        ("actually the 14th", ConsentStatus.ASKED, False, True),  # a correction without a NO
        ("no thanks, 4 nights was just an idea", ConsentStatus.ASKED, False, False),  # a refusal
        ("yes, 4 nights", ConsentStatus.ASKED, False, False),  # a YES is a YES
        ("tarikh 14hb", ConsentStatus.DECLINED, True, True),  # after a bare NO
        ("tarikh 14hb", ConsentStatus.DECLINED, False, False),  # after a refusal: NO stays final
    ],
)
def test_a_no_that_corrects_the_summary_asks_again(text: str, consent: str, correctable: bool, expected: bool) -> None:
    lead = _lead(consent)
    state = DialogueState(consent=consent, correctable=correctable)
    gives = bool(extract([text], CTX).fields.known_fields())
    assert corrects_summary(text, lead, state, gives) is expected


ROOMS = (RoomOption("Garden Studio", rate=Decimal("420")), RoomOption("Loft Suite"))


@pytest.mark.parametrize(
    ("text", "room", "line"),
    [
        ("what's the rate for the garden studio?", None, "The Garden Studio is from RM 420 per night"),
        ("how much per night?", "Garden Studio", "The Garden Studio is from RM 420 per night"),
        ("berapa harga bilik ni semalam?", "Garden Studio", "Kadar Garden Studio bermula RM 420 semalam"),
        ("how much is the loft suite for 3 nights?", "Garden Studio", "will confirm the rate for your dates"),
    ],
)
def test_a_room_price_asked_mid_enquiry_is_the_rate_or_the_team_confirms_it(
    text: str, room: str | None, line: str
) -> None:
    language = "ms" if "berapa" in text else "en"
    assert line in (room_price_line(text, room, ROOMS, language) or "")


@pytest.mark.parametrize(
    "text", ["how much is breakfast per person?", "is parking charged per night?", "berapa harga pakej perkahwinan?"]
)
def test_the_price_of_anything_but_a_room_is_left_to_the_knowledge_base(text: str) -> None:
    assert room_price_line(text, "Garden Studio", ROOMS, "en") is None


@pytest.mark.parametrize("text", ["Deluxe King", "Maaf, sebenarnya 3 Julai 2027", "Bukan"])
def test_a_room_or_an_apology_in_reply_to_the_contact_question_is_no_name(text: str) -> None:
    assert answer_hint(text, "phone_or_email") is None


@pytest.mark.parametrize(
    ("messages", "adults", "children"),
    [
        (("Family Suite 3 to 5 May 2027 for me", "my wife and 2 kids are coming too"), 2, 2),
        (("Family Suite 3 to 5 May 2027 for me", "my friend and her son are joining"), 2, 1),
        (("Family Suite 3 hingga 5 Mei 2027 untuk saya seorang", "kawan saya dengan anak dia ikut sekali"), 2, 1),
    ],
)
def test_people_who_join_later_with_their_children(messages: tuple[str, ...], adults: int, children: int) -> None:
    """The grown-up joining is counted, and "me" at the end of one message is no "me and 2 kids" with the next."""
    found = fields(*messages)
    assert (found.get("adults"), found.get("children")) == (adults, children), found
