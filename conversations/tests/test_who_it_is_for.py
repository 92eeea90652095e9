"""Who a question is for (a baby, the kids) is no subject of its own beside the thing it asks about, on invented
items of another hotel: "a cot for my baby?" is the suite's line on cots, not the kids club's, whose title names
children."""

from __future__ import annotations

from assistant.providers.base import Hit
from conversations.tests.answers import offline_answer

SUITE = Hit(1, 1, "Garden Suite", "rooms", "The Garden Suite sleeps four. Cots are free of charge on request.", 0.82)
KIDS = Hit(
    2, 2, "Children's Corner", "facilities", "The Children's Corner on level 3 welcomes kids aged 3 to 10.", 0.81
)


def test_a_thing_asked_for_a_baby_is_answered_by_the_line_on_the_thing_not_the_place_titled_with_children() -> None:
    answer = offline_answer("Do u have a cot for babies? my daughter is 1", (SUITE, KIDS))
    assert "Cots are free of charge" in answer
    assert "Children's Corner" not in answer


def test_children_alone_still_title_the_place_for_them() -> None:
    assert "aged 3 to 10" in offline_answer("what is there for the kids?", (SUITE, KIDS))
