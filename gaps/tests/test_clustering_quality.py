"""Grouping quality on labelled hotel questions in English and Malay (docs/quality.md, "Gaps")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gaps.services.clustering import Member, best_gap, measure, pairwise_precision_recall
from gaps.services.concepts import concepts
from knowledge.services.embeddings import get_provider

FIXTURES = Path(__file__).parent / "fixtures"


def labelled(name: str) -> list[dict[str, str]]:
    return json.loads((FIXTURES / name).read_text())


def test_the_labelled_set_is_large_enough_and_bilingual() -> None:
    rows = labelled("gap_questions.json")
    assert len(rows) >= 60
    assert {r["lang"] for r in rows} == {"en", "ms"}
    by_topic: dict[str, set[str]] = {}
    for r in rows:
        by_topic.setdefault(r["topic"], set()).add(r["lang"])
    assert all(langs == {"en", "ms"} for langs in by_topic.values())  # every subject asked in both languages


@pytest.mark.parametrize("name", ["gap_questions.json", "gap_questions_holdout.json"])
def test_grouping_reaches_pairwise_precision_and_recall_of_0_9(name: str) -> None:
    quality = measure(labelled(name), get_provider().embed_query)
    assert quality.precision >= 0.9 and quality.recall >= 0.9, quality


def test_pairwise_scores_count_pairs_not_groups() -> None:
    # Two subjects; the grouping splits one of them: every pair grouped is right, one pair in three is missed.
    assert pairwise_precision_recall([0, 0, 1, 2], ["a", "a", "a", "b"]) == (1.0, 1 / 3)
    # Everything in one group: all pairs found, but only half of those grouped belong together.
    assert pairwise_precision_recall([0, 0, 0, 0], ["a", "a", "b", "b"]) == (2 / 6, 1.0)


def test_a_question_joins_the_gap_whose_questions_it_matches_on_average() -> None:
    bike = concepts("boleh sewa basikal?")
    members = [
        Member(1, 0.78, concepts("can I rent a bike")),
        Member(1, 0.82, concepts("bicycle hire?")),
        Member(2, 0.87, concepts("boleh bawa kucing?")),  # nearer by embedding, about something else
    ]
    gap, score = best_gap(bike, members)
    assert gap == 1 and score >= 1.15
    assert best_gap(concepts("is there a sauna"), members)[0] is None
