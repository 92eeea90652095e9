"""The widget's lean message POST (`widget.fast`) answers as the Django view does, and stores the same.

Each request runs in its own event loop against the committed test database: the app's threads hold
their own connections, which never see a test transaction.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from redis.exceptions import ConnectionError as RedisConnectionError

from conversations import engine, turns
from conversations.models import AiMode, Conversation, Guest, Message
from conversations.widget import fast, tokens
from properties.models import WidgetKey

SCHEDULE = turns.schedule
ORIGIN_A = "https://alpha-hotel.example"
ORIGIN_B = "https://bravo-hotel.example"
NOTICE = "We store this chat to answer you."
# Headers whose values differ between any two requests (or that Django's test client never sends).
VARYING = {"x-request-id", "content-length"}


class FallbackApp:
    """Stands in for Django: records what was passed through, and the body it could read."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, bytes]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.seen.append((scope["method"], scope["path"], body))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


class _Exchange:
    """The client's side of one ASGI request: the body in 4 kB pieces, then a disconnect; what came back."""

    def __init__(self, body: bytes) -> None:
        pieces = [body[i : i + 4000] for i in range(0, len(body), 4000)] or [b""]
        self.incoming = [{"type": "http.request", "body": p, "more_body": True} for p in pieces]
        self.incoming[-1]["more_body"] = False
        self.sent: list[dict] = []

    async def receive(self) -> dict:
        return self.incoming.pop(0) if self.incoming else {"type": "http.disconnect"}

    async def send(self, message: dict) -> None:
        self.sent.append(message)


@pytest.fixture(scope="module")
def lean() -> Iterator[fast.WidgetMessageApp]:
    app = fast.WidgetMessageApp(FallbackApp())
    yield app
    app.close()


_app: list[fast.WidgetMessageApp] = []


@pytest.fixture(autouse=True)
def _current_app(lean: fast.WidgetMessageApp) -> Iterator[None]:
    _app.append(lean)
    yield
    _app.clear()


