"""Uploading knowledge, one flow for every door: the tenant admin, the onboarding wizard (its page and
its API) and the knowledge API.

1. `preview_upload` parses a file and plans its upsert (create / update / unchanged): nothing is
   written. A page keeps the parsed items in the session (`keep_preview` / `take_preview`) until
   the person confirms.
2. `confirm_upload` upserts the items (all or nothing) and records the upload as an `IngestionJob`,
   then embeds what changed. One execution policy everywhere: inline when the caller waits for
   the answer and the upload is small (at most `INLINE_EMBED_MAX` items to embed), else on the
   worker once the upsert commits, the job being what the caller polls. The pages and the
   wizard's API wait; the knowledge API never does (it answers 202 with the job).
3. A file is never read on a request that is not a small preview (issue 18: a 100 KB DOCX can take
   seconds of a core to read): `receive_file` checks its type and size and keeps its bytes in the
   property's schema; the worker's `read_upload` parses it under the read task's time limit, then the
   items go the way of a large set (`write_upload`, batches with progress, then embedding).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.durability import enqueue, enqueue_on_commit
from knowledge.models import IngestionJob, JobStatus, UploadedFile
from knowledge.services.ingestion import (
    PlannedItem,
    plan_upsert,
    run_job,
    stage_items,
    stage_job,
    start_job,
    write_staged,
)
from knowledge.services.parsers import (
    DOCUMENT_FORMATS,
    IngestError,
    ParsedItem,
    check_file,
    items_from_objects,
    parse_file,
)

# The most items a waiting caller sees embedded before its answer: the page waits for every one of
# them, so a larger upload goes to the worker instead and its job says when it is done.
INLINE_EMBED_MAX = 50

# Named, not imported: the tasks module wraps these services (see core.durability.task_named).
EMBED_JOB_TASK = "knowledge.tasks.embed_job"
WRITE_JOB_TASK = "knowledge.tasks.write_job"
READ_JOB_TASK = "knowledge.tasks.read_job"
# Seconds between the read task's soft limit (SoftTimeLimitExceeded, the job fails cleanly) and the hard one (the
# reading process is ended: a parser stuck in C code never sees the soft one).
READ_HARD_LIMIT_MARGIN = 15
# A file still unread this long after its upload lost its task message: the beat job sends it again.
READ_RESEND_AFTER = dt.timedelta(minutes=10)

# What a job that ran out of KNOWLEDGE_READ_TIME_LIMIT says (the soft limit, or the hard one that ends the process).
TOO_SLOW = "The file took too long to read (more than {seconds} s); nothing was saved. Split it into smaller files."

SESSION_PREFIX = "knowledge_upload:"


@dataclass(frozen=True)
class Preview:
    source: str
    items: list[ParsedItem]
    plan: list[PlannedItem]


@dataclass(frozen=True)
class KeptPreview:
    """A preview waiting in the session for its confirmation: the items as JSON."""

    source: str
    items: list[dict[str, Any]]


def preview_upload(name: str, data: bytes, *, category: str = "", language: str = "") -> Preview:
    """Parse an uploaded file and say what saving it would do in the current schema. Raises IngestError."""
    items = parse_file(name, data, category=category, language=language)
    return Preview(source=name, items=items, plan=plan_upsert(items))


def preview_or_receive(
    name: str, data: bytes, *, category: str = "", language: str = "", requested_by: str = ""
) -> Preview | IngestionJob:
    """The pages' door: a small text file (at most KNOWLEDGE_PREVIEW_MAX_BYTES of Markdown, CSV or JSON, read
    in milliseconds) is previewed on the request, nothing written; any other file goes to the worker
    (`receive_file`) and the page shows its job. Raises IngestError."""
    fmt = check_file(name, len(data), category=category, limit=settings.KNOWLEDGE_UPLOAD_MAX_BYTES)
    if fmt not in DOCUMENT_FORMATS and len(data) <= settings.KNOWLEDGE_PREVIEW_MAX_BYTES:
        return preview_upload(name, data, category=category, language=language)
    return receive_file(name, data, category=category, language=language, requested_by=requested_by)


def keep_preview(session: MutableMapping[str, Any], preview: Preview) -> str:
    """Keep the preview's items until the confirmation; returns the token the confirming form posts."""
    token = secrets.token_urlsafe(16)
    session[SESSION_PREFIX + token] = {
        "source": preview.source,
        "items": [item.as_json() for item in preview.items],
        "schema": connection.schema_name,
    }
    return token


