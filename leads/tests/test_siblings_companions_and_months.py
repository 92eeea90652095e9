"""A child's brother, sister or cousin said after the child (in a later clause or message), the children who come with
a grown-up joining the party ("suami dan 2 orang anak saya ikut"), and a month whose days are said in another clause
or message ("bulan Mac nanti, 12 hingga 15 hb", "in May 2027?" then "the 7th to the 9th") (t26d)."""

from __future__ import annotations

import datetime as dt

import pytest

from leads.tests.test_ranges_phones_and_kin import _fields  # the lead read on 23 November 2026


@pytest.mark.parametrize(
    "messages",
    [
        ("Deluxe King Room untuk 2 dewasa, 3hb-5hb Jun 2027", "anak lelaki saya ikut", "dengan adik dia sekali"),
        ("Deluxe King Room untuk 2 dewasa, 3hb-5hb Jun 2027", "anak sulung kami ikut, kakak dia pun nak ikut"),
        ("Deluxe King Room untuk 2 dewasa, 3hb-5hb Jun 2027", "bawa anak bongsu", "abangnya pun ikut"),
        ("Deluxe King Room for my wife and me, 3-5 June 2027", "our son is coming", "and his older sister too"),
        ("Deluxe King Room, 2 adults, 3-5 June 2027", "bringing our daughter", "her cousin will come along as well"),
        ("Deluxe King Room, 2 adults and a kid, 3-5 June 2027", "her twin sister is coming too"),
    ],
)
def test_a_childs_brother_sister_or_cousin_said_later_is_one_more_child(messages) -> None:
    fields = _fields(*messages)
    assert (fields.adults, fields.children) == (2, 2)


@pytest.mark.parametrize(
    ("grown_up", "child", "sister"),
    [
        ("Deluxe King Room for me and my wife, 3-5 June 2027", "our son is coming", "her sister is coming too"),
        ("Deluxe King Room untuk saya dan suami, 3-5 Jun 2027", "anak perempuan kami ikut", "kakak dia pun nak ikut"),
    ],
)
def test_her_sister_belongs_to_the_last_person_named(grown_up, child, sister) -> None:
    """After the wife, "her sister" is a grown-up joining; after the son, his sister is a child."""
    assert (_fields(grown_up, sister).adults, _fields(grown_up, sister).children) == (3, None)
    assert (_fields(grown_up, child, sister).adults, _fields(grown_up, child, sister).children) == (2, 2)


@pytest.mark.parametrize(
    ("messages", "adults", "children"),
    [
        (("Saya nak Family Suite 2 malam mula 9hb Jan 2027", "isteri dan 3 orang anak saya ikut sekali"), 2, 3),
        (("Family Suite, 2 nights from 9 January 2027, for me", "my wife and our 2 boys are coming along"), 2, 2),
        (("Family Suite 2 dewasa, 9hb-11hb Jan 2027", "atuk pun nak ikut, dengan 3 orang cucu"), 3, 3),
    ],
)
def test_children_who_come_with_a_grown_up_joining_are_counted(messages, adults, children) -> None:
    fields = _fields(*messages)
    assert (fields.adults, fields.children) == (adults, children)


@pytest.mark.parametrize(
    ("messages", "check_in", "nights"),
    [
        (("Deluxe King Room bulan Julai 2027 nanti, 20 hingga 23 hb, 2 dewasa",), dt.date(2027, 7, 20), 3),
        (("Julai 2027 ya. Masuk 20hb, keluar 23hb. Deluxe King Room 2 dewasa",), dt.date(2027, 7, 20), 3),
        (("Deluxe King Room 2 adults, July 2027, from 20 to the 23rd",), dt.date(2027, 7, 20), 3),
        (("Is the Deluxe King Room free in July 2027?", "the 20th to the 23rd, 2 adults"), dt.date(2027, 7, 20), 3),
        (("Deluxe King Room bulan Mei 2027 ada?", "20hb sampai 22hb, 2 dewasa"), dt.date(2027, 5, 20), 2),
    ],
)
def test_a_month_and_its_days_said_apart_are_the_stay(messages, check_in, nights) -> None:
    fields = _fields(*messages)
    assert (fields.check_in, fields.nights) == (check_in, nights)
    assert fields.check_out == check_in + dt.timedelta(days=nights)


def test_a_month_of_an_earlier_message_holds_only_until_a_date_is_said() -> None:
    """The month of an earlier message dates the days of the next one, unless a date came before: then the days
    follow the stay already dated."""
    fields = _fields("Deluxe King Room 2 dewasa bulan Jun 2027", "masuk 3hb keluar 5hb")
    assert (fields.check_in, fields.check_out) == (dt.date(2027, 6, 3), dt.date(2027, 6, 5))
    fields = _fields("Deluxe King Room 2 dewasa 3hb Jun 2027", "bulan Julai ada promosi?", "keluar 5hb")
    assert (fields.check_in, fields.check_out) == (dt.date(2027, 6, 3), dt.date(2027, 6, 5))
