"""Anthropic's Messages API through the `anthropic` SDK, streaming: the default fallback provider."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import anthropic
import httpx2

from assistant.providers.base import ChatRequest, ChatResult, ProviderUnavailable, TokenSink


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


@lru_cache(maxsize=4)
def _client(config: AnthropicConfig) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key=config.api_key,
        base_url=config.base_url or None,
        timeout=httpx2.Timeout(config.timeout, connect=config.connect_timeout),
        max_retries=config.max_retries,
    )


class AnthropicProvider:
    def __init__(self, config: AnthropicConfig) -> None:
        self.config = config
        self.name = config.name

    def stream(self, request: ChatRequest, on_token: TokenSink) -> ChatResult:
        parts: list[str] = []
        try:
            with _client(self.config).messages.stream(
                model=self.config.model,
                system=request.system,
                messages=request.messages,  # type: ignore[arg-type]
                max_tokens=self.config.max_tokens,
            ) as stream:
                for piece in stream.text_stream:
                    if piece:
                        parts.append(piece)
                        on_token(piece)
                final = stream.get_final_message()
        except anthropic.APITimeoutError as exc:
            raise ProviderUnavailable(self.name, "timeout") from exc
        except anthropic.APIStatusError as exc:
            raise ProviderUnavailable(self.name, f"http {exc.status_code}") from exc
        except anthropic.APIConnectionError as exc:
            raise ProviderUnavailable(self.name, "connection") from exc
        except (anthropic.AnthropicError, httpx2.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(self.name, f"bad response: {type(exc).__name__}") from exc
        text = "".join(parts).strip()
        if not text:
            raise ProviderUnavailable(self.name, "empty answer")
        return ChatResult(
            text=text,
            provider=self.name,
            model=self.config.model,
            tokens_in=final.usage.input_tokens if final.usage else None,
            tokens_out=final.usage.output_tokens if final.usage else None,
        )