def take_preview(session: MutableMapping[str, Any], token: str) -> KeptPreview | None:
    """The kept preview, once (a second confirmation finds nothing); None if expired or another property's."""
    stored = session.pop(SESSION_PREFIX + token, None)
    if stored is None or stored.get("schema") != connection.schema_name:
        return None
    return KeptPreview(source=stored["source"], items=stored["items"])


def confirm_upload(
    items: Sequence[ParsedItem] | Sequence[Mapping[str, Any]],
    *,
    source: str,
    requested_by: str = "",
    wait: bool = True,
) -> IngestionJob:
    """Save the items (parsed, or their JSON) in the current schema and embed what changed.

    Raises IngestError, having written nothing, if any item is invalid. The job comes back finished
    when it was embedded inline, pending when the worker has it (see the module's policy). A set above
    KNOWLEDGE_MAX_ITEMS_PER_REQUEST is not written here at all, whichever door it came through (API,
    admin or wizard preview): the worker writes it in batches (`stage_upload`).
    """
    if len(items) > settings.KNOWLEDGE_MAX_ITEMS_PER_REQUEST:
        return stage_upload(items, source=source, requested_by=requested_by)
    job = start_job(_parsed(items, source), source=source, requested_by=requested_by)
    if job.status != JobStatus.PENDING:
        return job  # nothing changed that needs embedding
    if wait and len(job.item_ids) <= INLINE_EMBED_MAX:
        finished = run_job(job.pk)  # the last attempt: what fails is reported now, not retried
        assert finished is not None
        return finished
    enqueue_on_commit(EMBED_JOB_TASK, args=[job.pk])
    return job


def stage_upload(
    items: Sequence[ParsedItem] | Sequence[Mapping[str, Any]], *, source: str, requested_by: str = ""
) -> IngestionJob:
    """A set too large for one request: validated now, written and embedded by the worker (the job's
    items_written / items_total say how far it is). Raises IngestError, keeping nothing, if an item is invalid."""
    job = stage_job(_parsed(items, source), source=source, requested_by=requested_by)
    enqueue_on_commit(WRITE_JOB_TASK, args=[job.pk])
    return job


def write_upload(job_id: int) -> IngestionJob | None:
    """The worker's side of `stage_upload`: batches of KNOWLEDGE_WRITE_BATCH, then the embedding job."""
    return write_staged(
        job_id,
        batch=settings.KNOWLEDGE_WRITE_BATCH,
        then_embed=lambda job: enqueue_on_commit(EMBED_JOB_TASK, args=[job.pk]),
    )


def receive_file(
    name: str, data: bytes, *, category: str = "", language: str = "", requested_by: str = ""
) -> IngestionJob:
    """The request's side of a file upload: type and size checked (IngestError), the bytes kept in the
    current schema, the worker's reading queued on commit. The job is what the caller polls."""
    check_file(name, len(data), category=category, limit=settings.KNOWLEDGE_UPLOAD_MAX_BYTES)
    with transaction.atomic():
        job = IngestionJob.objects.create(source=name[:300], requested_by=requested_by[:254], status=JobStatus.PENDING)
        UploadedFile.objects.create(job=job, name=name[:300], category=category[:16], language=language[:8], data=data)
        _send_read(job.pk, on_commit=True)
    return job


def _send_read(job_id: int, *, on_commit: bool) -> None:
    limit = settings.KNOWLEDGE_READ_TIME_LIMIT
    send = enqueue_on_commit if on_commit else enqueue
    # The schema also travels as an argument: a read the hard time limit ends is reported by the worker's
    # main process, which has no task headers to find the job's schema in.
    send(
        READ_JOB_TASK,
        args=[job_id],
        kwargs={"schema_name": connection.schema_name},
        time_limits=(limit, limit + READ_HARD_LIMIT_MARGIN),
    )


