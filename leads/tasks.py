from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from core.durability import DurableTask, TransientError
from leads.services.leads import rescore_open_leads


@shared_task(base=DurableTask)
def rescore_leads() -> int:
    """Re-score the open leads of the schema the task was sent from (after its thresholds or rates changed)."""
    try:
        return rescore_open_leads()
    except OperationalError as exc:
        raise TransientError(str(exc)) from exc
