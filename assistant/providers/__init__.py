"""Chat providers: an OpenAI-compatible endpoint, a fallback (Anthropic or a second endpoint), offline."""

from assistant.providers.base import ChatRequest, ChatResult, Provider, ProviderUnavailable, TokenSink

__all__ = ["ChatRequest", "ChatResult", "Provider", "ProviderUnavailable", "TokenSink"]
