"""The widget's public API: keys, origins, guest tokens, throttles, and property isolation."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from conversations.models import Conversation, Guest, Message, MessageRole
from conversations.widget import throttle, tokens
from core.redis import get_redis
from properties.models import WidgetKey
from properties.services import rotate_widget_key
from testsupport.counting import redis_gets

pytestmark = pytest.mark.django_db

ORIGIN_A = "https://alpha-hotel.example"
ORIGIN_B = "https://bravo-hotel.example"
NOTICE = "We store this chat to answer you. Privacy policy: https://alpha-hotel.example/privacy"


@pytest.fixture
def keys(world):
    key_a = WidgetKey.objects.create(property=world.a, allowed_origins=[ORIGIN_A])
    key_b = WidgetKey.objects.create(property=world.b, allowed_origins=[ORIGIN_B])
    return key_a, key_b


def api(origin: str = ORIGIN_A) -> Client:
    return Client(HTTP_HOST="localhost", HTTP_ORIGIN=origin)


def start(key: WidgetKey, origin: str = ORIGIN_A, **body):
    payload = {"key": key.public_key, "consent": True, "consent_text": NOTICE, **body}
    return api(origin).post("/api/v1/conversations", json.dumps(payload), content_type="application/json")


def post(conversation_id: int, token: str, text: str, origin: str = ORIGIN_A, client_id: str = ""):
    return api(origin).post(
        f"/api/v1/conversations/{conversation_id}/messages",
        json.dumps({"text": text, "client_id": client_id}),
        content_type="application/json",
        HTTP_X_GUEST_TOKEN=token,
    )


def read(conversation_id: int, token: str, origin: str = ORIGIN_A):
    return api(origin).get(f"/api/v1/conversations/{conversation_id}", HTTP_X_GUEST_TOKEN=token)


def test_starting_a_conversation_records_consent_and_returns_a_guest_token(world, keys) -> None:
    response = start(keys[0], language="ms")
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Access-Control-Allow-Origin"] == ORIGIN_A
    grant = tokens.verify(body["token"])
    assert grant == tokens.GuestGrant("alpha", body["conversation_id"], keys[0].pk)
    with schema_context("alpha"):
        conversation = Conversation.objects.select_related("guest").get(pk=body["conversation_id"])
        assert conversation.channel == "web"
        assert conversation.guest.consent_text == NOTICE and conversation.guest.consent_given_at is not None
        assert conversation.guest.language == "ms"


def test_no_conversation_starts_without_the_accepted_privacy_notice(world, keys) -> None:
    with schema_context("alpha"):
        before = Guest.objects.count()
    response = start(keys[0], consent=False)
    assert response.status_code == 400
    assert "privacy notice" in response.json()["error"]
    with schema_context("alpha"):
        assert Guest.objects.count() == before


def test_an_origin_that_is_not_allowed_is_refused(world, keys) -> None:
    response = start(keys[0], origin="https://evil.example")
    assert response.status_code == 403
    assert "origin" in response.json()["error"]
    assert "Access-Control-Allow-Origin" not in response
    assert start(keys[0], origin="").status_code == 403  # no Origin header at all


@pytest.mark.parametrize("state", ["unknown", "inactive", "expired"])
def test_an_unknown_inactive_or_expired_key_is_refused(world, keys, state: str) -> None:
    key = keys[0]
    if state == "unknown":
        key = WidgetKey(public_key="pk_does_not_exist")
    elif state == "inactive":
        WidgetKey.objects.filter(pk=key.pk).update(is_active=False)
    else:
        WidgetKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert start(key).status_code == 403


def test_a_guest_posts_a_message_and_reads_the_conversation_back(world, keys) -> None:
    body = start(keys[0]).json()
    response = post(body["conversation_id"], body["token"], "What time is breakfast?", client_id="c-1")
    assert response.status_code == 202
    assert response.json()["message"]["content"] == "What time is breakfast?"
    again = post(body["conversation_id"], body["token"], "What time is breakfast?", client_id="c-1")
    assert again.status_code == 202 and again.json()["duplicate"] is True  # a retried send is stored once
    detail = read(body["conversation_id"], body["token"])
    assert detail.status_code == 200
    assert [m["content"] for m in detail.json()["messages"]] == ["What time is breakfast?"]
    with schema_context("alpha"):
        assert Message.objects.filter(conversation_id=body["conversation_id"], role=MessageRole.GUEST).count() == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"text": ""}, "non-empty"),
        ({"text": "x" * 2001}, "longer than"),
        ({"text": 5}, "non-empty"),
        ({"text": "hi", "client_id": "c" * 65}, "client_id"),
    ],
)
def test_bad_messages_get_a_clear_400_and_store_nothing(world, keys, body: dict, reason: str) -> None:
    started = start(keys[0]).json()
    response = api().post(
        f"/api/v1/conversations/{started['conversation_id']}/messages",
        json.dumps(body),
        content_type="application/json",
        HTTP_X_GUEST_TOKEN=started["token"],
    )
    assert response.status_code == 400 and reason in response.json()["error"]
    with schema_context("alpha"):
        assert not Message.objects.filter(conversation_id=started["conversation_id"]).exists()


def test_a_body_that_is_not_json_is_a_400(world, keys) -> None:
    response = api().post("/api/v1/conversations", "not json", content_type="application/json")
    assert response.status_code == 400


def test_a_guest_token_of_one_conversation_gets_404_on_another(world, keys) -> None:
    x = start(keys[0]).json()
    y = start(keys[0]).json()
    assert read(y["conversation_id"], x["token"]).status_code == 404
    assert post(y["conversation_id"], x["token"], "hello").status_code == 404
    with schema_context("alpha"):
        assert not Message.objects.filter(conversation_id=y["conversation_id"]).exists()


def test_missing_or_forged_tokens_get_401(world, keys) -> None:
    x = start(keys[0]).json()
    assert read(x["conversation_id"], "").status_code == 401
    forged = x["token"][:-3] + ("aaa" if not x["token"].endswith("aaa") else "bbb")
    assert read(x["conversation_id"], forged).status_code == 401


def test_a_widget_key_of_a_cannot_start_or_read_conversations_of_b(world, keys) -> None:
    key_a, key_b = keys
    with schema_context("bravo"):
        before_b = Conversation.objects.count()
    a = start(key_a).json()
    with schema_context("bravo"):
        assert Conversation.objects.count() == before_b  # A's key only ever creates in A's schema
    b = start(key_b, origin=ORIGIN_B).json()
    post(b["conversation_id"], b["token"], "Bravo's private question", origin=ORIGIN_B, client_id="b1")
    # A's guest token on B's conversation id: 404 (or, if the ids coincide, A's own conversation).
    if a["conversation_id"] != b["conversation_id"]:
        assert read(b["conversation_id"], a["token"]).status_code == 404
    # A grant naming B's schema with A's key (as if forged) is refused by the key check.
    crossed = tokens.issue(tokens.GuestGrant("bravo", b["conversation_id"], key_a.pk))
    response = read(b["conversation_id"], crossed)
    assert response.status_code == 403
    assert "Bravo's private question" not in response.content.decode()
    # B's own token from A's website origin is refused too.
    assert read(b["conversation_id"], b["token"], origin=ORIGIN_A).status_code == 403


def test_requests_over_the_per_conversation_limit_get_429_with_retry_after(world, keys, settings) -> None:
    settings.WIDGET_RATE_PER_CONVERSATION = 3
    x = start(keys[0]).json()
    statuses = [read(x["conversation_id"], x["token"]).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = read(x["conversation_id"], x["token"])
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["Access-Control-Allow-Origin"] == ORIGIN_A  # so the widget can read it and back off


def test_requests_over_the_per_key_limit_get_429(world, keys, settings) -> None:
    settings.WIDGET_RATE_PER_KEY = 2
    settings.WIDGET_KEY_CEILING_GROWTH = 0  # the floor alone, whatever the minute before saw
    assert [start(keys[0]).status_code for _ in range(3)] == [201, 201, 429]
    assert start(keys[1], origin=ORIGIN_B).status_code == 201  # B's key has its own budget


def test_a_cors_preflight_is_answered(world) -> None:
    response = api().options("/api/v1/conversations/1/messages", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert response.status_code == 204
    assert "X-Guest-Token" in response["Access-Control-Allow-Headers"]


def test_the_widget_script_is_served_small_and_self_contained(world) -> None:
    response = Client(HTTP_HOST="localhost").get("/widget.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")
    source = response.content
    assert len(source) < 50 * 1024
    import gzip

    assert len(gzip.compress(source)) <= 15 * 1024
    # No external requests: the only URLs it builds come from its own <script src>.
    assert b"http://" not in source and b"https://" not in source


def test_the_demo_page_embeds_the_widget_with_the_propertys_first_key(world, keys) -> None:
    second = WidgetKey.objects.create(property=world.a, allowed_origins=[ORIGIN_A])
    page = Client(HTTP_HOST="alpha.localhost").get("/widget-demo/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-key="{keys[0].public_key}"' in html and second.public_key not in html
    assert keys[1].public_key not in html
    assert 'src="http://localhost/widget.js"' in html
    # Rotated, the first key keeps working a day: the page shows the first key that has no end, not the one about to
    # stop (a manager copied its embed code, and the chat left their website the next day).
    rotate_widget_key(keys[0])
    html = Client(HTTP_HOST="alpha.localhost").get("/widget-demo/").content.decode()
    assert f'data-key="{second.public_key}"' in html and keys[0].public_key not in html


def start_as(key: WidgetKey, ip: str, browser: str = ""):
    payload = {"key": key.public_key, "consent": True, "consent_text": NOTICE}
    headers = {"HTTP_X_WIDGET_CLIENT": browser} if browser else {}
    client = Client(HTTP_HOST="localhost", HTTP_ORIGIN=ORIGIN_A, REMOTE_ADDR=ip)
    return client.post("/api/v1/conversations", json.dumps(payload), content_type="application/json", **headers)


def test_a_throttled_client_never_blocks_other_guests(world, keys, settings) -> None:
    settings.WIDGET_RATE_PER_CLIENT = 3  # refills one every 20 s
    settings.WIDGET_RATE_PER_KEY = 8  # the key's ceiling, low: the flood's refused requests alone would exceed it
    settings.WIDGET_KEY_CEILING_GROWTH = 0
    flood = [start_as(keys[0], "203.0.113.9", "attacker").status_code for _ in range(12)]
    assert flood[:3] == [201] * 3 and flood.count(429) >= 8 and set(flood) == {201, 429}
    # Other guests: another browser behind the same IP, and guests elsewhere, all still get in.
    assert start_as(keys[0], "203.0.113.9", "neighbour").status_code == 201
    assert [start_as(keys[0], f"198.51.100.{n}", f"guest{n}").status_code for n in (1, 2)] == [201, 201]


def test_one_ip_inventing_browser_ids_is_throttled_per_ip_and_others_are_not(world, keys, settings) -> None:
    settings.WIDGET_RATE_PER_IP = 4  # refills one every 15 s
    statuses = [start_as(keys[0], "203.0.113.7", f"fake{n}").status_code for n in range(8)]
    assert statuses[:4] == [201] * 4 and statuses.count(429) >= 3 and set(statuses) == {201, 429}
    assert start_as(keys[0], "198.51.100.20", "guest").status_code == 201


def test_the_keys_ceiling_grows_with_last_minutes_traffic(world, keys, settings) -> None:
    settings.WIDGET_RATE_PER_KEY = 10
    settings.WIDGET_KEY_CEILING_GROWTH = 3
    assert throttle.key_ceiling(keys[0].pk) == 10
    minute = int(time.time() // 60)
    get_redis().set(throttle.traffic_key(keys[0].pk, minute - 1), 100, ex=120)
    assert throttle.key_ceiling(keys[0].pk, now=minute * 60 + 1) == 300


def test_the_keys_last_minute_is_read_once_a_minute_once_it_has_settled(world, keys, settings, monkeypatch) -> None:
    settings.WIDGET_RATE_PER_KEY = 10
    settings.WIDGET_KEY_CEILING_GROWTH = 3
    minute = int(time.time() // 60) + 10  # a minute no other test has read
    client = get_redis()
    gets = redis_gets(monkeypatch, throttle)
    client.set(throttle.traffic_key(keys[0].pk, minute - 1), 20, ex=120)
    # In the minute's first seconds a request of the minute before may still be counting: read every time.
    assert [throttle.key_ceiling(keys[0].pk, now=minute * 60 + 1) for _ in range(2)] == [60, 60]
    assert len(gets) == 2
    client.set(throttle.traffic_key(keys[0].pk, minute - 1), 100, ex=120)  # a late count, seen
    settled = [throttle.key_ceiling(keys[0].pk, now=minute * 60 + s) for s in (6, 20, 59)]
    assert settled == [300, 300, 300] and len(gets) == 3  # then one read for the rest of the minute
    assert throttle.key_ceiling(keys[1].pk, now=minute * 60 + 7) == 10 and len(gets) == 4  # each key its own
    client.set(throttle.traffic_key(keys[0].pk, minute), 7, ex=120)
    assert throttle.key_ceiling(keys[0].pk, now=minute * 60 + 66) == 21 and len(gets) == 5  # the next minute
