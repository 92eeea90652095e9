"""The back office doors: credentials in the platform admin (secret shown once), events in each property's admin."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from conftest import host_client
from integrations.models import IntegrationCredential, IntegrationEvent
from integrations.services import credentials
from integrations.tests.conftest import booking_event, post_event

CHANGELIST = "/admin/integrations/integrationcredential/"


def _shown_secret(html: str) -> str:
    match = re.search(r'<code class="secret">([^<]+)</code>', html)
    assert match, html[:2000]
    return match.group(1)


def test_a_platform_admin_creates_a_credential_and_sees_the_secret_once(world) -> None:
    admin = host_client(None, world.platform_admin)
    response = admin.post(f"{CHANGELIST}add/", {"property": world.a.pk, "label": "Opera PMS", "is_active": "on"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = _shown_secret(response.content.decode())
    credential = IntegrationCredential.objects.get(property=world.a, label="Opera PMS")
    assert credential.key_id in response.content.decode()
    # The secret works for A, and is never shown again.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("integrations.tasks.notify_guest.apply_async", lambda *a, **k: None)
        assert post_event(world.a, booking_event("evt-admin"), secret).status_code == 202
    for page in (CHANGELIST, f"{CHANGELIST}{credential.pk}/change/"):
        body = admin.get(page).content.decode()
        assert credential.key_id in body and secret not in body and credential.secret not in body


def test_rotating_from_the_admin_shows_the_new_secret_and_keeps_the_old_one_for_the_grace(world) -> None:
    issued = credentials.create(world.a, label="POS")
    admin = host_client(None, world.platform_admin)
    response = admin.post(CHANGELIST, {"action": "rotate_secret", "_selected_action": [issued.credential.pk]})
    assert response.status_code == 200
    new_secret = _shown_secret(response.content.decode())
    assert new_secret != issued.secret
    valid = [secret for _, secret in credentials.candidate_secrets(world.a)]
    assert new_secret in valid and issued.secret in valid


@pytest.mark.parametrize("who", ["manager_a", "manager_b", "agent_a"])
def test_hotel_staff_cannot_reach_credentials(world, who: str) -> None:
    credentials.create(world.a, label="POS")
    client = host_client(None, getattr(world, who))
    assert client.get(CHANGELIST).status_code in (302, 403)
    assert client.post(f"{CHANGELIST}add/", {"property": world.a.pk, "label": "x"}).status_code in (302, 403)
    assert not IntegrationCredential.objects.filter(label="x").exists()


def test_each_propertys_admin_shows_its_own_events_only(world, keys) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("integrations.tasks.notify_guest.apply_async", lambda *a, **k: None)
        assert post_event(world.a, booking_event("evt-only-alpha"), keys.a.secret).status_code == 202
    with schema_context(world.a.schema_name):
        event = IntegrationEvent.objects.get(event_id="evt-only-alpha")
    page_a = host_client(world.a, world.manager_a).get("/admin/integrations/integrationevent/")
    assert page_a.status_code == 200 and "evt-only-alpha" in page_a.content.decode()
    page_b = host_client(world.b, world.manager_b).get("/admin/integrations/integrationevent/")
    assert page_b.status_code == 200 and "evt-only-alpha" not in page_b.content.decode()
    # B's manager on A's host, and A's agent (not a manager), are kept out.
    assert host_client(world.a, world.manager_b).get("/admin/integrations/integrationevent/").status_code == 404
    detail = f"/admin/integrations/integrationevent/{event.pk}/change/"
    assert host_client(world.a, world.manager_b).get(detail).status_code == 404
    assert host_client(world.a, world.agent_a).get(detail).status_code in (302, 403)
    assert host_client(world.a, world.manager_a).get(detail).status_code == 200
    # Events come from hotel systems only: no one adds or edits one by hand.
    assert host_client(world.a, world.manager_a).get("/admin/integrations/integrationevent/add/").status_code == 403
    assert (
        host_client(world.a, world.manager_a).post(detail.replace("/change/", "/delete/"), {"post": "yes"}).status_code
        == 403
    )
    with schema_context(world.a.schema_name):
        assert IntegrationEvent.objects.filter(pk=event.pk).exists()
