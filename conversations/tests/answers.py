"""The offline answerer asked one question on given knowledge hits, as the engine asks it (no history, no prompt)."""

from __future__ import annotations

from collections.abc import Iterable

from assistant.providers.base import ChatRequest, Hit
from assistant.providers.offline import compose
from conversations.models import AiMode


def offline_answer(
    question: str,
    hits: Iterable[Hit],
    *,
    language: str = "en",
    mode: str = AiMode.CONCIERGE,
    unnamed: tuple[str, ...] = (),
) -> str:
    request = ChatRequest(
        system="", messages=[], question=question, language=language, mode=mode, hits=tuple(hits), unnamed=unnamed
    )
    return compose(request)
