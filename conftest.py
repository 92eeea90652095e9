"""Shared fixtures: two properties built once per session and the three standing characters.

- `manager_a`: a manager of property A ("Alpha Hotel")
- `agent_a` / `viewer_a`: an agent and a read-only viewer of A
- `manager_b`: a manager of property B ("Bravo Hotel"), who must never see A's data

Properties (schemas) are created once per session: migrating a schema is the slow part.
Unit tests use pytest-django's `db` (each test rolled back). End-to-end tests that need data
visible to other processes (daphne, a Celery worker) use `committed_db` and unique values; do
not use `transactional_db`: its flush would truncate the public tables, properties included.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.storage import storages
from django.db import connections
from django.db.backends.signals import connection_created
from django.test import Client
from django_tenants.utils import schema_context

from conversations import engine
from conversations.models import Conversation
from properties.models import Property, Role, User
from properties.services import NewProperty, add_member, create_property, property_host

pytest_plugins = ["testsupport.live", "testsupport.browser", "testsupport.fixtures"]

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: pytest.FixtureRequest,
    django_db_keepdb: bool,
    django_db_createdb: bool,
) -> Iterator[None]:
    """Always build the test database.

    pytest-django only builds it when a collected test asks for `db`; a run made only of
    end-to-end tests (`committed_db`) would otherwise talk to the development database.
    """
    from django.test.utils import setup_databases, teardown_databases

    keepdb = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"}, keepdb=keepdb)
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            _disconnect_other_sessions()
            teardown_databases(config, verbosity=0)


def _disconnect_other_sessions() -> None:
    """A just-stopped daphne or worker may still hold a connection for a moment; DROP DATABASE would fail."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [connection.settings_dict["NAME"]],
        )
    connection.close()


@dataclass
class World:
    a: Property
    b: Property
    manager_a: User
    agent_a: User
    viewer_a: User
    manager_b: User
    platform_admin: User


