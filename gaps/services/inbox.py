"""The gap inbox: list, answer (a knowledge item through the knowledge app's own ingestion), dismiss, check.

Answering writes the knowledge item(s) with `knowledge.services.ingestion.upsert_items` (all or
nothing) and embeds them with `embed_items` outside any transaction, as every other door does; the
gap closes only once the answer is searchable. The "try a question" check then runs the gap's own
example questions through retrieval and says, for each, whether the new item is found now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core import audit
from core.lookups import one_or_404
from gaps.models import DismissReason, Gap, GapQuestion, GapStatus
from gaps.services.concepts import concepts
from knowledge.models import Category
from knowledge.services.embeddings import EmbeddingError
from knowledge.services.ingestion import embed_items, upsert_items
from knowledge.services.parsers import ParsedItem
from knowledge.services.retrieval import search_detailed
from properties.services import current_property

MAX_TITLE = 200
MAX_ANSWER = 4000
EXAMPLES = 5


class GapError(Exception):
    """A request the gap inbox refuses: `status` is the HTTP answer (400 bad input, 409 the gap moved on)."""

    def __init__(self, message: str, status: int = 400, field: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.field = field


class GapUnavailable(Exception):
    """Ours, and passing: the embedding provider failed (the answer is kept; answering again finishes it)."""


# Which knowledge category a gap's subject most likely belongs to (the manager can change it).
_CATEGORY_OF_CONCEPT = {
    concept: category
    for category, names in (
        (Category.DINING.value, "breakfast restaurant halal alcohol bbq kitchen delivery microwave"),
        (Category.POLICIES.value, "pet smoke checkout checkin late early payment cash invoice key allow lost noise"),
        (
            Category.ROOMS.value,
            "cot bed extra_bed pillow blanket towel iron hairdryer kettle fridge tv aircond balcony bathtub "
            "toiletries shower safe sea_view",
        ),
        (Category.FAQ.value, "money"),
    )
    for concept in names.split()
}


def gaps(*, status: str = GapStatus.OPEN, language: str = "", channel: str = "") -> QuerySet[Gap]:
    """Gaps by count, then by most recently asked; filtered by a language or channel they were asked in."""
    rows = Gap.objects.all()
    if status:
        rows = rows.filter(status=status)
    if language:
        rows = rows.filter(languages__contains=[language])
    if channel:
        rows = rows.filter(channels__contains=[channel])
    return rows.order_by("-question_count", "-last_seen_at", "-id")


def gap_for(gap_id: int) -> Gap:
    """The gap `gap_id` of the property whose schema is active, else 404 (ids are per schema)."""
    return one_or_404(Gap.objects.all(), gap_id, "gap")


def examples(gap: Gap, limit: int = EXAMPLES) -> list[GapQuestion]:
    """The most recent distinct questions of the gap, as the guests wrote them."""
    seen: set[str] = set()
    found: list[GapQuestion] = []
    for question in gap.questions.order_by("-asked_at", "-id")[: limit * 4]:
        key = question.text.strip().lower()
        if key not in seen:
            seen.add(key)
            found.append(question)
        if len(found) == limit:
            break
    return found


def guess_category(gap: Gap) -> str:
    votes: dict[str, int] = {}
    for question in examples(gap):
        for concept in concepts(question.text):
            category = _CATEGORY_OF_CONCEPT.get(concept, Category.FACILITIES.value)
            votes[category] = votes.get(category, 0) + 1
    return max(votes, key=lambda c: votes[c]) if votes else Category.FAQ.value


def suggested_title(gap: Gap) -> str:
    """The gap's most asked wording, as a title: the English one when there is one."""
    questions = examples(gap)
    english = [q for q in questions if q.language == "en"] or questions
    if not english:
        return ""
    text = " ".join(english[-1].text.split()).rstrip("?!. ")
    return (text[:1].upper() + text[1:])[:MAX_TITLE]


@dataclass(frozen=True)
class Draft:
    """The prefilled knowledge item the manager completes."""

    title: str
    category: str
    examples: list[str]


def draft_for(gap: Gap) -> Draft:
    return Draft(suggested_title(gap), guess_category(gap), [q.text for q in examples(gap)])


@dataclass(frozen=True)
class CheckedQuestion:
    question: str
    found: bool
    similarity: float  # the best similarity of the new item's chunks to the question (0 if not among the hits)


@dataclass
class AnswerResult:
    gap: Gap
    item_ids: list[int]
    checks: list[CheckedQuestion] = field(default_factory=list)

    @property
    def check_passed(self) -> bool:
        return bool(self.checks) and all(c.found for c in self.checks)


def try_questions(gap: Gap) -> list[CheckedQuestion]:
    """Each of the gap's example questions through retrieval: does it find the gap's knowledge item now?"""
    wanted = set(gap.knowledge_item_ids)
    checks: list[CheckedQuestion] = []
    for question in examples(gap):
        found = search_detailed(question.text, 5, language=question.language)  # as the engine asks it
        hits = [s for s in found if s.hit.item_id in wanted]
        best = max((s.similarity for s in hits), default=0.0)
        checks.append(CheckedQuestion(question.text, bool(hits), round(best, 4)))
    return checks


