"""Celery tasks carry their schema to a real worker."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from conversations.models import Channel, Conversation, Guest, Message, MessageRole
from conversations.pipeline.tasks import buffered_turn
from nocturn.tasks import whereami
from testsupport.wait import wait_until

pytestmark = pytest.mark.e2e


def test_a_task_sent_from_a_runs_in_as_schema(committed_db, celery_worker):
    world = committed_db
    with schema_context(world.a.schema_name):
        assert whereami.delay().get(timeout=20) == "alpha"
    with schema_context(world.b.schema_name):
        assert whereami.delay().get(timeout=20) == "bravo"


def _conversation_with_a_guest_message() -> tuple[Conversation, Message]:
    guest = Guest.objects.create(name="Task Guest")
    conversation = Conversation.objects.create(guest=guest, channel=Channel.WEB)
    message = Message.objects.create(
        conversation=conversation, role=MessageRole.GUEST, channel=Channel.WEB, content="hi"
    )
    return conversation, message


def test_a_task_updates_rows_of_its_own_schema_only(committed_db, celery_worker):
    world = committed_db
    with schema_context(world.a.schema_name):
        conversation, message = _conversation_with_a_guest_message()
    # The same ids sent from B's schema find nothing there and must not touch A's rows.
    with schema_context(world.b.schema_name):
        assert buffered_turn.delay(conversation.pk, message.pk).get(timeout=20) is None
    with schema_context(world.a.schema_name):
        assert Conversation.objects.get(pk=conversation.pk).message_count == 0
        # The guest turn answers in A: the reply and the recount (guest message + reply) are A's.
        assert buffered_turn.delay(conversation.pk, message.pk).get(timeout=60) is not None
        wait_until(lambda: Conversation.objects.get(pk=conversation.pk).message_count == 2, timeout=5)
        assert Conversation.objects.get(pk=conversation.pk).message_count == 2


def test_beat_sends_a_schedule_stored_in_as_schema_to_a(committed_db, celery_worker, live_logs):
    import json
    import subprocess
    import sys

    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from testsupport.live import REPO_ROOT, child_env, stop

    world = committed_db
    with schema_context(world.a.schema_name):
        conversation, message = _conversation_with_a_guest_message()
        every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
        PeriodicTask.objects.create(
            name=f"turn-{conversation.pk}@alpha",
            task="conversations.pipeline.tasks.buffered_turn",
            interval=every_second,
            args=json.dumps([conversation.pk, message.pk]),  # answered once, however often beat sends it
        )
    log_path = live_logs / "beat.log"
    with open(log_path, "wb") as log:
        beat = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "nocturn",
                "beat",
                "-l",
                "info",
                "-s",
                str(live_logs / "beat-schedule"),
            ],
            cwd=REPO_ROOT,
            env=child_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:

            def answered() -> bool:
                assert beat.poll() is None, log_path.read_text()
                return Conversation.objects.get(pk=conversation.pk).message_count == 2

            with schema_context(world.a.schema_name):
                assert wait_until(answered, timeout=30, interval=0.2), log_path.read_text()
        finally:
            stop(beat)
            with schema_context(world.a.schema_name):
                PeriodicTask.objects.filter(name=f"turn-{conversation.pk}@alpha").delete()
    assert "beat raised exception" not in log_path.read_text()
