"""The no-takeover e-mail alert: scheduled with a countdown when an episode starts, run in its schema."""

from __future__ import annotations

from celery import shared_task

from conversations import task_names
from conversations.handoff.service import send_alert_if_untaken
from core.durability import DurableTask


@shared_task(base=DurableTask, name=task_names.HANDOFF_ALERT_EMAIL)
def handoff_alert_email(handoff_id: int) -> bool:
    """Idempotent: the service checks the episode again (taken over? resolved? already sent?) before sending."""
    return send_alert_if_untaken(handoff_id)