def resend_unread() -> list[int]:
    """The safety net (beat, every property): a file still kept READ_RESEND_AFTER after its upload, its job
    still pending, lost its task message (the broker down at commit); it is queued again. Returns the jobs."""
    cutoff = timezone.now() - READ_RESEND_AFTER
    jobs = list(
        UploadedFile.objects.filter(created_at__lt=cutoff, job__status=JobStatus.PENDING).values_list(
            "job_id", flat=True
        )
    )
    for job_id in jobs:
        _send_read(job_id, on_commit=False)
    return jobs


def read_upload(job_id: int) -> IngestionJob | None:
    """The worker's side of `receive_file`: parse the kept file (the task's time limit bounds it), validate
    every item, then hand them to `write_upload`. A file that cannot be read fails the job with the reason
    and writes nothing. Idempotent: a file already read (or a finished job) is left alone."""
    with transaction.atomic():
        job = IngestionJob.objects.select_for_update().filter(pk=job_id).first()
        upload = UploadedFile.objects.filter(job_id=job_id).first()
        if job is None or upload is None or job.status in IngestionJob.FINISHED:
            return job
        job.status, job.started_at = JobStatus.RUNNING, job.started_at or timezone.now()
        job.save(update_fields=["status", "started_at"])
    try:
        items = parse_file(upload.name, bytes(upload.data), category=upload.category, language=upload.language)
        if len(items) > settings.KNOWLEDGE_MAX_ITEMS_PER_JOB:
            limit = settings.KNOWLEDGE_MAX_ITEMS_PER_JOB
            raise IngestError(f"{upload.name} has {len(items)} items; send at most {limit} at once.")
        with transaction.atomic():
            stage_items(job, items)
            UploadedFile.objects.filter(job_id=job_id).delete()
            enqueue_on_commit(WRITE_JOB_TASK, args=[job_id])
    except IngestError as exc:
        fail_upload(job_id, str(exc))
    job.refresh_from_db()
    return job


def fail_upload(job_id: int, reason: str) -> None:
    """End a job whose file could not be read: the reason on the job, the kept bytes dropped, nothing written."""
    with transaction.atomic():
        IngestionJob.objects.filter(pk=job_id).exclude(status__in=IngestionJob.FINISHED).update(
            status=JobStatus.FAILED, error=reason[:4000], finished_at=timezone.now()
        )
        UploadedFile.objects.filter(job_id=job_id).delete()


def recent_jobs(limit: int = 20) -> list[IngestionJob]:
    """The current schema's latest jobs for the knowledge page (their staged items and kept bytes left behind)."""
    return list(IngestionJob.objects.defer("staged_items").order_by("-created_at", "-pk")[:limit])


def _parsed(items: Sequence[ParsedItem] | Sequence[Mapping[str, Any]], source: str) -> list[ParsedItem]:
    parsed = [item for item in items if isinstance(item, ParsedItem)]
    return parsed if len(parsed) == len(items) else items_from_objects(list(items), source)


def summary(job: IngestionJob) -> str:
    """What an upload did, as the pages report it."""
    counts = f"{job.source}: created {job.created_count}, updated {job.updated_count}, unchanged {job.unchanged_count}"
    if job.status == JobStatus.FAILED and not (job.created_count or job.updated_count or job.unchanged_count):
        return f"{job.source}: nothing was saved: {job.error}"
    if job.status in (JobStatus.PENDING, JobStatus.RUNNING) and not job.items_total and not job.item_ids:
        return f"{job.source}: reading the file in the background (job {job.pk})."
    if job.items_total and job.items_written < job.items_total:
        return f"{job.source}: writing {job.items_written} of {job.items_total} items in the background (job {job.pk})."
    if job.status in (JobStatus.PENDING, JobStatus.RUNNING):
        return f"{counts}; embedding {len(job.item_ids)} item(s) in the background (job {job.pk})."
    return f"{counts}; embedded {job.embedded_count}, failed {job.failed_count}."
