"""The no-takeover e-mail alert on the real Celery worker, with a one-second per-property timeout."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from conversations import engine, handoff
from conversations.handoff.tasks import handoff_alert_email
from conversations.models import Handoff, HandoffSettings
from testsupport.wait import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def quick_alerts(committed_db, forget_committed_guests):
    world = committed_db
    before = world.a.notification_email
    world.a.notification_email = "duty-manager@alpha.example"
    world.a.save(update_fields=["notification_email"])
    with schema_context(world.a.schema_name):
        settings_row = HandoffSettings.current()
        settings_row.alert_after_seconds = 1
        settings_row.save()
    yield world
    world.a.notification_email = before
    world.a.save(update_fields=["notification_email"])
    with schema_context(world.a.schema_name):
        HandoffSettings.objects.all().delete()


def test_an_alert_email_goes_when_nobody_takes_over_in_time_and_not_when_someone_does(
    quick_alerts, celery_worker, live_logs: Path
) -> None:
    world = quick_alerts
    with schema_context(world.a.schema_name):
        waiting = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        engine.record_guest_message(waiting, "Is anyone there? My door lock is broken", provider_message_id="w:1")
        taken = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        engine.record_guest_message(taken, "I want to talk to a person", provider_message_id="t:1")
        first, _ = handoff.begin_handoff(waiting.pk, trigger="human_request")
        second, _ = handoff.begin_handoff(taken.pk, trigger="human_request")
        handoff.take_over(taken.pk, user_id=world.agent_a.pk)

        def alerted(pk: int) -> bool:
            return Handoff.objects.filter(pk=pk, alert_emailed_at__isnull=False).exists()

        assert wait_until(lambda: alerted(first.pk), timeout=30, interval=0.2), "the worker never sent the alert"
        # The same task for the episode staff took over, run by the worker: it checks again and sends nothing.
        again = handoff_alert_email.apply_async(args=[second.pk], headers={"_schema_name": world.a.schema_name})
        assert again.get(timeout=30) is False
        assert not alerted(second.pk)
    # The console e-mail backend prints to the worker's log (whichever worker of this session ran it).
    sent = "".join(p.read_text(errors="replace") for p in live_logs.parent.glob("live*/worker-*.log"))
    # Log lines never carry an e-mail address (privacy's log filter masks it, recipient included).
    assert "A guest is waiting for a person" in sent and "To: <email>" in sent
    assert "duty-manager@alpha.example" not in sent
    assert "door lock is broken" in sent
