"""Any OpenAI-compatible Chat Completions endpoint, through the `openai` SDK, streaming."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import httpx2
import openai
from django.db import connection
from pydantic import BaseModel

from assistant.providers.base import ChatRequest, ChatResult, TokenSink, answer_text, sdk_client, unavailable_on_failure
from core import metrics


@dataclass(frozen=True)
class OpenAIConfig:
    name: str
    base_url: str
    api_key: str
    model: str
    timeout: float = 20.0
    connect_timeout: float = 3.0
    max_retries: int = 1
    max_tokens: int = 400


class OpenAICompatibleProvider:
    def __init__(self, config: OpenAIConfig) -> None:
        self.config = config
        self.name = config.name

    def stream(self, request: ChatRequest, on_token: TokenSink) -> ChatResult:
        messages = [{"role": "system", "content": request.system}, *request.messages]
        parts: list[str] = []
        usage = None
        with unavailable_on_failure(self.name, openai, openai.OpenAIError):
            stream = sdk_client(openai.OpenAI, self.config).chat.completions.create(
                model=self.config.model,
                messages=messages,  # type: ignore[arg-type]
                stream=True,
                stream_options={"include_usage": True},
                max_tokens=self.config.max_tokens,
                temperature=0.2,
            )
            for chunk in stream:
                if chunk.usage is not None:
                    usage = chunk.usage
                for choice in chunk.choices:
                    piece = choice.delta.content if choice.delta else None
                    if piece:
                        parts.append(piece)
                        on_token(piece)
        return ChatResult(
            text=answer_text(self.name, parts),
            provider=self.name,
            model=self.config.model,
            tokens_in=getattr(usage, "prompt_tokens", None),
            tokens_out=getattr(usage, "completion_tokens", None),
        )


class ModeDecision(BaseModel):
    """The model's structured reading of a guest message (used to refine the offline rules)."""

    mode: Literal["concierge", "lead_capture", "handoff"]
    language: Literal["en", "ms"]


CLASSIFY_PROMPT = (
    "Classify the hotel guest's message. mode: lead_capture if they ask about booking, dates, availability or "
    "prices; handoff if they ask for a human, complain, or are upset; otherwise concierge. language: en for "
    "English, ms for Bahasa Malaysia (or Indonesian)."
)


def classify(config: OpenAIConfig, text: str, timeout: float = 5.0) -> ModeDecision | None:
    """Structured output (`chat.completions.parse`) of the mode; None on any failure (the rules stand)."""
    try:
        completion = (
            sdk_client(openai.OpenAI, config)
            .with_options(timeout=timeout, max_retries=0)
            .chat.completions.parse(
                model=config.model,
                messages=[{"role": "system", "content": CLASSIFY_PROMPT}, {"role": "user", "content": text}],
                response_format=ModeDecision,
                max_tokens=50,
                temperature=0,
            )
        )
        decision = completion.choices[0].message.parsed
    except (openai.OpenAIError, httpx2.HTTPError, ValueError):
        return None
    usage = completion.usage  # the classification is spend too: counted beside the answer's tokens
    if usage is not None:
        model = completion.model or config.model
        metrics.count_llm(connection.schema_name, config.name, model, usage.prompt_tokens, usage.completion_tokens)
    return decision
