"""Failover across the configured providers; the offline provider always ends the chain."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from django.conf import settings

from assistant.circuit import CircuitBreaker
from assistant.providers.anthropic_provider import AnthropicConfig, AnthropicProvider
from assistant.providers.base import ChatRequest, ChatResult, Provider, ProviderUnavailable, TokenSink
from assistant.providers.offline import OfflineProvider
from assistant.providers.openai_compat import OpenAICompatibleProvider, OpenAIConfig

log = structlog.get_logger(__name__)


@dataclass
class Attempt:
    provider: str
    outcome: str  # ok | skipped (circuit open) | the failure reason
    ms: float = 0.0


@dataclass
class RoutedResult:
    result: ChatResult
    attempts: list[Attempt] = field(default_factory=list)


def _common() -> dict[str, Any]:
    return {
        "timeout": settings.LLM_TIMEOUT,
        "connect_timeout": settings.LLM_CONNECT_TIMEOUT,
        "max_retries": settings.LLM_MAX_RETRIES,
        "max_tokens": settings.LLM_MAX_TOKENS,
    }


def primary_config() -> OpenAIConfig | None:
    if not settings.LLM_API_KEY:
        return None
    return OpenAIConfig(
        name="openai",
        base_url=settings.LLM_BASE_URL,
        api_key=settings.LLM_API_KEY,
        model=settings.LLM_MODEL,
        **_common(),
    )


def configured_providers() -> list[Provider]:
    """Primary (OpenAI-compatible) and fallback from settings; empty when no key is set."""
    chain: list[Provider] = []
    primary = primary_config()
    if primary is not None:
        chain.append(OpenAICompatibleProvider(primary))
    if settings.ANTHROPIC_API_KEY:
        chain.append(
            AnthropicProvider(
                AnthropicConfig(
                    api_key=settings.ANTHROPIC_API_KEY,
                    base_url=settings.ANTHROPIC_BASE_URL,
                    model=settings.ANTHROPIC_MODEL,
                    **_common(),
                )
            )
        )
    elif settings.LLM_FALLBACK_API_KEY:
        chain.append(
            OpenAICompatibleProvider(
                OpenAIConfig(
                    name="openai_fallback",
                    base_url=settings.LLM_FALLBACK_BASE_URL,
                    api_key=settings.LLM_FALLBACK_API_KEY,
                    model=settings.LLM_FALLBACK_MODEL,
                    **_common(),
                )
            )
        )
    return chain


def breaker_for(provider: Provider) -> CircuitBreaker:
    return breaker_named(provider.name)


def breaker_named(name: str) -> CircuitBreaker:
    """The provider's one circuit, shared by every call made to it (the answer, the lead step's reading)."""
    return CircuitBreaker(
        name,
        failure_threshold=settings.LLM_CIRCUIT_FAILURES,
        window=settings.LLM_CIRCUIT_WINDOW,
        cooldown=settings.LLM_CIRCUIT_COOLDOWN,
    )


def generate(
    request: ChatRequest,
    on_token: TokenSink,
    *,
    on_reset: Callable[[], None] | None = None,
    providers: list[Provider] | None = None,
) -> RoutedResult:
    """Ask each provider in turn until one answers; the offline provider cannot fail.

    A provider that fails after streaming part of an answer is abandoned; `on_reset` tells the
    listener to discard what it showed before the next provider starts.
    """
    chain = configured_providers() if providers is None else providers
    attempts: list[Attempt] = []
    for provider in chain:
        breaker = breaker_for(provider)
        if not breaker.allow():
            attempts.append(Attempt(provider.name, "skipped: circuit open"))
            continue
        streamed = False

        def sink(piece: str) -> None:
            nonlocal streamed
            streamed = True
            on_token(piece)

        started = time.perf_counter()
        try:
            result = provider.stream(request, sink)
        except ProviderUnavailable as exc:
            breaker.record_failure()
            attempts.append(Attempt(provider.name, exc.reason, (time.perf_counter() - started) * 1000))
            log.warning("llm_provider_failed", provider=provider.name, reason=exc.reason)
            if streamed and on_reset is not None:
                on_reset()
            continue
        breaker.record_success()
        attempts.append(Attempt(provider.name, "ok", (time.perf_counter() - started) * 1000))
        return RoutedResult(result, attempts)
    started = time.perf_counter()
    result = OfflineProvider().stream(request, on_token)
    attempts.append(Attempt("offline", "ok", (time.perf_counter() - started) * 1000))
    return RoutedResult(result, attempts)
