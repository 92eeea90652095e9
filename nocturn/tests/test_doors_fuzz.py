"""Hypothesis over the doors the OpenAPI schema does not describe: the widget, both webhooks, signed events.

Every string may carry a NUL, a lone surrogate (sent as a JSON escape, the only way one reaches
us) or any other character, in any field, at any depth; bodies may be any JSON value. Webhooks and
events are signed with the real secrets, so the fuzzer gets past the signature to the parsing and
storing behind it. The property: never a 5xx. FUZZ_MAX_EXAMPLES examples per door (5 in
`make test`, 200 in `make fuzz`).
"""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from conversations.pipeline import routing
from integrations import signing
from integrations.services import credentials
from properties.models import EmailBinding, WhatsAppBinding, WidgetKey
from testsupport.payloads import sendgrid_raw_post, whatsapp_body, whatsapp_signed_headers

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "5"))
FUZZ = hypothesis_settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
)
ORIGIN = "https://alpha-fuzz.example"
SECRET = "fuzz-app-secret"
EMAIL_AUTH = "sendgrid:fuzz-secret"
NUMBER = "880000000099"
ADDRESS = "stay@alpha-fuzz.example"

# Any character (surrogates and NUL included), with the hostile ones made likely.
hostile_text = st.one_of(
    st.text(st.characters(), max_size=24),
    st.sampled_from(["\x00", "\ud800", "\udfff", "a\x00b", "\ud83d", "\ufeff", "\u202e", "%00"]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | hostile_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(hostile_text, children, max_size=4),
    max_leaves=16,
)


def encoded(value: Any) -> bytes:
    return json.dumps(value).encode()  # ensure_ascii: a lone surrogate travels as its escape, as an attacker sends it


def assert_no_server_error(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:300])


@pytest.fixture
def doors(world, settings):
    settings.WHATSAPP_APP_SECRET = SECRET
    settings.INBOUND_EMAIL_WEBHOOK_SECRET = [EMAIL_AUTH]
    # Throttles would answer 429 before the parsing the fuzzer is here to reach.
    for name in ("WIDGET_RATE_PER_CLIENT", "WIDGET_RATE_PER_IP", "WIDGET_RATE_PER_CONVERSATION", "WIDGET_RATE_PER_KEY"):
        setattr(settings, name, 1_000_000)
    settings.WIDGET_VISITS_PER_IP = 1_000_000
    routing.clear_cache()
    WhatsAppBinding.objects.create(property=world.a, phone_number_id=NUMBER, display_phone_number="1")
    EmailBinding.objects.create(property=world.a, address=ADDRESS)
    key = WidgetKey.objects.create(property=world.a, allowed_origins=[ORIGIN])
    issued = credentials.create(world.a, label="Fuzz PMS")
    yield key, issued.secret
    routing.clear_cache()


# One client per door: each new Client builds the middleware chain again (whitenoise scans the static files).
WIDGET = Client(HTTP_HOST="localhost", HTTP_ORIGIN=ORIGIN)
PUBLIC = Client(HTTP_HOST="localhost")


def widget() -> Client:
    return WIDGET


def test_the_widget_doors_never_answer_5xx(doors) -> None:
    key, _ = doors
    start = (
        widget()
        .post(
            "/api/v1/conversations",
            encoded({"key": key.public_key, "consent": True, "consent_text": "ok"}),
            content_type="application/json",
        )
        .json()
    )

    @FUZZ
    @given(
        body=json_values,
        fields=st.dictionaries(st.sampled_from(["key", "consent", "consent_text", "language", "text", "client_id",
                                                "visitor_id"]), json_values, max_size=5),
    )  # fmt: skip
    def run(body: Any, fields: dict[str, Any]) -> None:
        shaped = {"key": key.public_key, "consent": True, "consent_text": "ok", "text": "hi", **fields}
        for payload in (encoded(body), encoded(shaped)):
            assert_no_server_error(widget().post("/api/v1/conversations", payload, content_type="application/json"))
            assert_no_server_error(widget().post("/api/v1/widget/visits", payload, content_type="application/json"))
            assert_no_server_error(
                widget().post(
                    f"/api/v1/conversations/{start['conversation_id']}/messages",
                    payload,
                    content_type="application/json",
                    HTTP_X_GUEST_TOKEN=start["token"],
                )
            )

    run()


def test_the_whatsapp_webhook_never_answers_5xx_to_a_signed_body(doors) -> None:
    @FUZZ
    @given(body=json_values, text=hostile_text, name=hostile_text, kind=hostile_text)
    def run(body: Any, text: str, name: str, kind: str) -> None:
        message = {"from": "60123000009", "id": f"wamid.FUZZ{time.time_ns()}", "timestamp": "1764410400",
                   "type": "text", "text": {"body": text}}  # fmt: skip
        shaped = whatsapp_body(NUMBER, messages=[message], contacts=[{"profile": {"name": name}, "wa_id": kind}])
        for raw in (encoded(body), shaped, shaped.replace(b'"text"', json.dumps(kind).encode(), 1)):
            headers = {k: v for k, v in whatsapp_signed_headers(raw, SECRET).items() if k != "Content-Type"}
            response = PUBLIC.post("/api/v1/webhook/whatsapp", raw, content_type="application/json", headers=headers)
            assert_no_server_error(response)

    run()


def test_the_email_webhook_never_answers_5xx(doors) -> None:
    auth = {"Authorization": "Basic " + base64.b64encode(EMAIL_AUTH.encode()).decode()}

    @FUZZ
    @given(
        subject=hostile_text.filter(lambda s: not any("\ud800" <= c <= "\udfff" for c in s)),
        text=hostile_text.filter(lambda s: not any("\ud800" <= c <= "\udfff" for c in s)),
        envelope=json_values,
        raw=st.binary(max_size=200),
    )
    def run(subject: str, text: str, envelope: Any, raw: bytes) -> None:
        # A mail is bytes: a lone surrogate cannot be in one, a NUL or any other byte can.
        # A header cannot hold a line break: the mail could not even be built (not a request we could get).
        printable_subject = "".join(c for c in subject if c.isprintable())
        post = sendgrid_raw_post("guest@example.com", ADDRESS, printable_subject, text)
        post["envelope"] = json.dumps(envelope)
        for fields in (post, {**post, "email": raw.decode("latin-1")}):
            response = PUBLIC.post("/api/v1/webhook/email", fields, headers=auth)
            assert_no_server_error(response)

    run()


def test_signed_events_never_answer_5xx(world, doors) -> None:
    _, secret = doors

    @FUZZ
    @given(body=json_values, guest=json_values, kind=hostile_text)
    def run(body: Any, guest: Any, kind: str) -> None:
        shaped = {"id": f"evt-{time.time_ns()}", "type": kind, "guest": guest, "order": {"reference": kind}}
        for raw in (encoded(body), encoded(shaped)):
            header = signing.header_value(secret, int(time.time()), raw)
            response = PUBLIC.post(
                f"/api/v1/integrations/{world.a.slug}/events", raw, content_type="application/json",
                headers={signing.HEADER: header},
            )  # fmt: skip
            assert_no_server_error(response)

    run()
