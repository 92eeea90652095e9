"""Recording a question the assistant could not answer: the recorder the engine calls through its seam.

Runs inside the reply's transaction (`conversations.unanswered`). The question's vector is the one
retrieval computed for the turn (`knowledge.services.embeddings.query_vector`: the same text in the
same process is embedded once). Gap assignment is serialised per property with a transaction-level
advisory lock, so two guests asking the same new thing at the same instant open one gap, not two.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F
from pgvector.django import CosineDistance

from conversations.unanswered import Unanswered, register_recorder
from gaps.models import Gap, GapQuestion
from gaps.services.clustering import MEMBERS_PER_GAP, NEIGHBOURS, Member, best_gap
from gaps.services.concepts import concepts
from knowledge.services.embeddings import query_vector

_NEAREST_SQL = """
    SELECT DISTINCT q.gap_id FROM (
        SELECT q.gap_id FROM gaps_gapquestion q JOIN gaps_gap g ON g.id = q.gap_id
        WHERE g.status = 'open' ORDER BY q.embedding <=> %(q)s::vector LIMIT %(n)s
    ) q
"""


def _vector_literal(vector: list[float]) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


def candidate_members(vector: list[float]) -> list[Member]:
    """The recent questions of the open gaps nearest to `vector`, each with its cosine to it."""
    literal = _vector_literal(vector)
    with connection.cursor() as cursor:
        cursor.execute(_NEAREST_SQL, {"q": literal, "n": NEIGHBOURS})
        gap_ids = [row[0] for row in cursor.fetchall()]
    members: list[Member] = []
    for gap_id in gap_ids:
        recent = (
            GapQuestion.objects.filter(gap_id=gap_id)
            .order_by("-asked_at", "-id")
            .annotate(distance=CosineDistance("embedding", vector))
            .only("id", "text", "gap_id")[:MEMBERS_PER_GAP]
        )
        members.extend(Member(gap_id, 1.0 - float(q.distance), concepts(q.text)) for q in recent)
    return members


def is_a_question(text: str) -> bool:
    """Small talk ("hi", "terima kasih", "ok") names no concept and is not a gap."""
    return bool(concepts(text))


def record_unanswered(event: Unanswered) -> GapQuestion | None:
    if not is_a_question(event.question):
        return None
    vector = query_vector(event.question)
    found = concepts(event.question)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':gaps'))")
    gap_id, score = best_gap(found, candidate_members(vector))
    channel = event.conversation.channel
    if gap_id is None:
        gap = Gap.objects.create(first_seen_at=event.at, last_seen_at=event.at)
        score_or_none = None
    else:
        gap = Gap.objects.select_for_update().get(pk=gap_id)
        score_or_none = round(score, 4)
    question = GapQuestion.objects.create(
        gap=gap,
        text="\n".join(m.content for m in event.guest_messages),
        language=event.language,
        channel=channel,
        conversation=event.conversation,
        message=event.guest_messages[-1],
        reason=event.reason,
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
    register_recorder(record_unanswered)
