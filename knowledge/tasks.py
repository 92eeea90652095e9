"""Celery tasks of the knowledge base: thin, tenant-aware (the schema travels with the task)."""

from __future__ import annotations

from celery import shared_task

from knowledge.services import ingestion


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def embed_job(job_id: int) -> str | None:
    """Embed the items of one ingestion job in the schema it was sent from; safe to run twice."""
    job = ingestion.run_job(job_id)
    return job.status if job is not None else None
