from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

TokenSink = Callable[[str], None]


@dataclass(frozen=True)
class Hit:
    """A retrieved knowledge chunk as the AI core sees it (copied from knowledge.services.KnowledgeHit)."""

    item_id: int
    chunk_id: int
    title: str
    category: str
    text: str
    score: float
    language: str = "en"


@dataclass(frozen=True)
class ChatRequest:
    system: str
    messages: list[dict[str, str]]  # the history and the guest's message: [{"role": user|assistant, "content"}]
    question: str  # the sanitised guest message, for providers that work without a model
    language: str  # en | ms
    mode: str
    hits: tuple[Hit, ...] = ()
    property_name: str = ""


@dataclass
class ChatResult:
    text: str
    provider: str
    model: str = ""
    tokens_in: int | None = None
    tokens_out: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ProviderUnavailable(Exception):
    """The provider could not answer (timeout, 429, 5xx, connection, bad response): try the next one."""

    def __init__(self, provider: str, reason: str) -> None:
        super().__init__(f"{provider}: {reason}")
        self.provider = provider
        self.reason = reason


class Provider(Protocol):
    name: str

    def stream(self, request: ChatRequest, on_token: TokenSink) -> ChatResult:
        """Answer `request`, passing each piece of text to `on_token` as it arrives."""
        ...
