"""The small doors a new manager and a platform admin meet first (issue 19): the property's own /admin/
sign-in, invitation links that keep the port, the new-property help text, the public admin's link to
onboarding, and API docs that list the widget and webhook routes and /properties once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from conftest import PASSWORD, host_client
from onboarding.services.wizard import NewPropertyForm
from properties.services import property_host

pytestmark = pytest.mark.django_db


def test_a_manager_signs_in_at_admin_on_their_propertys_host(world: Any) -> None:
    client = Client(HTTP_HOST=property_host(world.a.slug), REMOTE_ADDR="10.19.0.1")
    response = client.post("/admin/login/?next=/admin/", {"username": world.manager_a.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_an_agent_is_told_the_back_office_is_for_managers(world: Any) -> None:
    client = Client(HTTP_HOST=property_host(world.a.slug), REMOTE_ADDR="10.19.0.2")
    response = client.post("/admin/login/", {"username": world.agent_a.email, "password": PASSWORD})
    assert response.status_code == 200 and "for the property&#x27;s managers" in response.content.decode()


def test_a_manager_of_another_property_cannot_sign_in_at_this_back_office(world: Any) -> None:
    client = Client(HTTP_HOST=property_host(world.a.slug), REMOTE_ADDR="10.19.0.3")
    response = client.post("/admin/login/", {"username": world.manager_b.email, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_an_invitation_link_sent_through_the_api_keeps_the_port(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client(HTTP_HOST="localhost:8000")
    client.force_login(world.manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/properties/{world.a.pk}/members",
            data=json.dumps({"email": "porter@alpha.example", "role": "agent"}),
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    assert "http://alpha.localhost:8000/invitations/" in mail.outbox[-1].body


def test_the_new_property_help_text_shows_a_real_address() -> None:
    help_text = str(NewPropertyForm().fields["slug"].help_text)
    assert "grand-hotel.localhost" in help_text and "<" not in help_text


def test_the_platform_admin_links_to_the_onboarding_wizard(world: Any) -> None:
    page = host_client(None, world.platform_admin).get("/admin/").content.decode()
    assert 'href="/onboarding/new/"' in page


def test_the_api_docs_list_the_widget_and_webhook_routes_and_properties_once(world: Any) -> None:
    paths = host_client(None).get("/api/schema/?format=json").json()["paths"]
    for route in (
        "/api/v1/webhook/whatsapp",
        "/api/v1/webhook/email",
        "/api/v1/conversations",
        "/api/v1/conversations/{conversation_id}/messages",
        "/api/v1/widget/visits",
    ):
        assert route in paths, route
    assert "/api/v1/properties" in paths and "/api/v1/properties/" not in paths
    assert set(paths["/api/v1/webhook/whatsapp"]) == {"get", "post"}
