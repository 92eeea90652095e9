"""Any OpenAI-compatible Chat Completions endpoint, through the `openai` SDK, streaming."""

from __future__ import annotations

from dataclasses import dataclass

import openai

from assistant.providers.base import ChatRequest, ChatResult, TokenSink, answer_text, sdk_client, unavailable_on_failure


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
