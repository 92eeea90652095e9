"""The integration door: signature, replay window, idempotency, validation, isolation, transient failures."""

from __future__ import annotations

import json
import time
from unittest import mock

import pytest
from django.db import OperationalError
from django_tenants.utils import schema_context

from conversations.models import Guest, GuestIdentity
from integrations.models import IntegrationCredential, IntegrationEvent
from integrations.services import credentials
from integrations.tests.conftest import booking_event, encode, post_event


def _counts(schema: str) -> tuple[int, int, int]:
    with schema_context(schema):
        return IntegrationEvent.objects.count(), Guest.objects.count(), GuestIdentity.objects.count()


@pytest.fixture
def queued():
    """The notices queued (the Celery task's apply_async), instead of a broker."""
    with mock.patch("integrations.tasks.notify_guest.apply_async") as apply_async:
        yield apply_async


def test_a_signed_event_is_accepted_and_the_guest_found_or_created(
    world, keys, queued, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(world.a, booking_event("evt-accept"), keys.a.secret)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "accepted" and body["event_id"] == "evt-accept" and body["type"] == "booking.confirmed"
    with schema_context(world.a.schema_name):
        event = IntegrationEvent.objects.get(event_id="evt-accept")
        assert event.key_id == keys.a.credential.key_id
        assert event.guest.phone == "+60123456789" and event.guest.email == "aisyah@example.com"
        assert (
            "phone" not in event.payload["guest"] and "email" not in event.payload["guest"]
        )  # contact on the guest only
        assert {i.channel for i in event.guest.identities.all()} == {"whatsapp", "email"}
    # Queued for the worker once committed, in A's schema; the answer did not wait for it.
    queued.assert_called_once()
    assert queued.call_args.kwargs["args"] == [event.pk]
    assert queued.call_args.kwargs["headers"] == {"_schema_name": world.a.schema_name}


def test_a_replayed_event_changes_nothing_and_gets_the_first_answer(
    world, keys, queued, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = post_event(world.a, booking_event("evt-replay"), keys.a.secret)
    before = _counts(world.a.schema_name)
    # The hotel's system retries, re-serialised (other key order and spacing): the same event.
    reordered = json.dumps(dict(reversed(list(booking_event("evt-replay").items()))), indent=2).encode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = post_event(world.a, reordered, keys.a.secret)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert _counts(world.a.schema_name) == before
    assert callbacks == [] and queued.call_count == 1  # the guest is not notified twice


def test_the_same_event_id_with_a_different_body_is_a_conflict(world, keys, queued) -> None:
    assert post_event(world.a, booking_event("evt-conflict"), keys.a.secret).status_code == 202
    before = _counts(world.a.schema_name)
    changed = booking_event(
        "evt-conflict", booking={"reference": "BK-9", "check_in": "2027-01-01", "check_out": "2027-01-02"}
    )
    response = post_event(world.a, changed, keys.a.secret)
    assert response.status_code == 409
    assert "already used" in response.json()["error"]
    assert _counts(world.a.schema_name) == before


@pytest.mark.parametrize("skew", [-301, 301, -3600, 86400])
def test_a_stale_or_future_timestamp_is_refused(world, keys, queued, skew: int) -> None:
    before = _counts(world.a.schema_name)
    now = int(time.time())
    # Our clock held still: a slow machine must not carry a 301 s skew back inside the window.
    with mock.patch("integrations.api.time.time", return_value=float(now)):
        response = post_event(world.a, booking_event("evt-stale"), keys.a.secret, timestamp=now + skew)
    assert response.status_code == 401
    assert "tolerance" in response.json()["error"]
    assert _counts(world.a.schema_name) == before
    queued.assert_not_called()


def test_a_timestamp_inside_the_window_is_accepted(world, keys, queued) -> None:
    response = post_event(world.a, booking_event("evt-skew-ok"), keys.a.secret, timestamp=int(time.time()) - 240)
    assert response.status_code == 202


def test_a_captured_request_replayed_after_the_window_is_refused(world, keys, queued, settings) -> None:
    """Within the window the event id protects; after it, the timestamp does (even with a new id)."""
    settings.INTEGRATION_SIGNATURE_TOLERANCE = 300
    body = encode(booking_event("evt-captured"))
    signed_at = int(time.time())
    from integrations import signing

    header = signing.header_value(keys.a.secret, signed_at, body)
    with mock.patch("integrations.api.time.time", return_value=signed_at + 301):
        response = post_event(world.a, body, None, signature=header)
    assert response.status_code == 401
    assert _counts(world.a.schema_name)[0] == 0


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "v1=deadbeef",
        "t=notanumber,v1=deadbeef",
        "t={now}",
        "t={now},v1=" + "0" * 64,
        "t={now},v0={good}",
    ],
)
def test_a_missing_or_bad_signature_is_refused(world, keys, queued, signature: str | None) -> None:
    from integrations import signing

    body = encode(booking_event("evt-badsig"))
    now = int(time.time())
    if signature is not None:
        signature = signature.format(now=now, good=signing.compute(keys.a.secret, now, body))
    response = post_event(world.a, body, None, signature=signature)
    assert response.status_code == 401
    assert _counts(world.a.schema_name)[0] == 0


