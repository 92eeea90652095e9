"""Guest websocket tenancy: the property comes from the signed guest token, never from the host."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.db.models import QuerySet
from django_tenants.utils import schema_context

from conversations.models import Channel, Conversation
from conversations.widget import api, tokens
from core import compiled
from properties.models import Property


def origin_of(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers", []):
        if name == b"origin":
            return value.decode("latin-1")
    return ""


def admit_guest(token: str, conversation_id: int, origin: str) -> Property | None:
    """The property whose conversation this token opens, or None: wrong token, key, origin or conversation.

    The key and the conversation are read as the message POST's door reads them (`api._as_guest`): under one
    search path (the property's schema, then public, where the key table is), in one statement, their SQL compiled
    once per process.
    """
    grant = tokens.verify(token)
    if grant is None or grant.conversation_id != conversation_id:
        return None
    with schema_context(grant.schema_name):
        widget_key, found = compiled.firsts(
            (api.granted_key, (grant.widget_key_id, grant.schema_name)), (_web_conversation_id, (conversation_id,))
        )
        if widget_key is None or not widget_key.is_usable() or not widget_key.property.is_active:
            return None
        if not widget_key.allows_origin(origin):
            return None
        if found is None:
            return None
    return widget_key.property


def _web_conversation_id(conversation_id: int) -> QuerySet[Conversation]:
    return Conversation.objects.filter(pk=conversation_id, channel=Channel.WEB).values_list("pk", flat=True)


class GuestAuthMiddleware:
    """Admit a guest socket only with a token for the conversation in the path, from an allowed origin."""

    def __init__(self, inner: Callable[..., Any]) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> Any:
        conversation_id = int(scope["url_route"]["kwargs"]["conversation_id"])
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        token = (query.get("token") or [""])[0]
        property_ = await database_sync_to_async(admit_guest)(token, conversation_id, origin_of(scope))
        if property_ is None:
            await send({"type": "websocket.close", "code": 4403})  # daphne answers the handshake with 403
            return None
        scope = {**scope, "property": property_, "conversation_id": conversation_id}
        return await self.inner(scope, receive, send)
