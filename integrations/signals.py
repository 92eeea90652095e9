"""Listen to the outbox: a notice that fails for good there gets its fallback channel."""

from __future__ import annotations

from typing import Any

from conversations.pipeline.outbox import delivery_failed, delivery_sent
from integrations.services.notify import on_delivery_failed, on_delivery_sent


def _on_delivery_failed(sender: Any, *, item: Any, schema_name: str, **kwargs: Any) -> None:
    on_delivery_failed(item, schema_name)


def _on_delivery_sent(sender: Any, *, item: Any, schema_name: str, **kwargs: Any) -> None:
    on_delivery_sent(item)


def install() -> None:
    delivery_failed.connect(_on_delivery_failed, dispatch_uid="integrations.fallback")
    delivery_sent.connect(_on_delivery_sent, dispatch_uid="integrations.sent")
