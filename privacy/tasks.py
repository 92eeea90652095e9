"""Beat job sent to every property's schema (tenant-aware beat); each decides by its local clock."""

from __future__ import annotations

from celery import shared_task

from core.durability import DurableTask
from privacy.services.retention import purge_if_due


@shared_task(base=DurableTask)
def purge_expired() -> dict[str, int] | None:
    return purge_if_due()