def _fast(path: str, body: bytes, headers: dict[str, str], query: bytes = b"", app: Any = None) -> Any:
    """One request through the lean path: (status, headers by lower-case name, body, what reached Django)."""
    app = app or _app[0]
    fallback = app.app
    fallback.seen = []
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": query,
        "scheme": "http",
        "client": ("127.0.0.1", 40000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    exchange = _Exchange(body)
    asyncio.run(app(scope, exchange.receive, exchange.send))
    sent = exchange.sent
    start = sent[0]
    answer_headers = {k.decode().lower(): v.decode() for k, v in start.get("headers", [])}
    return SimpleNamespace(
        status=start["status"],
        headers=answer_headers,
        body=b"".join(m.get("body", b"") for m in sent[1:]),
        fallback=fallback.seen,
    )


def _django(path: str, body: bytes, headers: dict[str, str]) -> Any:
    response = Client(HTTP_HOST="localhost").generic(
        "POST", path, body, content_type=headers.get("Content-Type", "application/json"), headers=headers
    )
    return SimpleNamespace(
        status=response.status_code,
        headers={k.lower(): v for k, v in response.headers.items()},
        body=response.content,
    )


@pytest.fixture
def widget(committed_db, monkeypatch) -> Iterator[Any]:
    world = committed_db
    key_a = WidgetKey.objects.create(property=world.a, allowed_origins=[ORIGIN_A])
    key_b = WidgetKey.objects.create(property=world.b, allowed_origins=[ORIGIN_B])
    scheduled: list[tuple[str, int, int]] = []
    # The turn's Celery message, recorded instead of sent (no worker here); from the app's threads too.
    monkeypatch.setattr(
        turns,
        "schedule",
        lambda conversation, message_id: scheduled.append((connection.schema_name, conversation.pk, message_id)),
    )
    started: list[tuple[str, int]] = []

    def start(key: WidgetKey, origin: str) -> tuple[int, str]:
        payload = {"key": key.public_key, "consent": True, "consent_text": NOTICE}
        response = Client(HTTP_HOST="localhost", HTTP_ORIGIN=origin).post(
            "/api/v1/conversations", json.dumps(payload), content_type="application/json"
        )
        assert response.status_code == 201, response.content
        data = response.json()
        started.append((key.property.schema_name, data["conversation_id"]))
        return data["conversation_id"], data["token"]

    yield SimpleNamespace(
        a=world.a, b=world.b, key_a=key_a, key_b=key_b, start=start, scheduled=scheduled, started=started
    )
    for schema, conversation_id in started:
        with schema_context(schema):
            guest_ids = list(Conversation.objects.filter(pk=conversation_id).values_list("guest_id", flat=True))
            Guest.objects.filter(pk__in=guest_ids).delete()
    WidgetKey.objects.filter(pk__in=[key_a.pk, key_b.pk]).delete()
    connection.set_schema_to_public()


def _messages(schema: str, conversation_id: int) -> list[str]:
    with schema_context(schema):
        return list(
            Message.objects.filter(conversation_id=conversation_id).order_by("id").values_list("content", flat=True)
        )


def _ids(schema: str, conversation_id: int) -> list[int]:
    with schema_context(schema):
        return list(Message.objects.filter(conversation_id=conversation_id).order_by("id").values_list("id", flat=True))


def _broker_down(task: str, *, args: list[int], ignore_result: bool) -> None:
    raise RedisConnectionError("the broker went away")


def _request(conversation_id: int, token: str, body: dict | bytes, origin: str = ORIGIN_A) -> tuple[str, bytes, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Host": "localhost", "Origin": origin, "Content-Type": "application/json", "X-Guest-Token": token}
    return f"/api/v1/conversations/{conversation_id}/messages", raw, headers


def _same_answer(fast_answer: Any, view_answer: Any) -> None:
    assert fast_answer.status == view_answer.status
    assert fast_answer.fallback == []  # answered by the lean path, not passed to Django
    fast_body, view_body = json.loads(fast_answer.body), json.loads(view_answer.body)
    if "message" in view_body:  # two stored messages: their ids, times and texts differ, nothing else
        for body in (fast_body, view_body):
            body["message"] = {k: v for k, v in body["message"].items() if k not in ("id", "created_at", "content")}
    if "token" in view_body:  # two started conversations: their ids and tokens differ, nothing else
        for body in (fast_body, view_body):
            for name in ("conversation_id", "token", "websocket"):
                body[name] = bool(body.pop(name))
    assert fast_body == view_body
    view_headers = {k: v for k, v in view_answer.headers.items() if k not in VARYING}
    fast_headers = {k: v for k, v in fast_answer.headers.items() if k not in VARYING}
    assert fast_headers == view_headers
    assert len(fast_answer.headers["x-request-id"]) == 32
    assert int(fast_answer.headers["content-length"]) == len(fast_answer.body)


def test_a_guest_message_is_stored_and_its_turn_scheduled_as_by_the_view(widget) -> None:
    conversation_id, token = widget.start(widget.key_a, ORIGIN_A)
    fast_answer = _fast(*_request(conversation_id, token, {"text": "Breakfast? ", "client_id": "c-1"}))
    view_answer = _django(*_request(conversation_id, token, {"text": "Parking? ", "client_id": "c-2"}))
    assert fast_answer.status == 202
    assert json.loads(fast_answer.body)["message"]["content"] == "Breakfast?"
    _same_answer(fast_answer, view_answer)
    assert _messages("alpha", conversation_id) == ["Breakfast?", "Parking?"]
    assert [(schema, cid) for schema, cid, _ in widget.scheduled] == [("alpha", conversation_id)] * 2
    # A retried send (same client id) is stored once, through either door; unanswered, its turn is sent again
    # (the first's may have failed): the newest pending message's, which answers both (engine.run_turn).
    again = _fast(*_request(conversation_id, token, {"text": "Breakfast? ", "client_id": "c-1"}))
    assert again.status == 202 and json.loads(again.body)["duplicate"] is True
    _same_answer(again, _django(*_request(conversation_id, token, {"text": "Breakfast? ", "client_id": "c-1"})))
    assert _messages("alpha", conversation_id) == ["Breakfast?", "Parking?"]
    parking = widget.scheduled[1]
    assert widget.scheduled[2:] == [parking, parking]


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "   "},
        {"text": "x" * 2001},
        {"text": 5},
        {"text": "hi", "client_id": "c" * 65},
        {"text": "hi", "client_id": 7},
        b"not json",
        b"[1, 2]",
        b'{"text": "a\\u0000b"}',
        b'{"text": "\\ud800"}',
        b'{"text": "caf\xc3"}',  # not UTF-8
        b"\xff\xfe{}",
    ],
)
def test_bad_input_gets_the_views_400_and_stores_nothing(widget, body) -> None:
    conversation_id, token = widget.start(widget.key_a, ORIGIN_A)
    fast_answer = _fast(*_request(conversation_id, token, body))
    assert fast_answer.status == 400 and json.loads(fast_answer.body)["error"]
    _same_answer(fast_answer, _django(*_request(conversation_id, token, body)))
    assert _messages("alpha", conversation_id) == [] and widget.scheduled == []


