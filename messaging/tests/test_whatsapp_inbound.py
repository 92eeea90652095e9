"""Webhook authentication and the parser's guarantees beyond the contract fixtures."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from pathlib import Path
from typing import Any

import pytest
from django.http import QueryDict

from messaging.whatsapp import (
    InboundMessage,
    MalformedPayload,
    Unroutable,
    parse_webhook,
    sign,
    to_e164,
    verify_signature,
    verify_subscription,
)

FIXTURES = Path(__file__).parent / "fixtures" / "whatsapp"
SECRET = "app-secret-0123456789abcdef"
BODY = (FIXTURES / "text.payload.json").read_bytes()


def meta_signature(body: bytes, secret: str = SECRET) -> str:
    # Computed here independently of `sign`, the way Meta documents it.
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class TestSignature:
    def test_it_accepts_meta_s_signature_of_the_raw_body(self) -> None:
        assert verify_signature(BODY, meta_signature(BODY), SECRET)
        assert sign(BODY, SECRET) == meta_signature(BODY)

    def test_it_accepts_an_upper_case_hex_digest(self) -> None:
        header = meta_signature(BODY)
        assert verify_signature(BODY, "sha256=" + header[7:].upper(), SECRET)

    def test_it_rejects_a_signature_made_with_another_secret(self) -> None:
        assert not verify_signature(BODY, meta_signature(BODY, "another-secret"), SECRET)

    def test_it_rejects_a_body_changed_after_signing(self) -> None:
        # Re-serialising the JSON (as a framework might) changes the bytes: only the raw body verifies.
        reserialised = json.dumps(json.loads(BODY)).encode()
        assert reserialised != BODY
        assert not verify_signature(reserialised, meta_signature(BODY), SECRET)

    @pytest.mark.parametrize(
        "header",
        [None, "", "sha256=", "sha1=" + "0" * 40, "sha256=xyz", "sha256=" + "g" * 64, "sha256=" + "a" * 63, "garbage"],
    )
    def test_it_rejects_a_missing_or_garbled_header(self, header: str | None) -> None:
        assert not verify_signature(BODY, header, SECRET)

    def test_it_rejects_everything_when_no_secret_is_configured(self) -> None:
        assert not verify_signature(BODY, meta_signature(BODY, ""), "")


class TestSubscription:
    def test_it_echoes_the_challenge_for_the_right_token(self) -> None:
        params = QueryDict("hub.mode=subscribe&hub.verify_token=tok-123&hub.challenge=1158201444")
        assert verify_subscription(params, "tok-123") == "1158201444"

    def test_it_accepts_parse_qs_style_lists(self) -> None:
        params = {"hub.mode": ["subscribe"], "hub.verify_token": ["tok-123"], "hub.challenge": ["42"]}
        assert verify_subscription(params, "tok-123") == "42"

    @pytest.mark.parametrize(
        "query",
        [
            "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
            "hub.mode=unsubscribe&hub.verify_token=tok-123&hub.challenge=1",
            "hub.mode=subscribe&hub.verify_token=tok-123",
            "hub.verify_token=tok-123&hub.challenge=1",
            "",
        ],
    )
    def test_it_refuses_anything_else(self, query: str) -> None:
        assert verify_subscription(QueryDict(query), "tok-123") is None

    def test_it_refuses_when_no_token_is_configured(self) -> None:
        assert verify_subscription(QueryDict("hub.mode=subscribe&hub.verify_token=&hub.challenge=1"), "") is None


class TestParser:
    def test_wa_id_becomes_e164_and_the_raw_wa_id_is_kept(self) -> None:
        (event,) = parse_webhook(BODY, {"106540352242922": "alpha"}.get)
        assert isinstance(event, InboundMessage)
        assert event.message.sender_id == "+60123456789"
        assert event.message.extra["wa_id"] == "60123456789"
        assert event.message.property_schema == "alpha"
        assert event.message.timestamp.tzinfo is not None

    @pytest.mark.parametrize(
        ("wa_id", "e164"),
        [("60123456789", "+60123456789"), ("6591234567", "+6591234567"), ("16505551234", "+16505551234")],
    )
    def test_to_e164(self, wa_id: str, e164: str) -> None:
        assert to_e164(wa_id) == e164

    def test_a_number_phonenumbers_cannot_read_keeps_its_digits(self) -> None:
        assert to_e164("999") == "+999"

    def test_the_resolver_is_asked_once_per_change_and_unknown_numbers_are_unroutable(self) -> None:
        asked: list[str] = []

        def resolver(phone_number_id: str) -> str | None:
            asked.append(phone_number_id)
            return None

        events = parse_webhook((FIXTURES / "multi_entry.payload.json").read_bytes(), resolver)
        assert asked == ["106540352242922", "109876543210987", "100000000000001"]
        assert all(isinstance(e, Unroutable) for e in events[:4])

    def test_a_malformed_body_raises_before_the_resolver_sees_a_half_batch(self) -> None:
        asked: list[str] = []
        body = (FIXTURES / "malformed_half_bad_batch.payload.json").read_bytes()
        with pytest.raises(MalformedPayload):
            parse_webhook(body, lambda pid: asked.append(pid) or "alpha")
        # Resolving is harmless (a read), but nothing was returned to store: the batch is refused whole.
        assert asked == ["106540352242922"]


def _mutations(value: Any, rng: random.Random) -> Any:
    """The same structure with random parts replaced by values of the wrong type."""
    junk = [None, 0, -1, 1.5, "", "x", [], {}, [None], {"id": None}, True, "9" * 40]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            roll = rng.random()
            if roll < 0.08:
                continue  # drop the key
            out[key] = rng.choice(junk) if roll < 0.16 else _mutations(item, rng)
        return out
    if isinstance(value, list):
        return [_mutations(item, rng) for item in value]
    return rng.choice(junk) if rng.random() < 0.1 else value


def test_a_mangled_body_gives_events_or_malformed_payload_and_never_another_exception() -> None:
    sources = sorted(FIXTURES.glob("*.payload.json"))
    outcomes = {"events": 0, "malformed": 0}
    for seed in range(400):
        rng = random.Random(seed)
        mangled = _mutations(json.loads(rng.choice(sources).read_text()), rng)
        try:
            events = parse_webhook(json.dumps(mangled).encode(), {"106540352242922": "alpha"}.get)
        except MalformedPayload as exc:
            assert exc.reason, seed
            outcomes["malformed"] += 1
        except Exception as exc:  # the point of the test
            raise AssertionError(f"seed {seed}: {exc!r}") from exc
        else:
            assert isinstance(events, list), seed
            outcomes["events"] += 1
    # Both paths were really exercised, not just the cheap rejection at the top.
    assert outcomes["events"] > 40 and outcomes["malformed"] > 40, outcomes
