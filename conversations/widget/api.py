"""The widget's public API (on the public host): start a conversation, post a message, read it back.

Plain Django views rather than DRF: the caller is an anonymous browser on the hotel's own site,
authenticated by the widget key (start) or a guest token (everything after), never by cookies,
so CSRF does not apply and CORS is answered here, per widget key's allowed origins.

The door itself (`guarded`, `json_body`, `key_named`, `check_key`, `throttle_or_refuse`, `Refusal`)
is public: apps above this one open their own widget doors with it (analytics counts visits).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django_tenants.utils import schema_context

from conversations import engine, turns
from conversations.models import Channel, Conversation
from conversations.payloads import conversation_payload, message_payload
from conversations.widget import throttle, tokens
from conversations.widget.throttle import Caller
from core import compiled
from core.inputs import BadInput, load_json
from properties.models import WidgetKey

MAX_BODY_BYTES = 16 * 1024
MAX_BODY_DEPTH = 8  # the widget sends flat objects
MAX_MESSAGE_CHARS = 2000
MAX_CLIENT_ID = 64
ALLOWED_HEADERS = f"Content-Type, X-Guest-Token, X-Widget-Key, {throttle.CLIENT_HEADER}"


class Refusal(Exception):
    def __init__(self, status: int, error: str, headers: dict[str, str] | None = None) -> None:
        self.status, self.error, self.headers = status, error, headers or {}


@dataclass(frozen=True)
class Reply:
    """A door's answer before it is a response: both the Django view and the lean path send it."""

    status: int
    body: dict[str, Any] | None  # None: no content (a preflight)
    headers: dict[str, str]


def _json(request: Caller, body: dict[str, Any], status: int, origin_ok: bool) -> Reply:
    headers = {"Vary": "Origin", "Cache-Control": "no-store"}
    if origin_ok and request.headers.get("Origin"):
        headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
    return Reply(status, body, headers)


def _preflight(request: Caller, methods: str) -> Reply:
    # The preflight carries no key or token, so it cannot be judged; the real request is.
    return Reply(
        204,
        None,
        {
            "Access-Control-Allow-Origin": request.headers.get("Origin", "*"),
            "Access-Control-Allow-Methods": methods,
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        },
    )


