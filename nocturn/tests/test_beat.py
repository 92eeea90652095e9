"""Beat sends an every-property entry once to each property's schema, never to the public one."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from celery.app.base import Celery

from nocturn.beat import PropertyAwareDatabaseScheduler
from nocturn.celery import app
from properties.models import Property


def test_an_all_properties_entry_read_from_the_database_reaches_every_property(world, monkeypatch) -> None:
    sent: list[str] = []

    def record(self: Any, name: str, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        sent.append(options["headers"]["_schema_name"])
        return SimpleNamespace(id="x")

    monkeypatch.setattr(Celery, "send_task", record)
    scheduler = PropertyAwareDatabaseScheduler.__new__(PropertyAwareDatabaseScheduler)
    scheduler.app = app
    scheduler._tasks_since_sync = 0
    monkeypatch.setattr(scheduler, "should_sync", lambda: False, raising=False)
    # As the database scheduler loads it: stamped with the schema of the row (public).
    entry = SimpleNamespace(
        name="channels-dispatch-due@__all_tenants_only__",
        task="conversations.pipeline.tasks.dispatch_due",
        args=(),
        kwargs={},
        options={"headers": {"_all_tenants_only": True, "_schema_name": "public"}},
    )

    scheduler.apply_entry(entry)

    properties = set(Property.objects.exclude(schema_name="public").values_list("schema_name", flat=True))
    assert {world.a.schema_name, world.b.schema_name} <= properties
    assert sorted(sent) == sorted(properties)  # each property once, and never public
