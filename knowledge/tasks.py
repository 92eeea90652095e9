"""Celery tasks of the knowledge base: thin, tenant-aware (the schema travels with the task)."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django_tenants.utils import schema_context

from core.durability import DurableTask
from knowledge.models import JobStatus
from knowledge.services import ingestion
from knowledge.services.upload import (
    EMBED_JOB_TASK,
    READ_HARD_LIMIT_MARGIN,
    READ_JOB_TASK,
    TOO_SLOW,
    WRITE_JOB_TASK,
    fail_upload,
    read_upload,
    resend_unread,
    write_upload,
)

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
        ingestion.fail_job(job_id, exc)
        raise
    return job.status if job is not None else None


def _too_slow(seconds: float | None = None) -> str:
    return TOO_SLOW.format(seconds=f"{seconds or settings.KNOWLEDGE_READ_TIME_LIMIT:g}")


class ReadTask(DurableTask):
    abstract = True

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        # The hard limit ends the process that was reading (a parser stuck in C code never sees the soft one);
        # the worker's main process reports it here, without the task's headers: the schema is an argument.
        schema_name = (kwargs or {}).get("schema_name")
        if schema_name and args:
            unreadable = f"The file could not be read ({type(exc).__name__}); nothing was saved."
            reason = _too_slow(*exc.args[:1]) if isinstance(exc, TimeLimitExceeded) else unreadable
            with schema_context(schema_name):
                fail_upload(args[0], reason)
        super().on_failure(exc, task_id, args, kwargs, einfo)


@shared_task(
    base=ReadTask,
    bind=True,
    name=READ_JOB_TASK,
    soft_time_limit=settings.KNOWLEDGE_READ_TIME_LIMIT,
    time_limit=settings.KNOWLEDGE_READ_TIME_LIMIT + READ_HARD_LIMIT_MARGIN,
)
def read_job(self: Task, job_id: int, schema_name: str = "") -> str | None:
    """Read an uploaded file within KNOWLEDGE_READ_TIME_LIMIT (the sender's, carried by the message), then hand its
    items to `write_job`."""
    try:
        job = read_upload(job_id)
    except SoftTimeLimitExceeded:
        _, soft = self.request.timelimit or (None, None)
        fail_upload(job_id, _too_slow(soft))
        return JobStatus.FAILED
    return job.status if job is not None else None


@shared_task(base=DurableTask, name="knowledge.tasks.resend_unread_uploads")
def resend_unread_uploads() -> int:
    """Beat, in every property's schema: files whose reading task was lost are queued again."""
    return len(resend_unread())
