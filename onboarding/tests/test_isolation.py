"""Managers of B never read or change A's settings, keys or members by any door (API, pages, wizard);
A's agents and viewers cannot change settings (403); platform admins reach every property."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import host_client
from onboarding.services import staff
from properties.models import Membership, Property, Role, WidgetKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_a(world: Any) -> WidgetKey:
    return WidgetKey.objects.create(property=world.a, allowed_origins=["https://alpha.example"])


def _api_doors(world: Any, key: WidgetKey) -> list[tuple[str, str, dict[str, Any] | None]]:
    member = Membership.objects.get(user=world.agent_a, property=world.a)
    base = f"/api/v1/properties/{world.a.pk}"
    return [
        ("get", f"{base}/settings", None),
        ("put", f"{base}/settings", {"buffering": {"window_seconds": 9}}),
        ("post", f"{base}/onboard", {}),
        ("post", f"{base}/onboard", {"step": "widget", "data": {"allowed_origins": ["https://evil.example"]}}),
        ("post", f"{base}/widget-keys/{key.pk}/rotate", {}),
        ("get", f"{base}/members", None),
        ("post", f"{base}/members", {"email": "spy@bravo.example", "role": "agent"}),
        ("patch", f"{base}/members/{member.pk}", {"role": "viewer"}),
        ("delete", f"{base}/members/{member.pk}", None),
    ]


def _call(client: Any, method: str, url: str, body: dict[str, Any] | None) -> Any:
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def _unchanged(world: Any, key: WidgetKey) -> None:
    key.refresh_from_db()
    assert key.allowed_origins == ["https://alpha.example"] and key.expires_at is None
    assert WidgetKey.objects.filter(property=world.a).count() == 1
    assert Membership.objects.get(user=world.agent_a, property=world.a).role == Role.AGENT
    assert not staff.pending_invitations(world.a)


def test_a_manager_of_b_gets_404_on_every_api_door_of_a(world: Any, key_a: WidgetKey) -> None:
    client = host_client(None, world.manager_b)
    for method, url, body in _api_doors(world, key_a):
        response = _call(client, method, url, body)
        assert response.status_code == 404, (method, url, response.status_code)
        assert "alpha" not in response.content.decode().lower()
    _unchanged(world, key_a)


@pytest.mark.parametrize("who", ["agent_a", "viewer_a"])
def test_agents_and_viewers_of_a_get_403_on_every_api_door(world: Any, key_a: WidgetKey, who: str) -> None:
    client = host_client(None, getattr(world, who))
    for method, url, body in _api_doors(world, key_a):
        response = _call(client, method, url, body)
        assert response.status_code == 403, (who, method, url, response.status_code)
    _unchanged(world, key_a)


def test_a_manager_of_b_cannot_reach_a_key_or_member_through_b(world: Any, key_a: WidgetKey) -> None:
    member = Membership.objects.get(user=world.agent_a, property=world.a)
    api = host_client(None, world.manager_b)
    base = f"/api/v1/properties/{world.b.pk}"
    response = _call(api, "put", f"{base}/settings", {"widget": {"keys": [{"id": key_a.pk, "allowed_origins": []}]}})
    assert response.status_code == 400
    assert "Unknown widget key" in json.dumps(response.json())
    assert _call(api, "post", f"{base}/widget-keys/{key_a.pk}/rotate", {}).status_code == 404
    assert _call(api, "patch", f"{base}/members/{member.pk}", {"role": "viewer"}).status_code == 404
    assert _call(api, "delete", f"{base}/members/{member.pk}", None).status_code == 404
    pages = host_client(world.b, world.manager_b)
    assert pages.post(f"/settings/widget-keys/{key_a.pk}/rotate/").status_code == 404
    assert pages.post(f"/settings/staff/{member.pk}/remove/").status_code == 404
    assert pages.post(f"/settings/staff/{member.pk}/role/", {"role": "viewer"}).status_code == 404
    assert pages.post("/settings/widget/", {f"key_{key_a.pk}": "https://evil.example"}).status_code == 302
    _unchanged(world, key_a)


def test_pages_and_wizard_of_a_are_closed_to_b_and_to_a_staff_who_are_not_managers(
    world: Any, key_a: WidgetKey
) -> None:
    member = Membership.objects.get(user=world.agent_a, property=world.a)
    doors = [
        ("get", "/settings/", {}),
        ("post", "/settings/buffering/", {"window_seconds": "9"}),
        ("post", "/settings/widget/", {f"key_{key_a.pk}": "https://evil.example"}),
        ("post", f"/settings/widget-keys/{key_a.pk}/rotate/", {}),
        ("get", "/settings/staff/", {}),
        ("post", "/settings/staff/", {"email": "spy@bravo.example", "role": "agent"}),
        ("post", f"/settings/staff/{member.pk}/role/", {"role": "viewer"}),
        ("post", f"/settings/staff/{member.pk}/remove/", {}),
        ("get", "/onboarding/details/", {}),
        ("post", "/onboarding/channels/", {"action": "widget", "allowed_origins": "https://evil.example"}),
        ("post", "/onboarding/live/", {}),
    ]
    # For B's manager: a session used against A's host (not a member: 404); A's other staff: 403.
    for user, refused in ((world.manager_b, 404), (world.agent_a, 403), (world.viewer_a, 403)):
        client = host_client(world.a, user)
        for method, url, data in doors:
            response = getattr(client, method)(url, data)
            assert response.status_code == refused, (user.email, method, url, response.status_code)
    _unchanged(world, key_a)


def test_an_invitation_link_of_a_means_nothing_on_b(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    sent = staff.invite(
        world.a, "newbie@alpha.example", Role.AGENT, actor=world.manager_a, accept_url="http://x/invitations/{token}/"
    )
    assert host_client(world.b).get(f"/invitations/{sent.token}/").status_code == 404
    response = host_client(world.b).post(f"/invitations/{sent.token}/", {"password": "x" * 12, "password2": "x" * 12})
    assert response.status_code == 404
    assert not Membership.objects.filter(user__email="newbie@alpha.example").exists()


def test_platform_admins_reach_any_property(world: Any, key_a: WidgetKey) -> None:
    api = host_client(None, world.platform_admin)
    assert api.get(f"/api/v1/properties/{world.a.pk}/settings").status_code == 200
    assert api.get(f"/api/v1/properties/{world.b.pk}/settings").status_code == 200
    pages = host_client(world.a, world.platform_admin)
    assert pages.get("/settings/").status_code == 200
    assert pages.get("/onboarding/details/").status_code == 200


def test_only_platform_admins_create_properties(world: Any) -> None:
    body = {"name": "Sneaky", "slug": "sneaky"}
    for user in (world.manager_a, world.agent_a):
        response = host_client(None, user).post("/api/v1/properties", data=body, content_type="application/json")
        assert response.status_code == 403
    assert host_client(None).post("/api/v1/properties", data=body, content_type="application/json").status_code in (
        401,
        403,
    )
    assert host_client(None, world.manager_a).get("/onboarding/new/").status_code == 403


def test_a_platform_admin_creates_a_property_from_the_public_page(world: Any) -> None:
    client = host_client(None, world.platform_admin)
    assert client.get("/onboarding/new/").status_code == 200
    response = client.post(
        "/onboarding/new/",
        {"name": "Foxtrot", "slug": "Bad Slug", "timezone": "UTC", "country": "MY", "plan": "starter"},
    )
    assert response.status_code == 200 and "lowercase" in response.content.decode()
    response = client.post(
        "/onboarding/new/",
        {"name": "Foxtrot", "slug": "foxtrot", "timezone": "UTC", "country": "my", "plan": "starter"},
    )
    foxtrot = Property.objects.get(slug="foxtrot")
    assert foxtrot.country == "MY"
    assert response.status_code == 302 and response["Location"] == f"/onboarding/new/?created={foxtrot.pk}"
    page = client.get(response["Location"]).content.decode()
    assert 'href="http://foxtrot.localhost/onboarding/"' in page


@pytest.mark.parametrize("created", ["abc", "-1", "1.5", "99999999999999999999"])
def test_a_created_link_edited_by_hand_shows_the_form_without_a_property(world: Any, created: str) -> None:
    page = host_client(None, world.platform_admin).get(f"/onboarding/new/?created={created}")
    assert page.status_code == 200  # was a 500 (a ValueError from the id lookup)
    html = page.content.decode()
    assert "Create and start onboarding" in html and ".localhost/onboarding/" not in html


def test_the_platform_admin_pages_of_onboarding_are_for_platform_admins_only(world: Any) -> None:
    staff.invite(world.a, "hidden@alpha.example", Role.AGENT, actor=world.manager_a, accept_url="{token}")
    for path in ("/admin/onboarding/invitation/", "/admin/onboarding/onboardingprogress/"):
        for user in (world.manager_a, world.manager_b):
            response = host_client(None, user).get(path)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
        page = host_client(None, world.platform_admin).get(path)
        assert page.status_code == 200
    listing = host_client(None, world.platform_admin).get("/admin/onboarding/invitation/").content.decode()
    assert "hidden@alpha.example" in listing
    invitation = staff.pending_invitations(world.a)[0]
    detail = host_client(None, world.platform_admin).get(f"/admin/onboarding/invitation/{invitation.pk}/change/")
    assert detail.status_code == 200 and invitation.token_hash not in detail.content.decode()
