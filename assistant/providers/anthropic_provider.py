"""Anthropic's Messages API through the `anthropic` SDK, streaming: the default fallback provider."""

from __future__ import annotations

from dataclasses import dataclass

import anthropic

from assistant.providers.base import ChatRequest, ChatResult, TokenSink, answer_text, sdk_client, unavailable_on_failure


@dataclass(frozen=True)
class AnthropicConfig:
    api_key: str
    model: str
    base_url: str = ""
    timeout: float = 20.0
    connect_timeout: float = 3.0
    max_retries: int = 1
    max_tokens: int = 400
    name: str = "anthropic"


class AnthropicProvider:
    def __init__(self, config: AnthropicConfig) -> None:
        self.config = config
        self.name = config.name

    def stream(self, request: ChatRequest, on_token: TokenSink) -> ChatResult:
        parts: list[str] = []
        with (
            unavailable_on_failure(self.name, anthropic, anthropic.AnthropicError),
            sdk_client(anthropic.Anthropic, self.config).messages.stream(
                model=self.config.model,
                system=request.system,
                messages=request.messages,  # type: ignore[arg-type]
                max_tokens=self.config.max_tokens,
            ) as stream,
        ):
            for piece in stream.text_stream:
                if piece:
                    parts.append(piece)
                    on_token(piece)
            final = stream.get_final_message()
        return ChatResult(
            text=answer_text(self.name, parts),
            provider=self.name,
            model=self.config.model,
            tokens_in=final.usage.input_tokens if final.usage else None,
            tokens_out=final.usage.output_tokens if final.usage else None,
        )