def test_the_message_is_committed_before_its_turn_is_sent_and_a_failed_send_is_a_500(widget, monkeypatch) -> None:
    conversation_id, token = widget.start(widget.key_a, ORIGIN_A)
    seen_when_sent: list[list[str]] = []

    def publish(task: str, *, args: list[int], ignore_result: bool) -> None:
        # Read on another connection (a thread of its own): only a committed row is there.
        reader = threading.Thread(target=lambda: seen_when_sent.append(_messages("alpha", conversation_id)))
        reader.start()
        reader.join()
        raise RedisConnectionError("the broker went away")

    monkeypatch.setattr(turns, "schedule", SCHEDULE)  # the real one, down to the broker's LPUSH
    monkeypatch.setattr(turns, "publish", publish)
    answer = _fast(*_request(conversation_id, token, {"text": "Late checkout?", "client_id": "c-1"}))
    assert seen_when_sent == [["Late checkout?"]]
    # Our failure: a 5xx the widget shows as "try again"; the guest's words are kept, and the turn of their
    # next message answers this one too (engine._unanswered_guest_messages).
    assert answer.status == 500 and json.loads(answer.body) == {"error": "Server error; try again."}
    assert _messages("alpha", conversation_id) == ["Late checkout?"]


def test_a_retry_after_a_failed_send_gets_the_turn_sent_and_the_guest_one_answer(widget, monkeypatch) -> None:
    conversation_id, token = widget.start(widget.key_a, ORIGIN_A)
    request = _request(conversation_id, token, {"text": "Late checkout?", "client_id": "c-1"})
    monkeypatch.setattr(turns, "schedule", SCHEDULE)
    monkeypatch.setattr(turns, "publish", _broker_down)
    assert _fast(*request).status == 500
    sent: list[list[int]] = []
    monkeypatch.setattr(turns, "publish", lambda task, *, args, ignore_result: sent.append(args))
    # The widget's "try again" (same client id), and a second retry racing the first's turn: two turns sent.
    for _ in range(2):
        again = _fast(*request)
        assert again.status == 202 and json.loads(again.body)["duplicate"] is True
    [message_id] = _ids("alpha", conversation_id)
    assert sent == [[conversation_id, message_id]] * 2
    with schema_context("alpha"):
        replies = [engine.run_turn(conversation_id, message_id) for _ in sent]
    # Under the conversation's lock the second turn finds the message answered: one reply, never two.
    assert replies[0] is not None and replies[1] is None
    assert len(_messages("alpha", conversation_id)) == 2
    # Answered: a late retry sends nothing more.
    assert _fast(*request).status == 202
    assert len(sent) == 2


def test_a_retry_while_staff_hold_the_conversation_sends_no_turn(widget, monkeypatch) -> None:
    conversation_id, token = widget.start(widget.key_a, ORIGIN_A)
    request = _request(conversation_id, token, {"text": "Hello?", "client_id": "c-1"})
    monkeypatch.setattr(turns, "notify_staff", lambda *args: None)
    with schema_context("alpha"):
        Conversation.objects.filter(pk=conversation_id).update(ai_mode=AiMode.STAFF)
    assert _fast(*request).status == 202 and _fast(*request).status == 202
    assert widget.scheduled == []


def test_property_bs_retry_never_sends_as_turn(widget) -> None:
    a_conversation, a_token = widget.start(widget.key_a, ORIGIN_A)
    b_conversation, b_token = widget.start(widget.key_b, ORIGIN_B)
    assert _fast(*_request(a_conversation, a_token, {"text": "A's", "client_id": "c-1"})).status == 202
    b_request = _request(b_conversation, b_token, {"text": "B's", "client_id": "c-1"}, origin=ORIGIN_B)
    assert _fast(*b_request).status == 202
    del widget.scheduled[:]
    assert _fast(*b_request).status == 202  # B's retry, with the client id A used too
    assert widget.scheduled == [("bravo", b_conversation, _ids("bravo", b_conversation)[0])]


