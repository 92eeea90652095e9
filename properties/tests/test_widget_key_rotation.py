"""Widget key rotation without downtime: both keys work during the overlap, the old one is refused after it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from conftest import host_client
from conversations.widget.ws import admit_guest
from properties.models import WidgetKey
from properties.services import rotate_widget_key

pytestmark = pytest.mark.django_db

ORIGIN_A = "https://alpha-hotel.example"
NOTICE = "We store this chat to answer you."


def start(key: WidgetKey, origin: str = ORIGIN_A) -> tuple[int, dict]:
    response = Client(HTTP_HOST="localhost", HTTP_ORIGIN=origin).post(
        "/api/v1/conversations",
        json.dumps({"key": key.public_key, "consent": True, "consent_text": NOTICE}),
        content_type="application/json",
    )
    return response.status_code, (response.json() if response.status_code < 500 else {})


@pytest.fixture
def key_a(world) -> WidgetKey:
    return WidgetKey.objects.create(property=world.a, allowed_origins=[ORIGIN_A, "https://www.alpha-hotel.example"])


def test_rotation_issues_a_new_key_with_the_same_origins_and_sets_the_old_ones_expiry(world, key_a) -> None:
    before = timezone.now()
    new = rotate_widget_key(key_a, overlap=dt.timedelta(hours=6), actor=world.manager_a)
    key_a.refresh_from_db()
    assert new.pk != key_a.pk and new.public_key != key_a.public_key
    assert new.property_id == world.a.pk and new.allowed_origins == key_a.allowed_origins
    assert new.is_active and new.expires_at is None
    assert before + dt.timedelta(hours=6) <= key_a.expires_at <= timezone.now() + dt.timedelta(hours=6)
    assert key_a.is_active  # still active: only the expiry ends it


def test_both_keys_work_during_the_window_and_the_old_one_is_refused_after_it(world, key_a) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        old_status, old_body = start(key_a)
        assert old_status == 201  # a guest on the old key before rotation
        new = rotate_widget_key(key_a, overlap=dt.timedelta(hours=24), actor=world.manager_a)
    with time_machine.travel(
        dt.datetime(2026, 3, 2, 9, 59, tzinfo=dt.UTC), tick=False
    ):  # one minute before the end of the window
        assert start(key_a)[0] == 201
        assert start(new)[0] == 201
        # The guest who started on the old key keeps their conversation, over HTTP and the websocket.
        assert admit_guest(old_body["token"], old_body["conversation_id"], ORIGIN_A) is not None
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, 1, tzinfo=dt.UTC), tick=False):  # the window is over
        assert start(key_a)[0] == 403
        assert start(new)[0] == 201
        assert admit_guest(old_body["token"], old_body["conversation_id"], ORIGIN_A) is None
        response = Client(HTTP_HOST="localhost", HTTP_ORIGIN=ORIGIN_A).get(
            f"/api/v1/conversations/{old_body['conversation_id']}", HTTP_X_GUEST_TOKEN=old_body["token"]
        )
        assert response.status_code == 403


def test_the_new_key_keeps_the_origin_check(world, key_a) -> None:
    new = rotate_widget_key(key_a, actor=world.manager_a)
    assert start(new, origin="https://evil.example")[0] == 403


def test_a_manager_of_b_cannot_rotate_as_key(world, key_a) -> None:
    with pytest.raises(PermissionDenied):
        rotate_widget_key(key_a, actor=world.manager_b)
    key_a.refresh_from_db()
    assert key_a.expires_at is None
    assert WidgetKey.objects.filter(property=world.a).count() == 1


@pytest.mark.parametrize("who", ["agent_a", "viewer_a"])
def test_only_managers_and_platform_admins_rotate(world, key_a, who: str) -> None:
    with pytest.raises(PermissionDenied):
        rotate_widget_key(key_a, actor=getattr(world, who))
    assert rotate_widget_key(key_a, actor=world.platform_admin).property_id == world.a.pk


def test_an_expired_key_cannot_be_rotated_and_rotation_never_extends_a_key(world, key_a) -> None:
    soon = timezone.now() + dt.timedelta(hours=1)
    WidgetKey.objects.filter(pk=key_a.pk).update(expires_at=soon)
    key_a.refresh_from_db()
    rotate_widget_key(key_a, overlap=dt.timedelta(days=7))
    key_a.refresh_from_db()
    assert key_a.expires_at == soon
    WidgetKey.objects.filter(pk=key_a.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    key_a.refresh_from_db()
    with pytest.raises(ValidationError):
        rotate_widget_key(key_a)


def test_the_platform_admin_rotates_from_the_admin(world, key_a) -> None:
    client = host_client(None, world.platform_admin)
    response = client.post(
        "/admin/properties/widgetkey/",
        {"action": "rotate_keys", "_selected_action": [key_a.pk]},
        follow=True,
    )
    assert response.status_code == 200
    key_a.refresh_from_db()
    assert key_a.expires_at is not None
    new = WidgetKey.objects.filter(property=world.a).exclude(pk=key_a.pk).get()
    assert new.public_key in response.content.decode()


def test_a_manager_of_b_cannot_reach_the_rotation_admin(world, key_a) -> None:
    for client in (host_client(None, world.manager_b), host_client(world.b, world.manager_b)):
        client.post("/admin/properties/widgetkey/", {"action": "rotate_keys", "_selected_action": [key_a.pk]})
    key_a.refresh_from_db()
    assert key_a.expires_at is None
    assert WidgetKey.objects.filter(property=world.a).count() == 1
