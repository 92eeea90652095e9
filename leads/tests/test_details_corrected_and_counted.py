"""A detail said once in a guest's own form is read, so it is never asked again (issue 15, t46d).

- "me and my mate plus his 2 boys", "me n my bestie": a mate, a buddy or a bestie is one grown-up companion.
- "kami bertiga, sy, isteri dgn anak", "we're 4, me, hubby and the kids": a party counted as a whole, with its grown-ups
  named and a child said without a count, leaves the rest of it as the children.
- "actually the 11th to the 14th", "can we do the 11th to the 14th instead?", "tukar 11hb hingga 14hb": a range of
  days said to change a known stay moves both its ends, not the start alone with the old length.
- "tukar ke 4 orang", "make it 3 pax", "change to 3 people": a later count of people changes the adults counted before.

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import datetime as dt

import pytest

from leads.tests.test_ranges_phones_and_kin import _fields  # the lead read on Monday 23 November 2026


@pytest.mark.parametrize(
    ("messages", "adults", "children"),
    [
        (["Family Suite 14-17 Jan 2027, me and my mate plus his 2 boys"], 2, 2),
        (["Deluxe King 9-11 Jan 2027, me n my bestie"], 2, None),
        (["Family Suite 9-11 Jan 2027 for me and my buddy"], 2, None),
        # Malay says a friend as "kawan", read before this round too.
        (["Family Suite 9-11 Jan 2027, saya dan kawan saya"], 2, None),
    ],
)
def test_a_mate_or_a_buddy_is_one_grown_up(messages, adults, children) -> None:
    lead = _fields(*messages)
    assert (lead.adults, lead.children) == (adults, children)


@pytest.mark.parametrize(
    ("messages", "adults", "children"),
    [
        (["Family Suite 9-11 Jan 2027", "we're 4, me, hubby and the kids"], 2, 2),
        (["Family Suite 9-11 Jan 2027, there are 3 of us: me, my wife and our son"], 2, 1),
        (["Family Suite 9-11 Jan 2027", "kami bertiga, sy, isteri dgn anak"], 2, 1),
        (["Family Suite 9-11 Jan 2027", "kami berempat, saya, suami dan anak-anak"], 2, 2),
    ],
)
def test_the_rest_of_a_counted_party_is_its_uncounted_children(messages, adults, children) -> None:
    lead = _fields(*messages)
    assert (lead.adults, lead.children) == (adults, children)


@pytest.mark.parametrize(
    "messages",
    [
        ["Family Suite 9-11 Jan 2027, we're 4: me, my wife and my parents"],
        ["Family Suite 9-11 Jan 2027, kami berempat, saya, isteri dan mak ayah saya"],
    ],
)
def test_a_counted_party_of_grown_ups_names_no_children(messages) -> None:
    lead = _fields(*messages)
    assert lead.adults == 4
    assert not lead.children


@pytest.mark.parametrize(
    ("first", "then", "stay"),
    [
        ("Family Suite from 10 Mar 2027 to 12 Mar", "actually 11th to 14th", "2027-03-11/14"),
        ("Family Suite from 10 Mar 2027 to 12 Mar", "can we do the 11th to the 14th instead?", "2027-03-11/14"),
        ("Deluxe King 6 to 8 May 2027", "sorry, could we shift that to the 7th till the 10th?", "2027-05-07/10"),
        ("Family Suite dari 10 Mac 2027 hingga 12 Mac", "eh tukar 11hb hingga 14hb", "2027-03-11/14"),
        ("Family Suite 3 hingga 5 Jun 2027", "boleh tukar 4hb hingga 7hb?", "2027-06-04/07"),
    ],
)
def test_a_range_of_days_said_to_change_a_stay_moves_both_ends(first, then, stay) -> None:
    lead = _fields(first, then)
    start, last_day = stay.split("/")
    check_in = dt.date.fromisoformat(start)
    assert (lead.check_in, lead.check_out) == (check_in, check_in.replace(day=int(last_day)))
    assert lead.nights == (lead.check_out - lead.check_in).days


@pytest.mark.parametrize(
    "messages",
    [
        ["Family Suite 10-14 Mar 2027", "we'll be out on the 12th to the 13th for a day trip"],
        ["Family Suite 10-14 Mar 2027", "sorry, the 11th"],
    ],
)
def test_a_day_said_aside_or_alone_keeps_the_stays_end(messages) -> None:
    lead = _fields(*messages)
    assert lead.check_out - lead.check_in == dt.timedelta(days=4)


@pytest.mark.parametrize(
    ("messages", "adults"),
    [
        (["Family Suite 2 dewasa 10 Mac 2027 2 malam", "tukar ke 4 orang"], 4),
        (["Deluxe King, 2 dewasa, masuk 9 April 2027, 2 malam", "maaf, jadi 3 orang, adik sy ikut sekali"], 3),
        (["Deluxe King 10 Mar 2027 2 nights 2 adults", "change to 3 people pls"], 3),
        (["Deluxe King 10 Mar 2027 2 nights 2 adults", "make it 3 pax"], 3),
    ],
)
def test_a_later_count_of_people_changes_the_adults(messages, adults) -> None:
    assert _fields(*messages).adults == adults


def test_a_count_of_people_beside_adults_and_children_is_no_change_of_adults() -> None:
    lead = _fields("Family Suite 10 Mac 2027 2 malam", "jadi 4 orang dewasa 2 kanak-kanak")
    assert (lead.adults, lead.children) == (4, 2)