def test_tokens_keys_and_origins_are_refused_as_by_the_view(widget) -> None:
    x, token_x = widget.start(widget.key_a, ORIGIN_A)
    y, _ = widget.start(widget.key_a, ORIGIN_A)
    forged = token_x[:-3] + ("aaa" if not token_x.endswith("aaa") else "bbb")
    cases = [
        (x, "", ORIGIN_A, 401),
        (x, forged, ORIGIN_A, 401),
        (y, token_x, ORIGIN_A, 404),  # another guest's conversation is never confirmed
        (x, token_x, "https://evil.example", 403),
        (x, token_x, "", 403),
    ]
    for conversation_id, token, origin, status in cases:
        request = _request(conversation_id, token, {"text": "hello"}, origin=origin)
        fast_answer = _fast(*request)
        assert fast_answer.status == status, (conversation_id, origin, fast_answer.body)
        _same_answer(fast_answer, _django(*request))
    WidgetKey.objects.filter(pk=widget.key_a.pk).update(is_active=False)
    request = _request(x, token_x, {"text": "hello"})
    _same_answer(_fast(*request), _django(*request))
    assert _fast(*request).status == 403
    assert _messages("alpha", x) == [] and _messages("alpha", y) == [] and widget.scheduled == []


def test_property_bs_widget_key_cannot_post_into_as_conversation(widget) -> None:
    a_conversation, _ = widget.start(widget.key_a, ORIGIN_A)
    b_conversation, b_token = widget.start(widget.key_b, ORIGIN_B)
    # B's own token names B's conversation: on A's conversation id it is a 404 (unless the ids coincide,
    # in which case it still writes only into B's schema, never A's).
    if a_conversation != b_conversation:
        assert _fast(*_request(a_conversation, b_token, {"text": "into A?"}, origin=ORIGIN_B)).status == 404
    # A grant naming A's schema and conversation with B's key (as if forged) is refused by the key check,
    crossed = tokens.issue(tokens.GuestGrant("alpha", a_conversation, widget.key_b.pk))
    for origin in (ORIGIN_A, ORIGIN_B):
        answer = _fast(*_request(a_conversation, crossed, {"text": "into A?"}, origin=origin))
        assert answer.status == 403 and b"into A?" not in answer.body
    # and so is B's key with a grant naming B's schema but A's conversation id from A's site.
    wrong_site = _fast(*_request(b_conversation, b_token, {"text": "from A's site"}, origin=ORIGIN_A))
    assert wrong_site.status == 403
    assert _messages("alpha", a_conversation) == []
    assert _messages("bravo", b_conversation) == []
    assert widget.scheduled == []


def test_the_throttle_answers_429_with_retry_after_and_cors(widget, settings) -> None:
    settings.WIDGET_RATE_PER_CONVERSATION = 2
    conversation_id, token = widget.start(widget.key_a, ORIGIN_A)
    statuses = [_fast(*_request(conversation_id, token, {"text": f"q{i}"})).status for i in range(2)]
    refused = _fast(*_request(conversation_id, token, {"text": "q3"}))
    assert statuses == [202, 202] and refused.status == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["access-control-allow-origin"] == ORIGIN_A
    assert refused.headers["access-control-expose-headers"] == "Retry-After"
    _same_answer(refused, _django(*_request(conversation_id, token, {"text": "q4"})))
    assert _messages("alpha", conversation_id) == ["q0", "q1"]


def test_what_the_middleware_would_treat_differently_goes_to_django(widget) -> None:
    conversation_id, token = widget.start(widget.key_a, ORIGIN_A)
    path, body, headers = _request(conversation_id, token, {"text": "hello"})
    passed = [
        _fast(path, body, headers, query=b"x=1"),  # the input boundary checks query strings
        _fast(path, body, {**headers, "Host": "alpha.localhost"}),  # a property's host: no widget API there
        _fast(path, body, {**headers, "Host": "nosuch.localhost"}),  # no such property: 404
        _fast(path, body, {**headers, "Host": "evil.example"}),  # not an allowed host
        _fast(path + "/", body, headers),
        _fast(path, json.dumps({"text": "x" * 20_000}).encode(), headers),  # over the body limit
    ]
    for answer in passed:
        assert answer.status == 299 and len(answer.fallback) == 1
    # Django reads the body whole, including what the lean path read before handing it over.
    assert passed[-1].fallback[0][2] == json.dumps({"text": "x" * 20_000}).encode()
    assert _messages("alpha", conversation_id) == []