def json_body(request: Caller) -> dict[str, Any]:
    if len(request.body) > MAX_BODY_BYTES:
        raise Refusal(413, f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        # Before any key lookup: a NUL or a lone surrogate never reaches PostgreSQL or the encryption.
        data = load_json(
            request.body or b"{}", "body", max_bytes=MAX_BODY_BYTES, max_depth=MAX_BODY_DEPTH, nul="reject"
        )
    except BadInput as error:
        raise Refusal(400, str(error)) from None
    if not isinstance(data, dict):
        raise Refusal(400, "The body must be a JSON object.")
    return data


def key_named(public_key: str) -> WidgetKey | None:
    public_key = public_key[:64]
    return WidgetKey.objects.select_related("property").filter(public_key=public_key).first() if public_key else None


def check_key(request: Caller, widget_key: WidgetKey | None) -> WidgetKey:
    if widget_key is None or not widget_key.is_usable() or not widget_key.property.is_active:
        raise Refusal(403, "Unknown or inactive widget key.")
    if not widget_key.allows_origin(request.headers.get("Origin")):
        raise Refusal(403, "This website (origin) is not allowed to use this widget key.")
    return widget_key


def throttle_or_refuse(limits: list[tuple[str, int]]) -> None:
    wait = throttle.retry_after(limits)
    if wait is not None:
        raise Refusal(429, "Too many requests; slow down.", {"Retry-After": str(wait)})


@contextmanager
def _as_guest(request: Caller, conversation_id: int) -> Iterator[tuple[tokens.GuestGrant, Conversation | None]]:
    """The guest token's grant, its key checked and the request throttled, and the web conversation (None: no
    such conversation, for the door to refuse where it did); the block runs in its schema.

    One search path (`schema, public`; the key table is public-only) for the key's read and everything
    after it: django-tenants re-issues `SET search_path` on every schema switch, even to the same schema.
    The key and the conversation are read in one statement (one round trip, `compiled.firsts`); the key is
    judged first, as before, and the conversation only used once the request is let through.
    """
    grant = tokens.verify(request.headers.get("X-Guest-Token", ""))
    if grant is None:
        raise Refusal(401, "A valid guest token (X-Guest-Token) is required.")
    if grant.conversation_id != conversation_id:
        raise Refusal(404, "No such conversation.")  # never confirm that another guest's conversation exists
    with schema_context(grant.schema_name):
        widget_key, conversation = compiled.firsts(  # their SQL built once per process
            (granted_key, (grant.widget_key_id, grant.schema_name)), (_web_conversation, (conversation_id,))
        )
        check_key(request, widget_key)
        throttle_or_refuse(throttle.widget_limits(request, grant.widget_key_id, grant.schema_name, conversation_id))
        yield grant, conversation


def granted_key(widget_key_id: int, schema_name: str) -> QuerySet[WidgetKey]:
    """The key a guest token was granted under, with its property (the message door and the guest socket)."""
    return WidgetKey.objects.select_related("property").filter(pk=widget_key_id, property__schema_name=schema_name)


def _web_conversation(conversation_id: int) -> QuerySet[Conversation]:
    return Conversation.objects.select_related("guest").filter(pk=conversation_id, channel=Channel.WEB)


def door_reply(
    request: Caller, view: Callable[..., tuple[dict[str, Any], int]], methods: str, *args: Any, **kwargs: Any
) -> Reply:
    """Run a door's view: the preflight, the method check, a refusal → its 4xx; CORS on every answer."""
    if request.method == "OPTIONS":
        return _preflight(request, methods)
    if request.method not in methods.split(", "):
        return _json(request, {"error": f"Use {methods}."}, 405, origin_ok=False)
    try:
        body, status = view(request, *args, **kwargs)
    except Refusal as refusal:
        # CORS headers on refusals only when the origin itself is fine, so the widget can read a 429.
        reply = _json(request, {"error": refusal.error}, refusal.status, origin_ok=refusal.status not in (403,))
        reply.headers.update(refusal.headers)
        if "Retry-After" in refusal.headers:
            reply.headers["Access-Control-Expose-Headers"] = "Retry-After"
        return reply
    return _json(request, body, status, origin_ok=True)


def guarded(view: Callable[..., tuple[dict[str, Any], int]], methods: str) -> Callable[..., HttpResponse]:
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        reply = door_reply(request, view, methods, *args, **kwargs)
        if reply.body is None:
            response = HttpResponse(status=reply.status)
        else:
            response = JsonResponse(reply.body, status=reply.status)
        for name, value in reply.headers.items():
            response[name] = value
        return response

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return csrf_exempt(wrapper)


def _start(request: Caller) -> tuple[dict[str, Any], int]:
    """POST /api/v1/conversations {key, consent: true, consent_text, language?} → 201 {conversation_id, token}."""
    data = json_body(request)
    widget_key = check_key(request, key_named(str(data.get("key") or request.headers.get("X-Widget-Key", ""))))
    throttle_or_refuse(throttle.widget_limits(request, widget_key.pk))
    consent_text = data.get("consent_text")
    if data.get("consent") is not True or not isinstance(consent_text, str) or not consent_text.strip():
        raise Refusal(400, "The guest must accept the privacy notice first: send consent=true and consent_text.")
    language = data.get("language") if data.get("language") in ("en", "ms") else "en"
    property_ = widget_key.property
    with schema_context(property_.schema_name):
        conversation = engine.start_web_conversation(
            widget_key_id=widget_key.pk, consent_text=consent_text.strip()[:4000], language=language
        )
    token = tokens.issue(tokens.GuestGrant(property_.schema_name, conversation.pk, widget_key.pk))
    return {
        "conversation_id": conversation.pk,
        "token": token,
        "property": property_.name,
        "websocket": f"/ws/guest/{conversation.pk}/",
    }, 201


def _detail(request: HttpRequest, conversation_id: int) -> tuple[dict[str, Any], int]:
    """GET /api/v1/conversations/{id} (guest token) → the conversation and its messages."""
    with _as_guest(request, conversation_id) as (_, conversation):
        if conversation is None:
            raise Refusal(404, "No such conversation.")
        messages = list(conversation.messages.order_by("-id")[:100])[::-1]
        return conversation_payload(conversation, messages), 200


def _post_message(request: Caller, conversation_id: int) -> tuple[dict[str, Any], int]:
    """POST /api/v1/conversations/{id}/messages {text, client_id?} → 202; the reply streams on the websocket."""
    with _as_guest(request, conversation_id) as (_, conversation):
        data = json_body(request)
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            raise Refusal(400, "text must be a non-empty string.")
        if len(text) > MAX_MESSAGE_CHARS:
            raise Refusal(400, f"text is longer than {MAX_MESSAGE_CHARS} characters.")
        client_id = data.get("client_id", "")
        if not isinstance(client_id, str) or len(client_id) > MAX_CLIENT_ID:
            raise Refusal(400, f"client_id must be a string of at most {MAX_CLIENT_ID} characters.")
        # Read with the key, the guest with it: the staff feed's event names them.
        if conversation is None:
            raise Refusal(404, "No such conversation.")
        # Scoped to the conversation, so one guest's client ids can never collide with another's.
        provider_id = f"{conversation.pk}:{client_id or uuid.uuid4().hex}"
        message, created = engine.record_guest_message(conversation, text.strip(), provider_message_id=provider_id)
        if created:
            turns.receive(conversation, message)  # staff hold it → to them only; else the turn, streamed
        else:  # a retried POST (same client id): the first may have stored it and failed to send its turn
            turns.resend(conversation, message)
    return {"message": message_payload(message), "duplicate": not created}, 202


conversations_collection = guarded(_start, "POST")
conversation_detail = guarded(_detail, "GET")
conversation_messages = guarded(_post_message, "POST")


def post_message_reply(request: Caller, conversation_id: int) -> Reply:
    """The message door's answer, for the lean ASGI path (`widget.fast`): the same checks as the view."""
    return door_reply(request, _post_message, "POST", conversation_id)


def start_reply(request: Caller) -> Reply:
    """The start door's answer, for the lean ASGI path (`widget.fast`): the same checks as the view."""
    return door_reply(request, _start, "POST")
