"""Which language our own texts use for a guest's: the one rule the notices, the lead step and the handoff share."""

from __future__ import annotations

import pytest

from core.languages import Language, spoken


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ms", "ms"), ("en", "en"), ("", "en"), ("zh", "en"), ("MS", "en"), (Language.MALAY, "ms")],
)
def test_malay_for_malay_and_english_for_anything_else(language: str, expected: str) -> None:
    assert spoken(language) == expected


def test_the_answer_is_a_plain_string_not_the_choice() -> None:
    # Sessions, message metadata and task arguments keep it; a TextChoices member would pickle as the enum.
    assert type(spoken(Language.MALAY)) is str
