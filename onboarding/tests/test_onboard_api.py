"""The Property API end to end in-process: a platform admin creates a property (schema + domain), then
`POST …/onboard` advances each step (validated, resumable) and reports what is left, until it goes live.
The WhatsApp test message goes through the real adapter to the fake Graph server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings

from conftest import host_client
from properties.models import Domain, Property, WhatsAppBinding, WidgetKey
from testsupport.knowledge import FIXTURES

pytestmark = pytest.mark.django_db
HOTEL_MD = FIXTURES / "hotel.md"


def onboard(client: Any, property_id: int, step: str | None = None, data: dict[str, Any] | None = None) -> Any:
    body = {} if step is None else {"step": step, "data": data or {}}
    return client.post(
        f"/api/v1/properties/{property_id}/onboard", data=json.dumps(body), content_type="application/json"
    )


def test_a_platform_admin_takes_a_new_property_from_creation_to_live(world: Any, fake_graph: Any) -> None:
    admin = host_client(None, world.platform_admin)
    response = admin.post(
        "/api/v1/properties",
        data={"name": "Delta Lodge", "slug": "delta-lodge", "timezone": "Asia/Kuching"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    property_ = Property.objects.get(pk=created["id"])
    assert property_.schema_name == "delta_lodge" and created["host"] == "delta-lodge.localhost"
    assert Domain.objects.filter(tenant=property_, domain="delta-lodge.localhost").exists()
    assert created["onboarding"]["next_step"] == "details"
    assert set(created["onboarding"]["missing"]) == {"details", "hours", "channel", "knowledge", "try"}

    # A slug taken, a bad timezone: refused, nothing created.
    again = admin.post("/api/v1/properties", data={"name": "X", "slug": "delta-lodge"}, content_type="application/json")
    assert again.status_code == 400
    bad_tz = admin.post(
        "/api/v1/properties",
        data={"name": "X", "slug": "x-tz", "timezone": "Moon/Base"},
        content_type="application/json",
    )
    assert bad_tz.status_code == 400 and "timezone" in bad_tz.json()
    assert not Property.objects.filter(slug="x-tz").exists()

    # Going live too early says what is missing.
    early = onboard(admin, property_.pk, "live")
    assert early.status_code == 400 and "Still to do" in json.dumps(early.json()["errors"])

    bad = onboard(admin, property_.pk, "details", {"name": "Delta Lodge", "timezone": "Asia/Kuching", "country": "MY"})
    assert bad.status_code == 400 and "notification_email" in bad.json()["errors"]
    details = {"name": "Delta Lodge", "timezone": "Asia/Kuching", "notification_email": "gm@delta.example"}
    for country in ("UK", "ZZ"):  # no region the phone numbers guests type could be read in: refused, nothing saved
        unknown = onboard(admin, property_.pk, "details", {**details, "country": country})
        assert unknown.status_code == 400 and "ISO 3166" in json.dumps(unknown.json()["errors"]["country"])
    property_.refresh_from_db()
    assert (property_.name, property_.country) == ("Delta Lodge", "MY")
    ok = onboard(admin, property_.pk, "details", {**details, "country": "my"})
    assert ok.status_code == 200 and ok.json()["next_step"] == "hours"

    assert onboard(admin, property_.pk, "hours", {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}).status_code == 400
    ok = onboard(
        admin, property_.pk, "hours", {day: [["08:00", "23:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    )
    assert ok.status_code == 200 and ok.json()["next_step"] == "channels"
    property_.refresh_from_db()
    assert property_.operating_hours["sat"] == [] and property_.timezone == "Asia/Kuching"

    # Channels: the widget key is created inactive (no guest reaches it before going live).
    assert onboard(admin, property_.pk, "widget", {"allowed_origins": ["not a url"]}).status_code == 400
    ok = onboard(admin, property_.pk, "widget", {"allowed_origins": ["https://delta.example"]})
    assert ok.status_code == 200 and ok.json()["widget_key"].startswith("pk_")
    key = WidgetKey.objects.get(property=property_)
    assert key.is_active is False and key.allowed_origins == ["https://delta.example"]

    # WhatsApp: bind (Meta confirms the token may use the number), then a real test message through the
    # adapter; once bound, the test is required.
    fake_graph.add_phone_number("5550001", "+60 82-123 456")
    bound = onboard(
        admin,
        property_.pk,
        "whatsapp",
        {"phone_number_id": "5550001", "display_phone_number": "+60 82-123 456", "access_token": fake_graph.token},
    )
    assert bound.status_code == 200 and "whatsapp_test" in bound.json()["missing"]
    fake_graph.expire_token()
    refused = onboard(admin, property_.pk, "whatsapp_test", {"to": "+60 12-345 6789"})
    assert refused.status_code == 400 and "access token" in json.dumps(refused.json()["errors"])
    fake_graph.accepted_tokens.add(fake_graph.token)
    tested = onboard(admin, property_.pk, "whatsapp_test", {"to": "+60 12-345 6789"})
    assert tested.status_code == 200, tested.content
    sent = fake_graph.sent_messages()[-1]
    assert sent["to"] == "60123456789" and "Delta Lodge" in sent["text"]["body"]
    assert "whatsapp_test" not in tested.json()["missing"]

    own = f"stay@{property_.slug}.{settings.INBOUND_EMAIL_DOMAIN}"
    bound = onboard(admin, property_.pk, "email", {"address": own})
    assert bound.status_code == 200 and bound.json()["email"] == {"address": own, "status": "bound"}
    assert onboard(admin, property_.pk, "email", {"address": "bad"}).status_code == 400

    # Knowledge through the knowledge app's ingestion (embedded now), then a question from it.
    from knowledge.services.parsers import parse_file

    items = [item.as_json() for item in parse_file("hotel.md", HOTEL_MD.read_bytes())]
    saved = onboard(admin, property_.pk, "knowledge", {"items": items, "source": "hotel.md"})
    assert saved.status_code == 200, saved.content
    assert saved.json()["knowledge"]["created"] == len(items) and saved.json()["knowledge"]["failed"] == 0
    asked = onboard(admin, property_.pk, "try", {"question": "When is the swimming pool open?"})
    assert asked.status_code == 200
    assert "7:00 am to 10:00 pm" in asked.json()["answer"]["text"]
    assert "Swimming Pool" in asked.json()["answer"]["hits"]
    assert asked.json()["missing"] == []

    live = onboard(admin, property_.pk, "live")
    assert live.status_code == 200 and live.json()["live"] is True
    key.refresh_from_db()
    assert key.is_active
    assert WhatsAppBinding.objects.get(property=property_).is_active
    # Resumable and idempotent: the report is the same when asked again.
    assert onboard(admin, property_.pk).json()["live"] is True


def test_a_property_made_outside_the_wizard_counts_as_live_and_new_channels_are_on_at_once(
    world: Any, fake_graph: Any
) -> None:
    fake_graph.accepted_tokens.add("t")
    fake_graph.add_phone_number("7770001", "+60 3-1111 2222", tokens={"t"})
    manager = host_client(None, world.manager_a)
    report = onboard(manager, world.a.pk).json()
    assert report["live"] is True
    response = onboard(
        manager,
        world.a.pk,
        "whatsapp",
        {"phone_number_id": "7770001", "display_phone_number": "+60 3-1111 2222", "access_token": "t"},
    )
    assert response.status_code == 200
    assert WhatsAppBinding.objects.get(phone_number_id="7770001").is_active
    # The same number cannot be bound to B by B's manager.
    response = onboard(
        host_client(None, world.manager_b),
        world.b.pk,
        "whatsapp",
        {"phone_number_id": "7770001", "display_phone_number": "+60 3-1111 2222", "access_token": "t"},
    )
    assert response.status_code == 400 and "could not be verified" in json.dumps(response.json()["errors"])
    assert WhatsAppBinding.objects.get(phone_number_id="7770001").property_id == world.a.pk
