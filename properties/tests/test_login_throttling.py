"""Staff login throttling (django-axes): 5 failures per e-mail + IP lock that pair out for 15 minutes, on every door;
30 failures from one IP across any e-mails lock that IP out."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from conftest import PASSWORD
from properties.services import property_host

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.7"
OFFICE = "198.51.100.20"


def client_on(property_, ip: str = ATTACKER) -> Client:
    return Client(HTTP_HOST=property_host(property_.slug) if property_ else "localhost", REMOTE_ADDR=ip)


def login_page(property_, email: str, password: str, ip: str = ATTACKER):
    return client_on(property_, ip).post("/login/", {"username": email, "password": password})


def admin_login(property_, email: str, password: str, ip: str = ATTACKER):
    return client_on(property_, ip).post("/admin/login/", {"username": email, "password": password})


def jwt(email: str, password: str, ip: str = ATTACKER):
    return client_on(None, ip).post(
        "/api/v1/auth/token", {"email": email, "password": password}, content_type="application/json"
    )


def fail(times: int, email: str, door, *args) -> list[int]:
    """Wrong passwords; the failure that reaches the limit is already answered 429."""
    statuses = [door(*args, email, "wrong-password").status_code for _ in range(times)]
    assert set(statuses) <= {200, 401, 429}, statuses  # the form again / bad credentials / locked
    return statuses


def test_five_failures_lock_the_email_and_ip_out_even_with_the_right_password(world) -> None:
    email = world.manager_a.email
    fail(4, email, login_page, world.a)
    assert login_page(world.a, email, PASSWORD).status_code == 302  # 4 failures: still allowed
    assert fail(5, email, login_page, world.a) == [200, 200, 200, 200, 429]
    locked = login_page(world.a, email, PASSWORD)
    assert locked.status_code == 429
    assert b"Too many sign-in attempts" in locked.content
    assert "sessionid" not in locked.cookies


def test_the_lockout_is_per_email_and_ip(world) -> None:
    fail(5, world.manager_a.email, login_page, world.a)
    assert login_page(world.a, world.manager_a.email, PASSWORD).status_code == 429
    # The same person from the hotel's office, and a colleague from the attacker's network, are not locked.
    assert login_page(world.a, world.manager_a.email, PASSWORD, ip=OFFICE).status_code == 302
    assert login_page(world.a, world.agent_a.email, PASSWORD).status_code == 302


def test_the_lockout_ends_after_15_minutes(world) -> None:
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False):
        fail(5, world.agent_a.email, login_page, world.a)
        assert login_page(world.a, world.agent_a.email, PASSWORD).status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        assert login_page(world.a, world.agent_a.email, PASSWORD).status_code == 302


def test_an_attempt_during_the_lockout_starts_the_15_minutes_again(world) -> None:
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False):
        fail(5, world.viewer_a.email, login_page, world.a)
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        assert login_page(world.a, world.viewer_a.email, "guess-again").status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        # 6 minutes after the last attempt: still locked, and this try (even the right password) restarts it too.
        assert login_page(world.a, world.viewer_a.email, PASSWORD).status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=32), tick=False):
        assert login_page(world.a, world.viewer_a.email, PASSWORD).status_code == 302


def test_failures_on_every_door_count_together_and_lock_every_door(world) -> None:
    email = world.manager_a.email.upper()  # the e-mail's case does not give a fresh count
    fail(2, email, login_page, world.a)
    fail(2, email, admin_login, world.a)
    fail(1, email, jwt)
    assert jwt(world.manager_a.email, PASSWORD).status_code == 429
    assert admin_login(None, world.manager_a.email, PASSWORD).status_code == 429
    assert login_page(world.a, world.manager_a.email, PASSWORD).status_code == 429


def test_the_jwt_endpoint_is_throttled(world) -> None:
    fail(5, world.manager_b.email, jwt)
    refused = jwt(world.manager_b.email, PASSWORD)
    assert refused.status_code == 429
    assert "access" not in refused.content.decode()
    assert jwt(world.manager_b.email, PASSWORD, ip=OFFICE).status_code == 200


def test_the_platform_admins_public_admin_is_throttled(world) -> None:
    fail(5, world.platform_admin.email, admin_login, None)
    assert admin_login(None, world.platform_admin.email, PASSWORD).status_code == 429


def test_staff_cannot_see_the_login_attempts(world) -> None:
    fail(1, world.manager_a.email, login_page, world.a)
    from conftest import host_client

    for client in (host_client(None, world.manager_b), host_client(world.b, world.manager_b)):
        response = client.get("/admin/axes/accessattempt/")
        assert response.status_code in (302, 403, 404)
        assert world.manager_a.email.encode() not in response.content
    page = host_client(None, world.platform_admin).get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and world.manager_a.email.encode() in page.content


def spray(world, count: int) -> None:
    """One wrong password each for `count` different e-mails from the attacker's IP, over every door
    (property A's login page, the public admin, the JWT endpoint)."""
    doors = ((login_page, (world.a,)), (admin_login, (None,)), (jwt, ()))
    for i in range(count):
        door, args = doors[i % len(doors)]
        status = door(*args, f"guess{i}@nowhere.example", "wrong-password").status_code
        assert status in (200, 401, 429), status


def test_one_ip_trying_many_emails_is_locked_out_on_every_door_and_others_are_not(world, settings) -> None:
    limit = settings.LOGIN_IP_FAILURE_LIMIT
    assert limit == 30  # the value docs/security.md and .env.example give
    spray(world, limit - 1)
    # One failure short of the IP's budget: a real account from that IP still gets in.
    assert login_page(world.a, world.agent_a.email, PASSWORD).status_code == 302
    spray(world, 1)
    assert login_page(world.a, world.manager_a.email, PASSWORD).status_code == 429
    assert admin_login(world.a, world.manager_a.email, PASSWORD).status_code == 429
    refused = jwt(world.manager_b.email, PASSWORD)
    assert refused.status_code == 429 and "access" not in refused.content.decode()
    # Every other address is untouched, and the e-mails themselves are not locked elsewhere.
    assert login_page(world.a, world.manager_a.email, PASSWORD, ip=OFFICE).status_code == 302
    assert jwt(world.manager_b.email, PASSWORD, ip=OFFICE).status_code == 200


def test_the_ip_budget_counts_only_the_lockout_minutes(world, settings) -> None:
    settings.LOGIN_IP_FAILURE_LIMIT = 6  # a smaller budget: each failure hashes a password
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False):
        spray(world, settings.LOGIN_IP_FAILURE_LIMIT)
        assert jwt(world.manager_a.email, PASSWORD).status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        assert jwt(world.manager_a.email, PASSWORD).status_code == 200
