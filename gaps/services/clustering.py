"""Which gap a new unanswered question belongs to: nearest neighbours by embedding, then a calibrated score.

The question's embedding (the one retrieval computed) finds the nearest questions of open gaps with
pgvector; each candidate gap is then scored by the mean, over its recent questions, of cosine
similarity plus the overlap of the concepts both name (`concepts.py`). Average linkage, not the single
nearest question: one question that mentions two things ("wash my clothes and iron them") must not
chain two gaps together. The question joins the best gap at or above `MATCH_THRESHOLD`, else opens one.

`MATCH_THRESHOLD` is calibrated on gaps/tests/fixtures/gap_questions.json (67 hotel questions, 17
subjects, English and Malay): every threshold from 1.06 to 1.24 groups it with pairwise precision and
recall of 1.0; 1.15 is the middle of that band. `manage.py gap_clustering_quality` prints the figures
for it and the held-out set (docs/quality.md, "Gaps").
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from gaps.services.concepts import concepts, overlap

MATCH_THRESHOLD = 1.15
NEIGHBOURS = 40  # nearest questions of open gaps fetched by pgvector for one new question
MEMBERS_PER_GAP = 20  # a gap is scored on its most recent questions


@dataclass(frozen=True)
class Member:
    """A question already in a gap, as the scorer sees it."""

    gap_id: int
    cosine: float  # to the new question
    concepts: dict[str, float]


def match_score(cosine: float, a: dict[str, float], b: dict[str, float]) -> float:
    return cosine + overlap(a, b)


def best_gap(
    question: dict[str, float], members: Iterable[Member], threshold: float = MATCH_THRESHOLD
) -> tuple[int | None, float]:
    """The gap whose questions score highest on average with the new one, and that score (None below the bar)."""
    scores: dict[int, list[float]] = defaultdict(list)
    for member in members:
        scores[member.gap_id].append(match_score(member.cosine, question, member.concepts))
    if not scores:
        return None, 0.0
    gap_id, best = max(((g, sum(s) / len(s)) for g, s in scores.items()), key=lambda pair: (pair[1], -pair[0]))
    return (gap_id, best) if best >= threshold else (None, best)


def group(texts: Sequence[str], vectors: np.ndarray, threshold: float = MATCH_THRESHOLD) -> list[int]:
    """Group questions one by one, as they would arrive, with the same rule as recording (for calibration)."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    found = [concepts(t) for t in texts]
    labels: list[int] = []
    gaps: dict[int, list[int]] = {}
    for i in range(len(texts)):
        members = [
            Member(gap, float(unit[k] @ unit[i]), found[k]) for gap, ks in gaps.items() for k in ks[-MEMBERS_PER_GAP:]
        ]
        gap, _ = best_gap(found[i], members, threshold)
        if gap is None:
            gap = len(gaps)
            gaps[gap] = []
        gaps[gap].append(i)
        labels.append(gap)
    return labels


def pairwise_precision_recall(predicted: Sequence[int], truth: Sequence[str]) -> tuple[float, float]:
    """Over every pair of questions: of the pairs grouped together, how many belong together (precision),
    and of the pairs that belong together, how many were grouped (recall)."""
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(truth)), 2):
        same, together = truth[i] == truth[j], predicted[i] == predicted[j]
        tp += same and together
        fp += together and not same
        fn += same and not together
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1)


@dataclass(frozen=True)
class Quality:
    questions: int
    subjects: int
    precision: float
    recall: float


def measure(labelled: Sequence[dict[str, str]], embed: Callable[[str], list[float]]) -> Quality:
    """Group a labelled set (`text`, `topic`) with the given embedding and score the grouping."""
    texts = [row["text"] for row in labelled]
    vectors = np.array([embed(t) for t in texts], dtype=np.float64)
    precision, recall = pairwise_precision_recall(group(texts, vectors), [row["topic"] for row in labelled])
    return Quality(len(texts), len({row["topic"] for row in labelled}), precision, recall)
