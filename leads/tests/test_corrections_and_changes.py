"""A detail corrected or changed in a later message, in English and Malay (issue 15, t16d): a correction replaces what
was said before, an addition adds only when said as one. The children added or taken away ("one more kid", "tambah
sorang budak"), no child after all, a headcount said again ("headcount is now 55", "jemputan naik jadi 350"), a room
ruled out beside the one wanted ("the family suite instead of the deluxe king"), a date without its year moving a
stay or an event said with one ("20 Nov 2027", then "moved to 27 Nov"), the check-out moved ("extend to the 14th",
"change the check out to 13 June") or said from the check-in ("leaving 3 days later", "keluar 2 hari lepas tu").
One test per kind (the children's kinds share one table), with the wordings that must change nothing beside it.

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import pytest

from leads.tests.accuracy import fields  # 23 November 2026, Kuala Lumpur

ROOM = "Deluxe king for 2 adults, 10 to 12 June 2027"
FAMILY = "Family suite for 2 adults and 1 child, 10 to 12 June 2027"
KELUARGA = "family suite 2 dewasa 1 budak 10hb-12hb Jun 2027"
SEMINAR = "We'd like to hold a seminar on 20 Nov 2027 for 40 participants"
KENDURI = "Nak buat majlis kenduri 20hb Nov 2027, jemputan 300 orang"


@pytest.mark.parametrize(
    ("first", "later", "children"),
    [
        # Children added or taken away change the count and not the adults.
        (FAMILY, "one more kid", 2),
        (FAMILY, "add another child", 2),
        (FAMILY, "another child is coming", 2),
        (FAMILY, "one child less", 0),
        (KELUARGA, "tambah sorang budak lagi", 2),
        (KELUARGA, "tambah lagi seorang anak", 2),
        (KELUARGA, "tambah 2 orang budak lagi", 3),
        (KELUARGA, "anak sorang lagi nak ikut", 2),
        (KELUARGA, "kurang sorang budak", 0),
        (ROOM, "add 1 child", 1),
        # A thing for a child adds no child.
        (FAMILY, "please add a baby cot", 1),
        (FAMILY, "can we get another kids' chair?", 1),
        (FAMILY, "an extra baby bed please", 1),
        (FAMILY, "tambah satu katil bayi", 1),
        # The children counted again win over the change said beside them.
        (FAMILY, "Oh wait, one more child is coming, so 2 kids", 2),
        (FAMILY, "sorry, 2 kids actually", 2),
        (FAMILY, "budak 2 orang sebenarnya", 2),
        # No child after all is none.
        (FAMILY, "the kids aren't coming anymore", 0),
        (FAMILY, "no kids after all", 0),
        (FAMILY, "anak tak jadi ikut", 0),
        (FAMILY, "sorry, no kids, all adults", 0),
        # A question about the children changes no count.
        (FAMILY, "the kids are not coming for breakfast", 1),
        (FAMILY, "is there a kids club?", 1),
        (FAMILY, "do you have an extra bed for the child?", 1),
        (FAMILY, "ada kolam budak tak?", 1),
    ],
)
def test_a_later_message_changes_the_children_only_as_it_says_and_never_the_adults(first, later, children) -> None:
    got = fields(first, later)
    assert (got["adults"], got.get("children")) == (2, children)


@pytest.mark.parametrize(
    ("first", "later", "size"),
    [
        (SEMINAR, "Headcount is now 55", 55),
        (SEMINAR, "Numbers have gone up to 55", 55),
        (SEMINAR, "we're expecting 55 now", 55),
        (SEMINAR, "participants reduced to 30", 30),
        (KENDURI, "jemputan naik jadi 350", 350),
        (KENDURI, "jumlah tetamu sekarang 350", 350),
        (KENDURI, "maaf, peserta kurang, jadi 250 je", 250),
    ],
)
def test_a_headcount_said_again_replaces_the_first(first, later, size) -> None:
    assert fields(first, later)["group_size"] == size


@pytest.mark.parametrize(
    ("first", "later"),
    [
        (SEMINAR, "how many guests can the hall hold? up to 60?"),
        (SEMINAR, "is the price per pax? our budget is 5000"),
        (KENDURI, "jemputan ke majlis kena bayar parking tak?"),
    ],
)
def test_a_number_in_a_question_is_no_new_headcount(first, later) -> None:
    assert fields(first, later)["group_size"] == fields(first)["group_size"]


@pytest.mark.parametrize(
    ("later", "room"),
    [
        ("the family suite instead of the deluxe king please", "Family Suite"),
        ("family suite rather than the deluxe king", "Family Suite"),
        ("ambil family suite, bukan deluxe king", "Family Suite"),
        ("is breakfast not included in the deluxe king?", "Deluxe King"),
    ],
)
def test_a_room_ruled_out_beside_another_is_not_the_one_wanted(later, room) -> None:
    assert fields(ROOM, later)["room_type"] == room


@pytest.mark.parametrize(
    ("first", "later", "day"),
    [
        (SEMINAR, "the date moved to 27 Nov", "2027-11-27"),
        (SEMINAR, "postponed to 4 Dec", "2027-12-04"),
        (KENDURI, "tarikh tukar ke 27hb Nov", "2027-11-27"),
        (KENDURI, "majlis ditunda ke 4hb Dis", "2027-12-04"),
    ],
)
def test_a_date_without_its_year_moves_the_event_near_the_date_said_before(first, later, day) -> None:
    assert str(fields(first, later)["event_date"]) == day


def test_a_date_without_its_year_alone_is_the_next_such_day() -> None:
    assert str(fields("Seminar for 40 participants on 27 Nov")["event_date"]) == "2026-11-27"


@pytest.mark.parametrize(
    ("later", "check_out"),
    [
        ("can we extend to the 14th?", "2027-06-14"),
        ("change the check out to 13 June", "2027-06-13"),
        ("boleh extend sampai 13hb?", "2027-06-13"),
    ],
)
def test_the_check_out_moved_keeps_the_check_in(later, check_out) -> None:
    got = fields(ROOM, later)
    assert [str(got["check_in"]), str(got["check_out"])] == ["2027-06-10", check_out]


@pytest.mark.parametrize(
    ("first", "later", "nights"),
    [
        ("We arrive 8 July 2027, 2 adults, deluxe king", "leaving 3 days later", 3),
        ("We arrive 8 July 2027, 2 adults, deluxe king", "we'll check out 2 days after that", 2),
        ("Kami sampai 8hb Julai 2027, 2 dewasa, deluxe king", "keluar 2 hari lepas tu", 2),
    ],
)
def test_the_check_out_said_from_the_check_in_is_the_nights(first, later, nights) -> None:
    got = fields(first, later)
    assert got["nights"] == nights


def test_a_call_some_days_later_is_no_stay() -> None:
    assert fields(ROOM, "I'll call you 2 days later")["nights"] == 2


@pytest.mark.parametrize(
    ("first", "later", "children"),
    [
        # No count of the children said: the family's words are the count, and the child named beside the
        # addition is the one added.
        (
            "Room for me, my husband and our daughter, 10 to 12 June 2027",
            "Our son wants to come too, so add one more kid",
            2,
        ),
        ("Room for me, my husband and our daughter, 10 to 12 June 2027", "add one more kid", 2),
        # A count said: the son named beside the addition is not in it yet.
        (FAMILY, "our son is coming too, add one more kid", 2),
    ],
)
def test_a_child_named_beside_an_addition_is_the_child_added(first, later, children) -> None:
    assert fields(first, later).get("children") == children