@pytest.fixture(scope="session")
def properties_ab(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[World]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        a = Property.objects.filter(slug="alpha").first() or create_property(
            NewProperty(
                name="Alpha Hotel", slug="alpha", timezone="Asia/Kuala_Lumpur", notification_email="gm@alpha.example"
            )
        )
        b = Property.objects.filter(slug="bravo").first() or create_property(
            NewProperty(
                name="Bravo Hotel", slug="bravo", timezone="Asia/Kuala_Lumpur", notification_email="gm@bravo.example"
            )
        )
        users = {}
        for email, prop, role in [
            ("manager@alpha.example", a, Role.MANAGER),
            ("agent@alpha.example", a, Role.AGENT),
            ("viewer@alpha.example", a, Role.VIEWER),
            ("manager@bravo.example", b, Role.MANAGER),
        ]:
            user = User.objects.filter(email=email).first() or User.objects.create_user(email, PASSWORD)
            add_member(user, prop, role)
            users[email] = user
        admin = User.objects.filter(email="root@nocturn.example").first() or User.objects.create_superuser(
            "root@nocturn.example", PASSWORD
        )
        yield World(
            a=a,
            b=b,
            manager_a=users["manager@alpha.example"],
            agent_a=users["agent@alpha.example"],
            viewer_a=users["viewer@alpha.example"],
            manager_b=users["manager@bravo.example"],
            platform_admin=admin,
        )


@pytest.fixture
def world(properties_ab: World, db: None) -> World:
    return properties_ab


@pytest.fixture(autouse=True)
def _no_cached_settings() -> None:
    """Each test reads settings rows afresh: a cached row may come from a test whose transaction rolled back."""
    from core import settings_cache

    settings_cache.clear()


@pytest.fixture(autouse=True)
def _back_to_the_public_schema() -> Iterator[None]:
    """A request through the test client leaves the connection in the host's schema; reset it."""
    yield
    from django.db import connection

    connection.set_schema_to_public()


_CONNECTIONS_OF_THIS_THREAD: weakref.WeakSet[Any] = weakref.WeakSet()


def _remember_the_connection(sender: object, connection: Any, **kwargs: object) -> None:
    """Every connection the test thread opens through Django's own handler, not only `django.db.connection`
    as seen from here: under a running event loop (Playwright's, see testsupport.browser) the thread gets
    another one."""
    if threading.current_thread() is threading.main_thread() and connection.settings_dict is connections.settings.get(
        connection.alias
    ):
        _CONNECTIONS_OF_THIS_THREAD.add(connection)


connection_created.connect(_remember_the_connection, weak=False, dispatch_uid="conftest.remember_the_connection")


def _connection_left_outside_public(item: pytest.Item, when: str) -> None:
    """Fail `item` when, `when`, one of the test thread's connections is in a property's schema (reset it).

    The function-scoped reset above hides what a test's own requests leave on the ordinary connection;
    this catches the rest (a module or session fixture, the connection used while a browser is open, a
    thread or async task sharing one) where it happens, instead of at some later test that drops or creates
    a property and is refused outside the public schema.
    """
    left = {c.schema_name for c in [connections["default"], *_CONNECTIONS_OF_THIS_THREAD]} - {"public", None}
    if left:
        for c in [connections["default"], *_CONNECTIONS_OF_THIS_THREAD]:
            c.set_schema_to_public()
        pytest.fail(
            f"{item.nodeid}: {when}, the test process's connection was in schema {sorted(left)}",
            pytrace=False,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    _connection_left_outside_public(item, "before its setup (left by an earlier test)")
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    try:
        return (yield)
    finally:
        _connection_left_outside_public(item, "after its teardown (its module's and session's fixtures included)")


@pytest.fixture
def committed_db(properties_ab: World, django_db_blocker: pytest.FixtureRequest) -> Iterator[World]:
    """Database access outside a transaction: writes are visible to daphne and the worker."""
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_"), "end-to-end tests must run on the test database"
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        yield properties_ab


def _standing_character(name: str) -> Callable[[World], User]:
    @pytest.fixture(name=name)
    def character(world: World) -> User:
        """One of the world's standing characters (see this module's docstring)."""
        return getattr(world, name)

    return character


manager_a, agent_a, viewer_a, manager_b = map(_standing_character, ("manager_a", "agent_a", "viewer_a", "manager_b"))


def host_client(property_: Property | None, user: User | None = None) -> Client:
    """A test client speaking to a property's host (or the public host when property_ is None)."""
    host = property_host(property_.slug) if property_ is not None else "localhost"
    client = Client(HTTP_HOST=host)
    if user is not None:
        if property_ is not None:
            with schema_context(property_.schema_name):
                client.force_login(user)
        else:
            client.force_login(user)
    return client


def api_client(user: User) -> Client:
    """A client of the public host's API carrying `user`'s JWT, obtained through the real token endpoint."""
    client = host_client(None)
    response = client.post(
        "/api/v1/auth/token", {"email": user.email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {response.json()['access']}"
    return client


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Iterator[Any]:
    """The default file storage in a folder of this test's own (guests' files: media, uploads)."""
    settings.MEDIA_ROOT = tmp_path
    storages._storages.pop("default", None)
    yield storages["default"]
    storages._storages.pop("default", None)


@pytest.fixture
def in_a(world: World) -> Iterator[None]:
    with schema_context(world.a.schema_name):
        yield


@pytest.fixture
def in_b(world: World) -> Iterator[None]:
    with schema_context(world.b.schema_name):
        yield


def secret_conversation_of_a(world: World) -> Conversation:
    """A web conversation of property A whose guest wrote what B's staff must never see ("Secret of Alpha")."""
    with schema_context(world.a.schema_name):
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        engine.record_guest_message(conversation, "Secret of Alpha: my room is 1207", provider_message_id="a:1")
    return conversation
