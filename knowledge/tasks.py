"""Celery tasks of the knowledge base: thin, tenant-aware (the schema travels with the task)."""

from __future__ import annotations

from celery import Task, shared_task

from core.durability import DurableTask
from knowledge.models import JobStatus
from knowledge.services import ingestion
from knowledge.services.upload import EMBED_JOB_TASK, WRITE_JOB_TASK, fail_job, write_upload

MAX_RETRIES = 3


@shared_task(
    name=EMBED_JOB_TASK, bind=True, acks_late=True, max_retries=MAX_RETRIES, soft_time_limit=600, time_limit=660
)
def embed_job(self: Task, job_id: int) -> str | None:
    """Embed the items of one ingestion job in the schema it was sent from; safe to run twice.

    Items the provider failed on are retried with back-off (30 s, 60 s, 120 s); the last attempt
    marks the job failed with the provider's error, and a later PUT of the same items retries them.
    """
    job = ingestion.run_job(job_id, final=self.request.retries >= self.max_retries)
    if job is not None and job.status == JobStatus.PENDING:
        raise self.retry(countdown=30 * 2**self.request.retries)
    return job.status if job is not None else None


@shared_task(base=DurableTask, bind=True, name=WRITE_JOB_TASK, soft_time_limit=900, time_limit=960)
def write_job(self: Task, job_id: int) -> str | None:
    """Write a large upload's items in batches, then embed them. Idempotent: a redelivered or retried
    run goes on from the last committed batch (DurableTask: acks_late, back-off, dead letters)."""
    try:
        job = write_upload(job_id)
    except DurableTask.autoretry_for:
        raise
    except Exception as exc:
        # Not transient: the job says so (its progress stops where it failed) and the dead letter keeps it.
        fail_job(job_id, exc)
        raise
    return job.status if job is not None else None