def test_the_host_check_is_cached_per_host(widget, lean) -> None:
    conversation_id, token = widget.start(widget.key_a, ORIGIN_A)
    app = lean
    app.clear_cache()
    path, body, headers = _request(conversation_id, token, {"text": "first"})
    assert _fast(path, body, headers, app=app).status == 202
    assert app._hosts == {"localhost": (app._hosts["localhost"][0], True)}
    assert _fast(path, body, {**headers, "Host": "alpha.localhost"}, app=app).status == 299
    assert app._hosts["alpha.localhost"][1] is False


def _start_request(key: WidgetKey, body: dict | bytes | None = None, origin: str = ORIGIN_A) -> tuple[str, bytes, dict]:
    payload = {"key": key.public_key, "consent": True, "consent_text": NOTICE} if body is None else body
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return "/api/v1/conversations", raw, {"Host": "localhost", "Origin": origin, "Content-Type": "application/json"}


def _conversations(schema: str) -> set[int]:
    with schema_context(schema):
        return set(Conversation.objects.values_list("pk", flat=True))


def _started(widget: Any, schema: str, answer: Any) -> int:
    conversation_id = json.loads(answer.body)["conversation_id"]
    widget.started.append((schema, conversation_id))  # the fixture deletes it after
    return conversation_id


def test_a_conversation_is_started_as_by_the_view_and_its_token_posts(widget) -> None:
    fast_answer = _fast(*_start_request(widget.key_a))
    view_answer = _django(*_start_request(widget.key_a))
    assert fast_answer.status == 201
    conversation_id = _started(widget, "alpha", fast_answer)
    _started(widget, "alpha", view_answer)
    _same_answer(fast_answer, view_answer)
    data = json.loads(fast_answer.body)
    assert data["property"] == widget.a.name and data["websocket"] == f"/ws/guest/{conversation_id}/"
    with schema_context("alpha"):
        conversation = Conversation.objects.select_related("guest").get(pk=conversation_id)
        assert conversation.guest.consent_text == NOTICE and conversation.channel == "web"
    assert _fast(*_request(conversation_id, data["token"], {"text": "Hello"})).status == 202
    assert _messages("alpha", conversation_id) == ["Hello"]


KEY = "the widget key of property A"  # put in by the test


@pytest.mark.parametrize(
    "body",
    [
        {"consent": True, "consent_text": NOTICE},  # no key
        {"key": "nosuchkey", "consent": True, "consent_text": NOTICE},
        {"key": KEY, "consent": False, "consent_text": NOTICE},
        {"key": KEY, "consent": True, "consent_text": "  "},
        {"key": KEY, "consent": "yes", "consent_text": NOTICE},
        b"not json",
        b"[1]",
        b'{"consent": true, "consent_text": "a\\u0000b"}',
    ],
)
def test_a_refused_start_gets_the_views_answer_and_stores_nothing(widget, body) -> None:
    if isinstance(body, dict) and body.get("key") == KEY:
        body = {**body, "key": widget.key_a.public_key}
    before = _conversations("alpha")
    fast_answer = _fast(*_start_request(widget.key_a, body))
    assert fast_answer.status in (400, 403) and json.loads(fast_answer.body)["error"]
    _same_answer(fast_answer, _django(*_start_request(widget.key_a, body)))
    assert _conversations("alpha") == before


def test_property_bs_widget_key_starts_only_in_bs_schema_and_as_key_only_from_as_site(widget) -> None:
    before_a, before_b = _conversations("alpha"), _conversations("bravo")
    answer = _fast(*_start_request(widget.key_b, origin=ORIGIN_B))
    assert answer.status == 201
    b_conversation = _started(widget, "bravo", answer)
    assert json.loads(answer.body)["property"] == widget.b.name
    assert _conversations("bravo") == before_b | {b_conversation} and _conversations("alpha") == before_a
    for key, origin in ((widget.key_a, ORIGIN_B), (widget.key_b, ORIGIN_A)):  # a key from the other's site
        refused = _fast(*_start_request(key, origin=origin))
        assert refused.status == 403
        _same_answer(refused, _django(*_start_request(key, origin=origin)))
    assert _conversations("alpha") == before_a and _conversations("bravo") == before_b | {b_conversation}