def test_a_body_changed_after_signing_is_refused(world, keys, queued) -> None:
    from integrations import signing

    now = int(time.time())
    header = signing.header_value(keys.a.secret, now, encode(booking_event("evt-tamper")))
    tampered = encode(booking_event("evt-tamper", guest={"phone": "+60199999999"}))
    assert post_event(world.a, tampered, None, signature=header).status_code == 401


def test_property_b_credentials_cannot_post_to_property_a(world, keys, queued) -> None:
    before_a, before_b = _counts(world.a.schema_name), _counts(world.b.schema_name)
    response = post_event(world.a, booking_event("evt-cross"), keys.b.secret)
    assert response.status_code == 401
    assert _counts(world.a.schema_name) == before_a and _counts(world.b.schema_name) == before_b
    # And the other way round: A's event lands in A's schema only.
    assert post_event(world.a, booking_event("evt-own"), keys.a.secret).status_code == 202
    with schema_context(world.b.schema_name):
        assert not IntegrationEvent.objects.filter(event_id="evt-own").exists()


def test_an_inactive_credential_is_refused(world, keys, queued) -> None:
    IntegrationCredential.objects.filter(pk=keys.a.credential.pk).update(is_active=False)
    assert post_event(world.a, booking_event("evt-inactive"), keys.a.secret).status_code == 401


def test_after_a_rotation_both_secrets_work_until_the_grace_ends(world, keys, queued) -> None:
    import datetime as dt

    rotated = credentials.rotate(keys.a.credential, grace=dt.timedelta(hours=1))
    assert rotated.secret != keys.a.secret and rotated.credential.key_id == keys.a.credential.key_id
    assert post_event(world.a, booking_event("evt-old-secret"), keys.a.secret).status_code == 202
    assert post_event(world.a, booking_event("evt-new-secret"), rotated.secret).status_code == 202
    IntegrationCredential.objects.filter(pk=keys.a.credential.pk).update(
        previous_valid_until=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    assert post_event(world.a, booking_event("evt-old-expired"), keys.a.secret).status_code == 401
    assert post_event(world.a, booking_event("evt-new-again"), rotated.secret).status_code == 202


def test_secrets_are_encrypted_at_rest(world, keys) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret FROM public.integrations_integrationcredential WHERE id = %s", [keys.a.credential.pk]
        )
        (stored,) = cursor.fetchone()
    assert keys.a.secret not in stored and stored.startswith("gAAAAA")


def test_creating_and_rotating_a_credential_is_audited(world, keys) -> None:
    from privacy.models import AuditEvent

    credentials.rotate(keys.a.credential, actor=world.platform_admin)
    rows = AuditEvent.objects.filter(target_id=keys.a.credential.key_id).order_by("pk")
    assert [r.action for r in rows] == ["integration.credential_created", "integration.credential_rotated"]
    assert rows[1].actor_id == world.platform_admin.pk and rows[1].property_id == world.a.pk
    assert all(keys.a.secret not in json.dumps(r.details) for r in rows)


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (booking_event("evt-x", type="booking.cancelled"), "unknown event type 'booking.cancelled'"),
        (booking_event("evt-x", guest={"name": "No Contact"}), "does not match"),
        (booking_event("evt-x", guest={"phone": "0123456789"}), "does not match"),
        (booking_event("evt-x", guest={"email": "not-an-address"}), "does not match"),
        (booking_event("evt-x", guest={"phone": "+60123456789", "language": "fr"}), "does not match"),
        ({**booking_event("evt-x"), "booking": None}, "does not match"),
        ({k: v for k, v in booking_event("evt-x").items() if k != "booking"}, "does not match"),
        (booking_event("evt-x", type="order.ready"), "does not match"),  # no order
        (
            booking_event(
                "",
            ),
            "does not match",
        ),
    ],
)
def test_an_invalid_event_is_a_400_with_a_reason_and_stores_nothing(world, keys, queued, event, reason: str) -> None:
    before = _counts(world.a.schema_name)
    response = post_event(world.a, event, keys.a.secret)
    assert response.status_code == 400, response.content
    assert reason in response.json()["error"]
    assert _counts(world.a.schema_name) == before
    queued.assert_not_called()


