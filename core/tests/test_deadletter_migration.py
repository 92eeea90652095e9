"""DeadLetter moved from `nocturn` to `core`: a database that still has the old table keeps its letters."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import schema_context

from core.models import DeadLetter

pytestmark = pytest.mark.django_db

BEFORE = [("nocturn", "0001_initial"), ("core", None)]
AFTER = [("nocturn", "0002_move_deadletter_to_core"), ("core", "0001_initial")]


def _table(name: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"public.{name}"])
        return cursor.fetchone()[0]


def _migrate(targets: list[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def test_letters_in_the_old_table_move_to_core_with_their_ids() -> None:
    # Inside the test's transaction (PostgreSQL DDL is transactional): rolled back at the end.
    with schema_context("public"):
        DeadLetter.objects.all().delete()
        _migrate(BEFORE)  # the database as it was: nocturn's table, no core table
        assert _table("nocturn_deadletter") and not _table("core_deadletter")
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO nocturn_deadletter (id, task_name, task_id, schema_name, args, kwargs, error, traceback, "
                "retries, failed_at, replay_task_id) VALUES "
                "(41, 'a.task', 't-41', 'alpha', '[1]', '{}', 'boom', 'tb', 8, now(), ''), "
                "(42, 'b.task', 't-42', 'bravo', '[2]', '{\"revive\": true}', 'bang', '', 0, now(), '')"
            )

        _migrate(AFTER)

        assert not _table("nocturn_deadletter")
        moved = {letter.pk: letter for letter in DeadLetter.objects.all()}
        assert sorted(moved) == [41, 42]
        assert (moved[41].task_name, moved[41].schema_name, moved[41].args, moved[41].retries) == (
            "a.task",
            "alpha",
            [1],
            8,
        )
        assert moved[42].kwargs == {"revive": True} and moved[42].error == "bang"
        # The sequence moved past the copied ids: a new letter never collides with one of them.
        assert DeadLetter.objects.create(task_name="c.task", schema_name="alpha", error="new").pk > 42


def test_going_back_copies_the_letters_back() -> None:
    with schema_context("public"):
        DeadLetter.objects.all().delete()
        DeadLetter.objects.create(id=7, task_name="a.task", schema_name="alpha", error="boom")
        _migrate(BEFORE)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, task_name FROM nocturn_deadletter")
            assert cursor.fetchall() == [(7, "a.task")]
        _migrate(AFTER)
        assert list(DeadLetter.objects.values_list("pk", "task_name")) == [(7, "a.task")]
