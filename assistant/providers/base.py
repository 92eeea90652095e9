from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol

import httpx2

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
class AskedPart:
    """One of the things a message asking several asks (situations.asked_parts), searched on its own: the
    whole message's nearest items are about one or two of them."""

    question: str  # the part, with what the guest told before it ("We are four. Which room fits us?")
    asked: str  # the part alone, in the guest's words (said back when nothing answers it)
    hits: tuple[Hit, ...] = ()
    unnamed: tuple[str, ...] = ()  # as ChatRequest.unnamed, of this part


@dataclass(frozen=True)
class ChatRequest:
    system: str
    messages: list[dict[str, str]]  # the history and the guest's message: [{"role": user|assistant, "content"}]
    question: str  # the sanitised guest message, for providers that work without a model
    language: str  # en | ms
    mode: str
    hits: tuple[Hit, ...] = ()
    property_name: str = ""
    # The question's topics no item of the hotel's knowledge names (retrieval.topics_named_nowhere): the hits
    # are then about a neighbouring thing, and quoting them would answer another question.
    unnamed: tuple[str, ...] = ()
    # A message asking three things or more, part by part (the hits above are theirs, merged): the offline
    # answerer answers each from its own hits.
    parts: tuple[AskedPart, ...] = ()
    # The conversation was already waiting for a person before this message (the session's mode was handoff).
    waiting: bool = False


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


class SdkConfig(Protocol):
    api_key: str
    base_url: str
    timeout: float
    connect_timeout: float
    max_retries: int


@functools.lru_cache(maxsize=8)
def sdk_client(client_class: type[Any], config: SdkConfig) -> Any:
    """An SDK client (openai.OpenAI, anthropic.Anthropic) with our time limits, one per configuration.

    The SDKs' defaults (600 s, 2 retries) would hold a guest for minutes; the circuit breaker and
    the fallback chain are our retry policy, so the SDK retries at most `max_retries` times.
    """
    return client_class(
        api_key=config.api_key,
        base_url=config.base_url or None,
        timeout=httpx2.Timeout(config.timeout, connect=config.connect_timeout),
        max_retries=config.max_retries,
    )


@contextlib.contextmanager
def unavailable_on_failure(name: str, sdk: ModuleType, sdk_error: type[Exception]) -> Iterator[None]:
    """Any failure of a call through `sdk` (openai, anthropic: they name their errors alike) as
    ProviderUnavailable with a short reason, so the failover tries the next provider."""
    try:
        yield
    except sdk.APITimeoutError as exc:
        raise ProviderUnavailable(name, "timeout") from exc
    except sdk.APIStatusError as exc:
        raise ProviderUnavailable(name, f"http {exc.status_code}") from exc
    except sdk.APIConnectionError as exc:
        raise ProviderUnavailable(name, "connection") from exc
    except (sdk_error, httpx2.HTTPError, ValueError) as exc:
        raise ProviderUnavailable(name, f"bad response: {type(exc).__name__}") from exc


def answer_text(name: str, parts: list[str]) -> str:
    """The streamed pieces as one answer; an empty one counts as a failure of the provider."""
    text = "".join(parts).strip()
    if not text:
        raise ProviderUnavailable(name, "empty answer")
    return text


class Provider(Protocol):
    name: str

    def stream(self, request: ChatRequest, on_token: TokenSink) -> ChatResult:
        """Answer `request`, passing each piece of text to `on_token` as it arrives."""
        ...
