"""Widget keys on the settings page and the API: origins per key, rotation without downtime, audited."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from conftest import host_client
from properties.models import WidgetKey

pytestmark = pytest.mark.django_db


def test_a_manager_rotates_a_key_through_the_api_and_the_old_one_works_a_day_more(world: Any) -> None:
    from privacy.models import AuditEvent

    key = WidgetKey.objects.create(property=world.a, allowed_origins=["https://alpha.example"])
    response = host_client(None, world.manager_a).post(f"/api/v1/properties/{world.a.pk}/widget-keys/{key.pk}/rotate")
    assert response.status_code == 201, response.content
    new = WidgetKey.objects.get(public_key=response.json()["public_key"])
    assert new.property_id == world.a.pk and new.allowed_origins == ["https://alpha.example"]
    key.refresh_from_db()
    assert key.is_usable() and abs(key.expires_at - (timezone.now() + dt.timedelta(hours=24))) < dt.timedelta(minutes=1)
    assert AuditEvent.objects.filter(action="settings.widget_key_rotated", target_id=str(key.pk)).exists()
    # Both keys are listed until the old one expires; a rotated key is not rotated twice.
    listed = host_client(None, world.manager_a).get(f"/api/v1/properties/{world.a.pk}/settings").json()["widget"]
    assert {k["id"] for k in listed["keys"]} == {key.pk, new.pk}
    # A second click or a retried request once minted another live key each time.
    again = host_client(None, world.manager_a).post(f"/api/v1/properties/{world.a.pk}/widget-keys/{key.pk}/rotate")
    assert again.status_code == 409 and "already being replaced" in again.json()["widget_key"][0]
    page = host_client(world.a, world.manager_a).post(f"/settings/widget-keys/{key.pk}/rotate/", follow=True)
    assert "already being replaced" in page.content.decode()
    other = host_client(None, world.manager_b).post(f"/api/v1/properties/{world.a.pk}/widget-keys/{new.pk}/rotate")
    assert other.status_code == 404
    assert set(WidgetKey.objects.filter(property=world.a).values_list("pk", flat=True)) == {key.pk, new.pk}


def test_the_settings_page_edits_origins_per_key_and_rotates(world: Any) -> None:
    key = WidgetKey.objects.create(property=world.a, allowed_origins=["https://alpha.example"])
    client = host_client(world.a, world.manager_a)
    page = client.get("/settings/").content.decode()
    assert key.public_key in page and f'name="key_{key.pk}"' in page
    response = client.post("/settings/widget/", {f"key_{key.pk}": "https://alpha.example\nhttps://www.alpha.example"})
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.allowed_origins == ["https://alpha.example", "https://www.alpha.example"]
    response = client.post("/settings/widget/", {f"key_{key.pk}": "https://alpha.example/path"})
    assert response.status_code == 400 and "without a path" in response.content.decode()
    response = client.post(f"/settings/widget-keys/{key.pk}/rotate/")
    assert response.status_code == 302
    assert WidgetKey.objects.filter(property=world.a).count() == 2


def test_a_put_can_change_one_key_and_leave_the_others(world: Any) -> None:
    first = WidgetKey.objects.create(property=world.a, allowed_origins=["https://one.example"])
    second = WidgetKey.objects.create(property=world.a, allowed_origins=["https://two.example"])
    response = host_client(None, world.manager_a).put(
        f"/api/v1/properties/{world.a.pk}/settings",
        data=json.dumps({"widget": {"keys": [{"id": first.pk, "allowed_origins": ["https://uno.example"]}]}}),
        content_type="application/json",
    )
    assert response.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.allowed_origins == ["https://uno.example"] and second.allowed_origins == ["https://two.example"]
