"""The question set behind `manage.py eval`: each question through the AI core, judged three ways.

A case is {"question", "must_contain": [facts], "language"?, "items"?: [titles], "off_knowledge"?}.
- right fact: the answer holds every expected fact (case-insensitive);
- unrelated sentences: when the case names the items an answer may quote ("items"; [] for a question
  the knowledge cannot answer), any sentence of another item, or a price (RM n) found in none of
  them, is a fault: a pool question must not get the gym and the spa;
- off-knowledge: a question marked so must get neither a knowledge sentence nor a price.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.language import detect_language
from conversations import engine
from knowledge.models import KnowledgeItem
from properties.models import Property

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n\s*\n")
_PRICE = re.compile(r"\bRM\s?\d[\d,.]*", re.IGNORECASE)
# Shorter pieces ("Two single beds.") are too common to attribute to one item.
MIN_QUOTED_CHARS = 24


class CaseError(ValueError):
    """The question file is not what the command expects (said with the case's number)."""


@dataclass(frozen=True)
class Case:
    question: str
    must_contain: list[str]
    language: str
    items: list[str] | None  # None: the answer is not checked for unrelated sentences
    off_knowledge: bool


@dataclass
class Outcome:
    case: Case
    answer: str
    missing: list[str]
    unrelated: list[str]  # quoted sentences or prices from items the question was not about
    from_malay_text: bool = False  # the answer quotes an item's Malay text (beside its English one)

    @property
    def right(self) -> bool:
        return not self.missing


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def share_right(self, language: str | None = None) -> float:
        chosen = [o for o in self.answerable if language is None or o.case.language == language]
        return 100.0 * sum(o.right for o in chosen) / len(chosen) if chosen else 100.0

    def by_language(self) -> dict[str, tuple[int, int]]:
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for outcome in self.answerable:
            totals[outcome.case.language][0] += outcome.right
            totals[outcome.case.language][1] += 1
        return {language: (ok, n) for language, (ok, n) in sorted(totals.items())}

    @property
    def answerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.case.off_knowledge]

    @property
    def unrelated_faults(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.unrelated and not o.case.off_knowledge]

    @property
    def off_knowledge(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.off_knowledge]

    @property
    def off_knowledge_faults(self) -> list[Outcome]:
        return [o for o in self.off_knowledge if o.unrelated]

    @property
    def malay_from_malay(self) -> tuple[int, int]:
        """Malay answers quoting an item's Malay text, of the Malay answers with the right fact."""
        malay = [o for o in self.answerable if o.case.language == "ms" and o.right]
        return sum(o.from_malay_text for o in malay), len(malay)

    @property
    def checked_for_unrelated(self) -> int:
        return sum(1 for o in self.outcomes if o.case.items is not None)


def load_cases(path: Path) -> list[Case]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CaseError(f"{path}: cannot read a JSON file ({exc}).") from exc
    if isinstance(data, dict):
        data = data.get("questions")
    if not isinstance(data, list) or not data:
        raise CaseError(f"{path}: expected a non-empty JSON list of questions.")
    return [_case(path, number, raw) for number, raw in enumerate(data, start=1)]


def _case(path: Path, number: int, raw: Any) -> Case:
    raw = raw if isinstance(raw, dict) else {}
    question, facts, items = raw.get("question"), raw.get("must_contain"), raw.get("items")
    if not isinstance(question, str) or not question.strip():
        raise CaseError(f"{path}: question {number} has no 'question' text.")
    if not isinstance(facts, list) or not all(isinstance(f, str) and f for f in facts):
        raise CaseError(f"{path}: question {number} needs 'must_contain', a list of strings ([] = no facts).")
    if items is not None and not (isinstance(items, list) and all(isinstance(t, str) for t in items)):
        raise CaseError(f"{path}: question {number}: 'items' must be a list of item titles.")
    off_knowledge = bool(raw.get("off_knowledge"))
    language = raw.get("language") or detect_language(question)
    if language not in ("en", "ms"):
        raise CaseError(f"{path}: question {number}: language must be 'en' or 'ms'.")
    return Case(question.strip(), facts, language, [] if off_knowledge else items, off_knowledge)


def _sentences(text: str) -> list[str]:
    return [s for s in (" ".join(p.split()) for p in _SENTENCE.split(text)) if len(s) >= MIN_QUOTED_CHARS]


def _knowledge_texts() -> dict[str, str]:
    """Title -> the item's text (and its Malay text, when it has one), in the current schema."""
    return {
        title: f"{content}\n\n{content_ms}" if content_ms else content
        for title, content, content_ms in KnowledgeItem.objects.values_list("title", "content", "content_ms")
    }


def _malay_sentences() -> list[str]:
    """The sentences of the items' Malay texts (beside English ones): an answer quoting one was given
    from the hotel's own Malay words."""
    return [
        s
        for text in KnowledgeItem.objects.exclude(content_ms="").values_list("content_ms", flat=True)
        for s in _sentences(text)
    ]


def unrelated_parts(answer: str, allowed: list[str], knowledge: dict[str, str], question: str) -> list[str]:
    """Sentences the answer quotes from items outside `allowed`, and prices none of them states."""
    flat = " ".join(answer.split())
    allowed_text = " ".join(" ".join(knowledge.get(title, "").split()) for title in allowed)
    found: list[str] = []
    for title, text in knowledge.items():
        if title in allowed:
            continue
        for sentence in _sentences(text):
            if sentence in flat and sentence not in allowed_text:
                found.append(f"{title}: {sentence}")
    for price in _PRICE.findall(flat):
        normal = price.replace(" ", "").upper()
        stated = allowed_text.replace(" ", "").upper() + question.replace(" ", "").upper()
        if normal.rstrip(".,") not in stated:
            found.append(f"price {price}")
    return found


def run(property_: Property, cases: list[Case]) -> Report:
    """Every case through `engine.answer` in the property's schema (the caller switches to it)."""
    knowledge, malay = _knowledge_texts(), _malay_sentences()
    report = Report()
    for case in cases:
        result = engine.answer(case.question, language=case.language, property_=property_)
        missing = [f for f in case.must_contain if f.lower() not in result.text.lower()]
        unrelated = [] if case.items is None else unrelated_parts(result.text, case.items, knowledge, case.question)
        flat = " ".join(result.text.split())
        from_malay = any(sentence in flat for sentence in malay)
        report.outcomes.append(Outcome(case, result.text, missing, unrelated, from_malay))
    return report


def figures(report: Report) -> list[str]:
    """The summary lines the command prints (and docs/quality.md shows)."""
    lines = []
    for language, (ok, n) in report.by_language().items():
        lines.append(f"  {language}: {ok}/{n} correct ({100.0 * ok / n:.0f}%)")
    right = sum(o.right for o in report.answerable)
    lines.append(f"  all: {right}/{len(report.answerable)} correct ({report.share_right():.0f}%)")
    checked = report.checked_for_unrelated - len(report.off_knowledge)
    lines.append(f"  answers quoting an unrelated item or price: {len(report.unrelated_faults)}/{checked}")
    if report.off_knowledge:
        lines.append(
            f"  off-knowledge answers stating a fact or price: "
            f"{len(report.off_knowledge_faults)}/{len(report.off_knowledge)}"
        )
    return lines
