"""Staff management: invite by e-mail (token link, accept page sets a password), change a role, remove;
a property never loses its last manager; every change is audited."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from conftest import PASSWORD, host_client
from onboarding.models import Invitation
from onboarding.services import staff
from properties.models import Membership, Role, User

pytestmark = pytest.mark.django_db


def _link(message: Any) -> str:
    match = re.search(r"http://alpha\.localhost\S*/invitations/([\w-]+)/", message.body)
    assert match, message.body
    return match.group(0)


def test_a_manager_invites_an_agent_who_accepts_with_a_new_password(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = host_client(world.a, world.manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settings/staff/", {"email": "Night.Auditor@Alpha.example", "role": "agent"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["night.auditor@alpha.example"]
    link = _link(mail.outbox[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert not Invitation.objects.filter(token_hash=token).exists()  # only the hash is stored

    guest = host_client(world.a)
    page = guest.get(link.replace("http://alpha.localhost", ""))
    assert page.status_code == 200 and "Choose your password" in page.content.decode()
    response = guest.post(link.replace("http://alpha.localhost", ""), {"password": "short", "password2": "short"})
    assert response.status_code == 200 and "too short" in response.content.decode()
    strong = "lantern-harbour-97"
    response = guest.post(link.replace("http://alpha.localhost", ""), {"password": strong, "password2": strong})
    assert response.status_code == 302
    user = User.objects.get(email="night.auditor@alpha.example")
    assert user.check_password(strong)
    assert Membership.objects.get(user=user, property=world.a).role == Role.AGENT
    assert guest.get("/").status_code == 200  # signed in on A's host
    # The link works once.
    assert host_client(world.a).get(link.replace("http://alpha.localhost", "")).status_code == 404

    from privacy.models import AuditEvent

    actions = list(AuditEvent.objects.filter(property=world.a).values_list("action", flat=True))
    assert "staff.invited" in actions and "staff.joined" in actions


def test_an_existing_account_joins_with_its_own_password(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    sent = staff.invite(
        world.a, world.manager_b.email, Role.VIEWER, actor=world.manager_a, accept_url="http://x/invitations/{token}/"
    )
    client = host_client(world.a)
    response = client.post(f"/invitations/{sent.token}/", {"password": "not-the-password"})
    assert "enter its password" in response.content.decode()
    response = client.post(f"/invitations/{sent.token}/", {"password": PASSWORD})
    assert response.status_code == 302
    assert Membership.objects.get(user=world.manager_b, property=world.a).role == Role.VIEWER


def test_an_expired_invitation_is_refused(world: Any) -> None:
    sent = staff.invite(world.a, "late@alpha.example", Role.AGENT, actor=world.manager_a, accept_url="{token}")
    Invitation.objects.filter(pk=sent.invitation.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = host_client(world.a).post(f"/invitations/{sent.token}/", {"password": "x" * 14, "password2": "x" * 14})
    assert response.status_code == 404 and "expired" in response.content.decode()


def test_inviting_again_replaces_the_pending_invitation(world: Any) -> None:
    first = staff.invite(world.a, "twice@alpha.example", Role.AGENT, actor=world.manager_a, accept_url="{token}")
    second = staff.invite(world.a, "twice@alpha.example", Role.VIEWER, actor=world.manager_a, accept_url="{token}")
    assert staff.invitation_for(world.a, first.token) is None
    assert staff.invitation_for(world.a, second.token).role == Role.VIEWER


def test_a_manager_cannot_invite_a_manager_or_an_existing_member(world: Any) -> None:
    api = host_client(None, world.manager_a)
    url = f"/api/v1/properties/{world.a.pk}/members"
    response = api.post(url, data={"email": "boss@alpha.example", "role": "manager"}, content_type="application/json")
    assert response.status_code == 400 and "platform admin" in json.dumps(response.json())
    response = api.post(url, data={"email": world.agent_a.email, "role": "agent"}, content_type="application/json")
    assert response.status_code == 400 and "already a member" in json.dumps(response.json())
    response = api.post(url, data={"email": "not an address", "role": "agent"}, content_type="application/json")
    assert response.status_code == 400


def test_a_manager_changes_a_role_and_removes_a_member(world: Any) -> None:
    api = host_client(None, world.manager_a)
    agent = Membership.objects.get(user=world.agent_a, property=world.a)
    url = f"/api/v1/properties/{world.a.pk}/members/{agent.pk}"
    response = api.patch(url, data={"role": "viewer"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["role"] == "viewer"
    assert api.delete(url).status_code == 204
    assert not Membership.objects.filter(pk=agent.pk).exists()
    from privacy.models import AuditEvent

    assert {"staff.role_changed", "staff.removed"} <= set(
        AuditEvent.objects.filter(property=world.a).values_list("action", flat=True)
    )


def test_the_last_manager_can_be_neither_demoted_nor_removed(world: Any) -> None:
    manager = Membership.objects.get(user=world.manager_a, property=world.a)
    api = host_client(None, world.manager_a)
    url = f"/api/v1/properties/{world.a.pk}/members/{manager.pk}"
    response = api.patch(url, data={"role": "agent"}, content_type="application/json")
    assert response.status_code == 400 and "last manager" in json.dumps(response.json())
    response = api.delete(url)
    assert response.status_code == 400 and "last manager" in json.dumps(response.json())
    page = host_client(world.a, world.manager_a).post(f"/settings/staff/{manager.pk}/remove/", follow=True)
    assert "last manager" in page.content.decode()
    assert Membership.objects.get(pk=manager.pk).role == Role.MANAGER
    # With a second manager (made by a platform admin), the first may step down.
    second = Membership.objects.get(user=world.agent_a, property=world.a)
    admin = host_client(None, world.platform_admin)
    assert (
        admin.patch(
            f"/api/v1/properties/{world.a.pk}/members/{second.pk}",
            data={"role": "manager"},
            content_type="application/json",
        ).status_code
        == 200
    )
    assert api.patch(url, data={"role": "agent"}, content_type="application/json").status_code == 200


def test_the_staff_page_lists_members_and_invitations(world: Any) -> None:
    staff.invite(world.a, "pending@alpha.example", Role.VIEWER, actor=world.manager_a, accept_url="{token}")
    page = host_client(world.a, world.manager_a).get("/settings/staff/").content.decode()
    assert world.agent_a.email in page and "pending@alpha.example" in page
    assert world.manager_b.email not in page


def test_a_manager_can_neither_demote_nor_remove_another_manager(world: Any) -> None:
    """Only platform admins appoint managers (issue 18: a manager could demote or remove another one)."""
    second = User.objects.create_user("second-manager@alpha.example", "x-long-password-1")
    membership = Membership.objects.create(user=second, property=world.a, role=Role.MANAGER)
    api = host_client(None, world.manager_a)
    url = f"/api/v1/properties/{world.a.pk}/members/{membership.pk}"
    assert api.patch(url, data={"role": "viewer"}, content_type="application/json").status_code == 403
    assert api.delete(url).status_code == 403
    page = host_client(world.a, world.manager_a).post(f"/settings/staff/{membership.pk}/remove/")
    assert page.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER
    # B's manager learns nothing of A's members: 404.
    assert host_client(None, world.manager_b).delete(url).status_code == 404
    # A platform admin may; and a manager may step down themselves (tested above, last-manager rule aside).
    assert host_client(None, world.platform_admin).delete(url).status_code == 204


def test_a_property_without_staff_says_so_and_whom_to_invite_first(world: Any) -> None:
    """A property just created by a platform admin has no member at all: the list must not be a bare header."""
    client = host_client(world.b, world.platform_admin)
    assert "No staff yet" not in client.get("/settings/staff/").content.decode()
    Membership.objects.filter(property=world.b).delete()
    page = client.get("/settings/staff/").content.decode()
    assert "No staff yet: invite the hotel's manager below" in page