def _clean(value: Any, name: str, *, required: bool, limit: int) -> str:
    text = " ".join(str(value or "").split()) if name.startswith("title") else str(value or "").strip()
    if required and not text:
        raise GapError(f"{name} is required.", field=name)
    if len(text) > limit:
        raise GapError(f"{name} is longer than {limit} characters.", field=name)
    return text


def _write_knowledge(title: str, category: str, text_en: str, text_ms: str, gap: Gap) -> list[int]:
    """Both languages' items through the knowledge app's ingestion, embedded before returning."""
    items = [ParsedItem(category=category, title=title, content=text_en, language="en")]
    if text_ms:
        items.append(ParsedItem(category=category, title=f"{title} (BM)", content=text_ms, language="ms"))
    try:
        result = upsert_items(items, source=f"gap inbox #{gap.pk}")
    except ValueError as exc:  # the knowledge app's own validation (ParseError is a ValueError)
        raise GapError(str(exc)) from exc
    item_ids = [*result.created, *result.updated, *result.unchanged]
    try:
        embed_items(result.to_embed)
    except EmbeddingError as exc:
        raise GapUnavailable(f"The answer was saved but could not be made searchable yet: {exc}") from exc
    return item_ids


def _open_gap(gap_id: int) -> Gap:
    gap = gap_for(gap_id)
    if not gap.is_open:
        raise GapError(f"This gap is already {gap.get_status_display().lower()}.", status=409)
    return gap


def _close(gap_id: int, status: str, *, user: Any, action: str, details: dict[str, Any], **fields: Any) -> Gap:
    """Close an open gap under a row lock (a second manager gets 409) and audit it, in one transaction."""
    with transaction.atomic():
        gap = one_or_404(Gap.objects.select_for_update(), gap_id, "gap")
        if not gap.is_open:
            raise GapError(f"This gap is already {gap.get_status_display().lower()}.", status=409)
        fields.update(status=status, closed_at=timezone.now(), closed_by_user_id=getattr(user, "pk", None))
        for name, value in fields.items():
            setattr(gap, name, value)
        gap.save()
        audit.record(action, actor=user, target_type="gap", target_id=str(gap.pk), details=details)
        return gap


def answer_gap(
    gap_id: int, *, user: Any, title: str, category: str, answer_en: str, answer_ms: str = ""
) -> AnswerResult:
    """Write the answer as knowledge (English, and Malay if given), close the gap, and try its questions."""
    gap = _open_gap(gap_id)
    title = _clean(title, "title", required=True, limit=MAX_TITLE)
    if category not in Category.values:
        raise GapError(f"category must be one of {', '.join(Category.values)}.", field="category")
    answer_en = _clean(answer_en, "answer_en", required=True, limit=MAX_ANSWER)
    answer_ms = _clean(answer_ms, "answer_ms", required=False, limit=MAX_ANSWER)
    item_ids = _write_knowledge(title, category, answer_en, answer_ms, gap)
    gap = _close(
        gap.pk,
        GapStatus.ANSWERED,
        user=user,
        action=audit.AuditAction.GAP_ANSWERED,
        details={"knowledge_items": item_ids, "questions": gap.question_count},
        knowledge_item_ids=item_ids,
        answer_en=answer_en,
        answer_ms=answer_ms,
    )
    return AnswerResult(gap, item_ids, try_questions(gap))


def not_offered_texts(title: str) -> tuple[str, str]:
    """The prefilled "we don't offer it" item, in English and Malay (the manager may edit both)."""
    name = current_property().name
    return (
        f"{title}: this is not something we offer at {name}. Our team is happy to suggest an alternative nearby.",
        f"{title}: perkhidmatan ini tidak disediakan di {name}. Pasukan kami sedia mencadangkan alternatif berdekatan.",
    )


def dismiss_gap(
    gap_id: int,
    *,
    user: Any,
    reason: str,
    note: str = "",
    write_knowledge: bool = False,
    title: str = "",
    text_en: str = "",
    text_ms: str = "",
) -> Gap:
    """Close the gap without an answer. "Not something we offer" may also become knowledge that says so."""
    gap = _open_gap(gap_id)
    if reason not in DismissReason.values:
        raise GapError(f"reason must be one of {', '.join(DismissReason.values)}.", field="reason")
    note = _clean(note, "note", required=False, limit=1000)
    item_ids: list[int] = []
    if write_knowledge:
        if reason != DismissReason.NOT_OFFERED:
            raise GapError("Only 'not something we offer' can become a knowledge item.", field="write_knowledge")
        title = _clean(title or suggested_title(gap), "title", required=True, limit=MAX_TITLE)
        default_en, default_ms = not_offered_texts(title)
        text_en = _clean(text_en or default_en, "text_en", required=True, limit=MAX_ANSWER)
        text_ms = _clean(text_ms or default_ms, "text_ms", required=True, limit=MAX_ANSWER)
        item_ids = _write_knowledge(title, Category.FAQ.value, text_en, text_ms, gap)
    return _close(
        gap.pk,
        GapStatus.DISMISSED,
        user=user,
        action=audit.AuditAction.GAP_DISMISSED,
        details={"reason": reason, "knowledge_items": item_ids},
        dismiss_reason=reason,
        dismiss_note=note,
        knowledge_item_ids=item_ids,
    )
