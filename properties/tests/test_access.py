"""Who may enter which door over HTTP: staff pages, tenant admin, public admin, API."""

from __future__ import annotations

from django_tenants.utils import schema_context

from conftest import PASSWORD, host_client
from conversations.models import Guest
from properties.models import Property


def test_staff_see_their_own_property_home(world):
    response = host_client(world.a, world.manager_a).get("/")
    assert response.status_code == 200
    assert b"Alpha Hotel" in response.content


def test_anonymous_visitors_are_sent_to_the_login(world):
    response = host_client(world.a).get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_manager_of_b_gets_404_on_as_host_and_as_admin(world):
    client = host_client(world.a, world.manager_b)
    assert client.get("/").status_code == 404
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/conversations/guest/").status_code == 404


def test_a_manager_of_b_cannot_log_in_on_as_host(world):
    client = host_client(world.a)
    response = client.post("/login/", {"username": world.manager_b.email, "password": PASSWORD})
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session
    ok = host_client(world.a).post("/login/", {"username": world.manager_a.email, "password": PASSWORD})
    assert ok.status_code == 302


def test_the_tenant_admin_shows_only_that_propertys_rows(world):
    with schema_context(world.a.schema_name):
        Guest.objects.create(name="Only-In-Alpha")
    with schema_context(world.b.schema_name):
        Guest.objects.create(name="Only-In-Bravo")
    page_a = host_client(world.a, world.manager_a).get("/admin/conversations/guest/")
    page_b = host_client(world.b, world.manager_b).get("/admin/conversations/guest/")
    assert page_a.status_code == 200 and page_b.status_code == 200
    assert b"Only-In-Alpha" in page_a.content and b"Only-In-Bravo" not in page_a.content
    assert b"Only-In-Bravo" in page_b.content and b"Only-In-Alpha" not in page_b.content


def test_agents_and_viewers_do_not_get_the_back_office(world):
    for user in (world.agent_a, world.viewer_a):
        response = host_client(world.a, user).get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_public_admin_is_for_platform_admins_only(world):
    assert host_client(None, world.manager_a).get("/admin/").status_code == 302
    assert host_client(None, world.platform_admin).get("/admin/").status_code == 200
    page = host_client(None, world.platform_admin).get("/admin/properties/property/")
    assert b"Alpha Hotel" in page.content and b"Bravo Hotel" in page.content


def test_a_platform_admin_reaches_every_propertys_admin(world):
    for property_ in (world.a, world.b):
        assert host_client(property_, world.platform_admin).get("/admin/").status_code == 200


def _jwt(client, user):
    response = client.post(
        "/api/v1/auth/token", {"email": user.email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["access"]


def test_a_jwt_is_scoped_to_its_users_properties(world):
    client = host_client(None)
    token = _jwt(client, world.manager_b)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    listed = client.get("/api/v1/properties/", **auth).json()
    assert [p["slug"] for p in listed] == ["bravo"]
    assert client.get(f"/api/v1/properties/{world.a.pk}", **auth).status_code == 404
    assert client.get(f"/api/v1/properties/{world.b.pk}", **auth).json()["role"] == "manager"


def test_the_api_refuses_anonymous_callers(world):
    assert host_client(None).get("/api/v1/properties/").status_code in (401, 403)


def test_the_openapi_schema_and_docs_are_served_without_a_cdn(world):
    client = host_client(None)
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs.content
    assert b"cdn.jsdelivr" not in docs.content
    assert client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200


def test_dashboard_assets_are_served_by_the_app_itself(world):
    assert host_client(world.a).get("/static/dashboard/base.css").status_code == 200


def test_an_inactive_property_closes_every_staff_door_but_to_platform_admins(world):
    """Issue 18: a suspended property's staff API and pages kept working."""
    Property.objects.filter(pk=world.a.pk).update(is_active=False)
    api_path = f"/api/v1/properties/{world.a.pk}/leads"
    for user in (world.manager_a, world.viewer_a):
        pages = host_client(world.a, user)
        assert [pages.get(path).status_code for path in ("/", "/leads/", "/admin/")] == [404, 404, 404]
        assert host_client(None, user).get(api_path).status_code == 404
    assert host_client(None, world.manager_b).get(api_path).status_code == 404
    assert host_client(world.a, world.platform_admin).get("/").status_code == 200
    assert host_client(None, world.platform_admin).get(api_path).status_code == 200


def test_an_unknown_subdomain_answers_404_and_the_public_host_still_serves(world):
    assert host_client(None).get("/", HTTP_HOST="no-such-hotel.localhost").status_code == 404
    assert host_client(None).get("/api/v1/health", HTTP_HOST="no-such-hotel.localhost").status_code == 404
    assert host_client(None).get("/api/v1/health").status_code in (200, 503)
    assert host_client(world.a).get("/login/").status_code == 200