def test_order_events_are_accepted_with_an_email_only_guest(world, keys, queued) -> None:
    order = {"reference": "POS-77", "outlet": "Lobby Café", "items": [{"name": "Nasi lemak", "quantity": 2}],
             "total": "24.00", "currency": "MYR"}  # fmt: skip
    for event_id, kind in (("evt-o1", "order.received"), ("evt-o2", "order.ready")):
        event = {
            "id": event_id,
            "type": kind,
            "guest": {"email": "Walkin@Example.com", "language": "ms"},
            "order": order,
        }
        assert post_event(world.a, event, keys.a.secret).status_code == 202
    with schema_context(world.a.schema_name):
        events = list(IntegrationEvent.objects.filter(event_id__in=["evt-o1", "evt-o2"]))
        assert len({e.guest_id for e in events}) == 1  # the same guest, found by e-mail the second time
        assert events[0].guest.email == "walkin@example.com" and events[0].guest.language == "ms"


def test_an_unknown_property_is_a_404(world, keys) -> None:
    assert post_event("no-such-hotel", booking_event(), keys.a.secret).status_code == 404
    assert post_event("NOT A SLUG", booking_event(), keys.a.secret).status_code == 404
    assert post_event("alpha%00", booking_event(), keys.a.secret).status_code == 404


def test_a_database_failure_is_a_503_so_the_sender_retries(world, keys, queued) -> None:
    with mock.patch("integrations.services.events.accept", side_effect=OperationalError("the database went away")):
        response = post_event(world.a, booking_event("evt-db"), keys.a.secret)
    assert response.status_code == 503
    assert response["Retry-After"]
    assert response.json()["error"]
    # The retry, once the database is back, is accepted.
    assert post_event(world.a, booking_event("evt-db"), keys.a.secret).status_code == 202


def test_an_oversized_body_is_refused(world, keys) -> None:
    big = booking_event("evt-big", padding="x" * 70_000)
    assert post_event(world.a, big, keys.a.secret).status_code == 413


def test_the_endpoint_is_in_the_openapi_schema(world) -> None:
    from conftest import host_client

    response = host_client(None).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    operation = schema["paths"]["/api/v1/integrations/{property}/events"]["post"]
    assert set(operation["responses"]) >= {"200", "202", "400", "401", "404", "409", "503"}
    assert any(
        p["name"] == "X-Nocturn-Signature" and p["in"] == "header" and p["required"] for p in operation["parameters"]
    )
    assert list(operation["requestBody"]["content"]) == ["application/json"]


def test_a_lost_enqueue_still_answers_202_and_the_beat_job_queues_the_notice(
    world, keys, django_capture_on_commit_callbacks
) -> None:
    import datetime as dt

    from integrations import tasks

    with (
        mock.patch.object(tasks.notify_guest, "apply_async", side_effect=ConnectionError("broker down")) as broken,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post_event(world.a, booking_event("evt-lost"), keys.a.secret)
    assert response.status_code == 202 and broken.called
    with schema_context(world.a.schema_name):
        event = IntegrationEvent.objects.get(event_id="evt-lost")
        with mock.patch.object(tasks.notify_guest, "apply_async") as queued:
            assert tasks.notify_pending() == 0  # too recent: its own enqueue may still be on the way
            IntegrationEvent.objects.filter(pk=event.pk).update(received_at=event.received_at - dt.timedelta(minutes=2))
            assert tasks.notify_pending() == 1
        queued.assert_called_once_with(args=[event.pk], headers={"_schema_name": world.a.schema_name})
    with schema_context(world.b.schema_name), mock.patch.object(tasks.notify_guest, "apply_async") as queued_b:
        assert tasks.notify_pending() == 0  # B's sweep never sees A's events
        queued_b.assert_not_called()
