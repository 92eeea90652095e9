"""Recording a question the assistant could not answer: the recorder the engine calls through its seam.

Runs inside the reply's transaction (`conversations.unanswered`). The question's vector is the one
retrieval computed for the turn (`knowledge.services.embeddings.query_vector`: the same text in the
same process is embedded once). Gap assignment is serialised per property with a transaction-level
advisory lock, so two guests asking the same new thing at the same instant open one gap, not two.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F
from pgvector import Vector

from conversations.unanswered import Unanswered, register_recorder
from core import compiled
from gaps.models import Gap, GapQuestion, GapStatus, UnansweredReason
from gaps.services.clustering import MEMBERS_PER_GAP, NEIGHBOURS, Member, best_gap
from gaps.services.concepts import concepts
from knowledge.services import glossary
from knowledge.services.embeddings import query_vector, vector_text

LOCK_WAIT = "2s"
_NEAREST_SQL = """
    SELECT DISTINCT q.gap_id FROM (
        SELECT q.gap_id FROM gaps_gapquestion q JOIN gaps_gap g ON g.id = q.gap_id
        WHERE g.status = 'open' ORDER BY q.embedding <=> %(q)s::vector LIMIT %(n)s
    ) q
"""


# The recent questions of each gap found, each with its distance to the new question, in one statement: it was a
# query per gap. The order is the ORM's was (the gaps as found, each gap's newest first), the distance computed by
# the same operator on the same vector text (pgvector's `CosineDistance` sends `Vector(...).to_text()`).
_MEMBERS_SQL = """
    SELECT id, gap_id, text, distance FROM (
        SELECT q.id, q.gap_id, q.text, q.asked_at, q.embedding <=> %(vector)s AS distance,
               row_number() OVER (PARTITION BY q.gap_id ORDER BY q.asked_at DESC, q.id DESC) AS recent
        FROM gaps_gapquestion q WHERE q.gap_id = ANY(%(gaps)s)
    ) m
    WHERE recent <= %(members)s
    ORDER BY array_position(%(gaps)s, gap_id), asked_at DESC, id DESC
"""


def candidate_members(vector: list[float]) -> list[Member]:
    """The recent questions of the open gaps nearest to `vector`, each with its cosine to it."""
    literal = vector_text(tuple(vector))  # the retrieval's text of the same question's vector, formatted once
    with connection.cursor() as cursor:
        cursor.execute(_NEAREST_SQL, {"q": literal, "n": NEIGHBOURS})
        gap_ids = [row[0] for row in cursor.fetchall()]
    if not gap_ids:
        return []
    params = {"vector": Vector(vector).to_text(), "gaps": gap_ids, "members": MEMBERS_PER_GAP}
    # GapQuestion.objects.raw's rows (the encrypted text decrypted as the ORM does), the plan made once per process.
    recent = compiled.raw(GapQuestion, _MEMBERS_SQL, params)
    return [Member(q.gap_id, 1.0 - float(q.distance), concepts(q.text)) for q in recent]


def question_vector(question: str, language: str) -> list[float]:
    """The vector retrieval embedded for this question (the glossary-expanded text): cached, not embedded again."""
    return query_vector(glossary.embedding_query(question, language))


def is_a_question(text: str) -> bool:
    """Small talk ("hi", "terima kasih", "ok") names no concept and is not a gap."""
    return bool(concepts(text))


def is_about(question: dict[str, float], found: tuple[str, ...]) -> bool:
    """Does any knowledge the answer drew on name one of the question's subjects (not only a generic verb)?"""
    subjects = {c for c, weight in question.items() if weight == 1.0}
    return any(subjects & concepts(text).keys() for text in found)


def gap_reason(event: Unanswered) -> str | None:
    """Why `event` is a gap, or None if it is not one (small talk, or answered from knowledge about it)."""
    if not is_a_question(event.question):
        return None
    if event.reason == "grounded":
        return None if is_about(concepts(event.question), event.found) else UnansweredReason.UNRELATED
    return event.reason


def wants(event: Unanswered) -> bool:
    """The engine's test before the savepoint: pure Python, no database."""
    return gap_reason(event) is not None


def record_unanswered(event: Unanswered) -> GapQuestion | None:
    reason = gap_reason(event)
    if reason is None:
        return None
    vector = question_vector(event.question, event.language)
    found = concepts(event.question)
    with connection.cursor() as cursor:
        # The guest's turn must not wait on a gap a manager is closing: give up after a moment (the engine
        # logs it and the guest still gets the answer). Set for this savepoint's work only, then put back.
        cursor.execute("SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)", [LOCK_WAIT])
        previous = cursor.fetchone()[0]
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':gaps'))")
    question = _record(event, reason, vector, found)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
    return question


def _record(event: Unanswered, reason: str, vector: list[float], found: dict[str, float]) -> GapQuestion:
    gap_id, score = best_gap(found, candidate_members(vector))
    channel = event.conversation.channel
    # Locked, and still open: a manager may have closed it since it was found.
    gap = Gap.objects.select_for_update().filter(pk=gap_id, status=GapStatus.OPEN).first() if gap_id else None
    score_or_none = round(score, 4) if gap is not None else None
    if gap is None:
        gap = Gap.objects.create(first_seen_at=event.at, last_seen_at=event.at)
    question = GapQuestion.objects.create(
        gap=gap,
        text="\n".join(m.content for m in event.guest_messages),
        language=event.language,
        channel=channel,
        conversation=event.conversation,
        message=event.guest_messages[-1],
        reason=reason,
        confidence=event.confidence,
        embedding=vector,
        similarity=score_or_none,
        asked_at=event.at,
    )
    Gap.objects.filter(pk=gap.pk).update(
        question_count=F("question_count") + 1,
        last_seen_at=event.at,
        languages=sorted({*gap.languages, event.language}),
        channels=sorted({*gap.channels, channel}),
    )
    return question


def register() -> None:
    """The engine reports every turn it could not answer through this seam (conversations never imports gaps)."""
    register_recorder(record_unanswered, wants=wants)
