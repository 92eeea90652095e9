"""OpenAPI post-processing: the error answers every endpoint can give, documented once for all.

Views document their successes and their own errors; the framework's errors (a body or query
that does not validate, missing or bad credentials, a role that may not act, an id outside the
caller's property) come from DRF and our lookup helpers on every endpoint alike. Listing them here
keeps the schema true (schemathesis checks every status code against it, nocturn/tests/test_api_fuzz.py)
without repeating four lines on each view. A view's own description of one of these codes wins.
"""

from __future__ import annotations

from typing import Any

_ERROR_BODY = {
    "application/json": {
        "schema": {
            "type": "object",
            "additionalProperties": True,
            "description": 'An error: `{"detail": …}` (DRF), `{"error": …}` (webhooks, widget) or field errors.',
        }
    }
}
_STANDARD = {
    "400": "The request body or query does not validate.",
    "401": "Missing or invalid credentials (session, JWT, guest token or signature).",
    "403": "Authenticated, but this role or origin may not do this.",
    "404": "No such resource in the caller's properties (other properties' ids answer 404 too).",
    "413": "The request body is larger than this door accepts (INPUT_MAX_JSON_BYTES for JSON bodies).",
}
_METHODS = {"get", "post", "put", "patch", "delete"}


def add_standard_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: add 400/401/403/404 where an operation lists none."""
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in _STANDARD.items():
                responses.setdefault(code, {"description": description, "content": _ERROR_BODY})
    return result


# Doors that are plain Django views (not DRF), so the generator cannot see them: the provider webhooks
# (raw bodies, signatures checked before parsing) and the widget's guest API (its own key, origin and
# guest-token checks). Documented by hand; each answers JSON errors `{"error": …}` with the statuses
# listed, so "default" covers them and the fuzzing test holds every answer to this description.
_ANY_ANSWER = {
    "default": {
        "description": 'JSON (`{"error": …}` on failure): 400 bad body, 401 bad signature or token, 403 origin '
        "not allowed, 404 unknown key or conversation, 405 method, 413 too large, 429 throttled, "
        "503 try again (Retry-After).",
        "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
    }
}


def _operation(tag: str, summary: str, description: str, **extra: Any) -> dict[str, Any]:
    return {"tags": [tag], "summary": summary, "description": description, "responses": dict(_ANY_ANSWER), **extra}


_WIDGET_KEY = {"name": "X-Widget-Key", "in": "header", "required": False, "schema": {"type": "string"},
               "description": "The property's public widget key (also accepted as `key` in the body)."}  # fmt: skip
_CONVERSATION_ID = {"name": "conversation_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_BODY = {
    "required": False,
    "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
}


def _widget(summary: str, description: str, parameter: dict[str, Any], *, body: bool = True) -> dict[str, Any]:
    """An operation of the widget's guest API: named by its key (header) or its conversation (path)."""
    extra: dict[str, Any] = {"requestBody": _BODY} if body else {}
    return _operation("widget", f"Widget: {summary}", description, parameters=[parameter], **extra)


PLAIN_ROUTES: dict[str, dict[str, Any]] = {
    "/api/v1/webhook/whatsapp": {
        "get": _operation(
            "webhooks",
            "Meta's subscription check",
            "`hub.mode=subscribe`, `hub.verify_token`, `hub.challenge`: answers the challenge as text/plain when "
            "the token matches (WHATSAPP_VERIFY_TOKEN), else 403.",
            responses={
                "200": {"description": "The challenge", "content": {"text/plain": {"schema": {"type": "string"}}}},
                **_ANY_ANSWER,
            },
        ),  # fmt: skip
        "post": _operation(
            "webhooks",
            "WhatsApp Cloud API events",
            "Signed with `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the app secret). Every message "
            "and status is stored once, idempotently, and processed in the background; 200 once stored.",
            requestBody=_BODY,
        ),
    },
    "/api/v1/webhook/email": {
        "post": _operation(
            "webhooks",
            "Inbound e-mail (SendGrid Inbound Parse)",
            "Basic auth with INBOUND_EMAIL_WEBHOOK_SECRET; multipart form as SendGrid posts it (raw MIME or "
            "parsed); keyed on Message-ID, stored once, answered in the background.",
            requestBody={"required": False, "content": {"multipart/form-data": {"schema": {"type": "object"}}}},
        )
    },
    "/api/v1/conversations": {
        "post": _widget(
            "start a conversation",
            "From an allowed origin of the widget key; answers the conversation id and a guest token "
            "(Bearer) for the calls below.",
            _WIDGET_KEY,
        )
    },
    "/api/v1/conversations/{conversation_id}": {
        "get": _widget(
            "the conversation's messages", "Needs the guest token of this conversation.", _CONVERSATION_ID, body=False
        )
    },
    "/api/v1/conversations/{conversation_id}/messages": {
        "post": _widget(
            "the guest writes", '`{"text": …}` with the guest token; answered over the websocket.', _CONVERSATION_ID
        )
    },
    "/api/v1/widget/visits": {
        "post": _widget(
            "count a visitor", "Once per browser session; the key's origin and throttle apply.", _WIDGET_KEY
        )
    },
}


def add_plain_routes(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: document the webhook and widget doors (see PLAIN_ROUTES)."""
    paths = result.setdefault("paths", {})
    for path, operations in PLAIN_ROUTES.items():
        for method, operation in operations.items():
            name = path.removeprefix("/api/v1/").replace("/", "_").replace("{", "").replace("}", "")
            paths.setdefault(path, {})[method] = {"operationId": f"{name}_{method}", **operation}
    return result
