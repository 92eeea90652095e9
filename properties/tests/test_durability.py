"""Transient failures are retried with back-off; permanent ones become dead letters that can be replayed."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
from django.conf import settings
from django_tenants.utils import schema_context

from conftest import host_client
from core.models import DeadLetter
from testsupport.tasks import broken, flaky
from testsupport.wait import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def key() -> str:
    return f"durability-test:{uuid.uuid4().hex}"


@pytest.fixture
def store() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)


def test_a_transient_failure_is_retried_until_it_succeeds_in_its_schema(committed_db, celery_worker, key, store):
    with schema_context(committed_db.a.schema_name):
        flaky.delay(key, 2)
    assert wait_until(lambda: store.get(f"{key}:done"), timeout=30, interval=0.2) == "alpha"
    assert store.get(f"{key}:attempts") == "3"
    assert not DeadLetter.objects.filter(args__0=key).exists()


def test_a_lost_database_connection_is_retried_not_dead_lettered(committed_db, celery_worker, key, store):
    # PostgreSQL restarting under a task (found by `make chaos`): the idempotent task simply runs again.
    with schema_context(committed_db.a.schema_name):
        flaky.delay(key, 1, kind="database")
    assert wait_until(lambda: store.get(f"{key}:done"), timeout=30, interval=0.2) == "alpha"
    assert store.get(f"{key}:attempts") == "2"
    assert not DeadLetter.objects.filter(args__0=key).exists()


def test_a_permanent_failure_is_not_retried_and_becomes_a_dead_letter(committed_db, celery_worker, key, store):
    with schema_context(committed_db.b.schema_name):
        broken.delay(key)
    letter = wait_until(lambda: DeadLetter.objects.filter(args=[key]).first(), timeout=30, interval=0.2)
    assert letter, "no dead letter in time"
    assert letter.task_name == "testsupport.tasks.broken"
    assert letter.schema_name == "bravo"
    assert letter.error == "ValueError: this input can never be processed"
    assert "Traceback" in letter.traceback
    time.sleep(1)
    assert store.get(f"{key}:attempts") == "1"


def test_exhausted_retries_become_a_dead_letter_that_replays_in_its_schema(committed_db, celery_worker, key, store):
    with schema_context(committed_db.a.schema_name):
        flaky.delay(key, 3)  # max_retries=2: three attempts, all planned to fail
    letter = wait_until(lambda: DeadLetter.objects.filter(args__0=key).first(), timeout=30, interval=0.2)
    assert letter, "no dead letter in time"
    assert letter.retries == 2 and letter.schema_name == "alpha"
    assert store.get(f"{key}:done") is None

    admin = host_client(None, committed_db.platform_admin)
    response = admin.post("/admin/core/deadletter/", {"action": "replay", "_selected_action": [letter.pk]}, follow=True)
    assert b"Replayed 1 task(s)" in response.content
    assert wait_until(lambda: store.get(f"{key}:done"), timeout=30, interval=0.2) == "alpha"
    letter.refresh_from_db()
    assert letter.replayed_at is not None
    # A second replay of the same letter sends nothing.
    again = admin.post("/admin/core/deadletter/", {"action": "replay", "_selected_action": [letter.pk]}, follow=True)
    assert b"Replayed 0 task(s); 1 had already been replayed" in again.content


def test_property_staff_cannot_see_dead_letters(committed_db):
    assert host_client(None, committed_db.manager_a).get("/admin/core/deadletter/").status_code == 302
    assert host_client(committed_db.a, committed_db.manager_a).get("/admin/core/deadletter/").status_code == 404


def test_a_task_whose_schema_cannot_be_switched_never_runs_in_the_public_schema(key, store):
    # Found by `make chaos`: with PostgreSQL restarting, tenant-schemas-celery's prerun switch failed
    # (only logged) and tenant tasks ran in the public schema. Now the task is retried instead.
    from unittest import mock

    from django.db import OperationalError

    from core.durability import DurableTask

    with (
        mock.patch.object(DurableTask, "_schema_of_request", return_value="alpha"),
        mock.patch.object(DurableTask, "get_tenant_for_schema", side_effect=OperationalError("the database is down")),
        pytest.raises(OperationalError),
    ):
        flaky(key, 0)
    assert store.get(f"{key}:attempts") is None  # the body never ran
