"""Knowledge retrieval for the AI core, through the knowledge app's search service."""

from __future__ import annotations

import datetime as dt

from assistant.providers.base import Hit
from assistant.situations import with_implied_topic
from knowledge.services import search


def retrieve(query: str, k: int = 4, *, language: str = "en", today: dt.date | None = None) -> tuple[Hit, ...]:
    """The relevant chunks of the current schema's knowledge base, best first (only above the threshold
    the knowledge app calibrated for the question's language). A guest describing a situation ("our flight
    lands at 7am, can we go up to the room?") is searched with the policy it asks about (early check-in)."""
    return tuple(
        Hit(
            item_id=h.item_id,
            chunk_id=h.chunk_id,
            title=h.title,
            category=h.category,
            text=h.text,
            score=float(h.score),
            language=h.language or "en",
        )
        for h in search(with_implied_topic(query), k, language=language, today=today)
    )
