"""Write knowledge items (upsert by category + title) and embed them. One service for every door
(the upload flow of the pages and the API is `knowledge.services.upload`).

Two steps, so that a slow provider never holds a transaction and never leaves an item half-done:
1. `upsert_items` validates everything first, then writes every item in one transaction (a bad
   file changes nothing). Content unchanged (same hash) is skipped.
2. `embed_items` chunks and embeds each stale item *outside* a transaction, then swaps its chunks
   in one short transaction, and only if the item did not change meanwhile. The old chunks keep
   answering questions until the new ones are in. Running it twice embeds nothing the second time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import structlog
from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import F, Value
from django.utils import timezone

from core import settings_cache
from knowledge.models import EmbeddingStatus, IngestionJob, JobStatus, KnowledgeChunk, KnowledgeItem, Language
from knowledge.services.chunking import Chunk, chunk_text
from knowledge.services.embeddings import EmbeddingError, EmbeddingProvider, get_provider
from knowledge.services.parsers import ParsedItem, check_unique, items_from_objects, validate

log = structlog.get_logger(__name__)

Progress = Callable[[int, int], None]


def content_hash(
    category: str, title: str, language: str, content: str, title_ms: str = "", content_ms: str = ""
) -> str:
    """Hash of everything that goes into the embedded text: a change to any of it means re-embedding.
    The Malay text joins the payload only when there is one, so items without it keep their hash."""
    fields = [category, title, language, content]
    if title_ms or content_ms:
        fields += [title_ms, content_ms]
    payload = json.dumps(fields, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def hash_of(item: KnowledgeItem | ParsedItem) -> str:
    return content_hash(item.category, item.title, item.language, item.content, item.title_ms, item.content_ms)


@dataclass
class UpsertResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    to_embed: list[int] = field(default_factory=list)


@dataclass
class PlannedItem:
    """What an upsert would do with one parsed item (the admin's preview)."""

    item: ParsedItem
    action: str  # "create" | "update" | "unchanged"


def _validated(items: Sequence[ParsedItem], source: str) -> list[ParsedItem]:
    """Every item checked, each error naming the source and the item's title; two items of one key refused."""
    return check_unique([validate(item, f"{source}, {item.title!r}") for item in items], source)


def _existing(items: Sequence[ParsedItem], *, lock: bool = False) -> dict[tuple[str, str], KnowledgeItem]:
    """The stored items these would create or update, by (category, title)."""
    rows = KnowledgeItem.objects.select_for_update() if lock else KnowledgeItem.objects.all()
    return {(row.category, row.title): row for row in rows.filter(title__in={item.title for item in items})}


def _differs(row: KnowledgeItem, item: ParsedItem, new_hash: str) -> bool:
    return (
        row.content_hash != new_hash
        or row.metadata != item.metadata
        or row.is_active != item.is_active
        or row.valid_from != item.valid_from
        or row.valid_to != item.valid_to
    )


def plan_upsert(items: Sequence[ParsedItem]) -> list[PlannedItem]:
    existing = _existing(items)
    plan = []
    for item in items:
        row = existing.get((item.category, item.title))
        new_hash = hash_of(item)
        action = "create" if row is None else ("update" if _differs(row, item, new_hash) else "unchanged")
        plan.append(PlannedItem(item, action))
    return plan


def upsert_items(items: Sequence[ParsedItem], *, source: str = "") -> UpsertResult:
    """Create or update items by (category, title), all or nothing; returns what changed."""
    items = _validated(items, source or "input")
    result = UpsertResult()
    with transaction.atomic():
        # Lock the rows we may update: two uploads of the same file must not both "create" an item.
        existing = _existing(items, lock=True)
        for item in items:
            new_hash = hash_of(item)
            row = existing.get((item.category, item.title))
            if row is None:
                row = KnowledgeItem.objects.create(**item.authored(), content_hash=new_hash, source=source[:300])
                result.created.append(row.pk)
            elif _differs(row, item, new_hash):
                # Category and title are the row's key (found by them), so they are written unchanged.
                for name, value in item.authored().items():
                    setattr(row, name, value)
                if row.content_hash != new_hash:
                    row.content_hash = new_hash
                    row.embedding_status = EmbeddingStatus.PENDING
                row.source = source[:300] or row.source
                row.save()
                result.updated.append(row.pk)
            else:
                result.unchanged.append(row.pk)
            if row.embedded_hash != row.content_hash:
                result.to_embed.append(row.pk)
    return result


def save_item(item: KnowledgeItem, *, provider: EmbeddingProvider | None = None) -> KnowledgeItem:
    """Save an edited item (the admin form) and re-embed it if what is embedded changed."""
    item.content_hash = hash_of(item)
    if item.embedded_hash != item.content_hash:
        item.embedding_status = EmbeddingStatus.PENDING
    item.save()
    if item.embedded_hash != item.content_hash:
        embed_items([item.pk], provider=provider)
        item.refresh_from_db()
    return item


def set_active(item_ids: Iterable[int], active: bool) -> int:
    changed = (
        KnowledgeItem.objects.filter(pk__in=list(item_ids))
        .exclude(is_active=active)
        .update(is_active=active, updated_at=timezone.now())
    )
    if changed:  # a queryset UPDATE sends no post_save: per-process copies of the items (the room catalogue) go
        settings_cache.changed(connection.schema_name)
    return changed


@dataclass
class EmbedResult:
    embedded: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def passage_text(item: KnowledgeItem, chunk: str, language: str = "") -> str:
    # The title travels with every chunk: "Check-out" + "12 noon" embeds far better than "12 noon".
    # A Malay chunk of an English item carries the Malay title (the English one if there is none).
    title = (item.title_ms or item.title) if language == Language.MALAY and item.content_ms else item.title
    return f"{title}\n{chunk}"


def item_chunks(item: KnowledgeItem) -> list[tuple[str, Chunk]]:
    """(language, chunk) of every text the item holds: its own, then its Malay text when it has one."""
    chunks = [(item.language, chunk) for chunk in chunk_text(item.content)]
    if item.content_ms:
        chunks += [(Language.MALAY.value, chunk) for chunk in chunk_text(item.content_ms)]
    return chunks


def embed_item(item_id: int, provider: EmbeddingProvider, *, force: bool = False) -> bool:
    """Rebuild one item's chunks; False if there was nothing to do. Raises EmbeddingError."""
    item = KnowledgeItem.objects.filter(pk=item_id).first()
    if item is None or (not force and item.embedded_hash == item.content_hash):
        return False
    snapshot = item.content_hash
    chunks = item_chunks(item)
    vectors = provider.embed_passages([passage_text(item, chunk.text, language) for language, chunk in chunks])
    with transaction.atomic():
        locked = KnowledgeItem.objects.select_for_update().filter(pk=item_id).first()
        if locked is None or locked.content_hash != snapshot:
            return False  # deleted or edited while we embedded: the edit's own run will embed it
        locked.chunks.all().delete()
        KnowledgeChunk.objects.bulk_create(
            KnowledgeChunk(
                item=locked,
                ordinal=ordinal,
                text=chunk.text,
                language=language,
                token_count=chunk.token_count,
                embedding=vector,
                embedding_model=f"{provider.name}:{provider.model}",
            )
            for ordinal, ((language, chunk), vector) in enumerate(zip(chunks, vectors, strict=True))
        )
        # Each chunk is found by words of its own language's title as well as its text.
        for language in {language for language, _ in chunks}:
            title = passage_text(locked, "", language).strip()
            locked.chunks.filter(language=language).update(
                search_vector=SearchVector(Value(title), weight="A", config="simple")
                + SearchVector("text", weight="B", config="simple")
            )
        KnowledgeItem.objects.filter(pk=item_id).update(
            embedded_hash=snapshot,
            embedding_status=EmbeddingStatus.READY,
            embedding_error="",
            embedded_at=timezone.now(),
        )
    return True


def embed_items(
    item_ids: Iterable[int],
    *,
    provider: EmbeddingProvider | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> EmbedResult:
    provider = provider or get_provider()
    ids = list(dict.fromkeys(item_ids))
    result = EmbedResult()
    for done, item_id in enumerate(ids, start=1):
        try:
            if embed_item(item_id, provider, force=force):
                result.embedded += 1
            else:
                result.skipped += 1
        except EmbeddingError as exc:
            result.failed += 1
            result.errors.append(f"item {item_id}: {exc}")
            KnowledgeItem.objects.filter(pk=item_id).update(
                embedding_status=EmbeddingStatus.FAILED, embedding_error=str(exc)[:2000]
            )
            log.warning("knowledge.embed_failed", item_id=item_id, error=str(exc))
        if progress:
            progress(done, len(ids))
    return result


def stale_item_ids() -> list[int]:
    return list(KnowledgeItem.objects.exclude(embedded_hash=F("content_hash")).values_list("pk", flat=True))


# --- Jobs: every upload is recorded as one (see knowledge.services.upload for where it runs) ------


def start_job(items: Sequence[ParsedItem], *, source: str, requested_by: str = "") -> IngestionJob:
    """Upsert now and record the job; pending while something is left to embed (`run_job` does it)."""
    with transaction.atomic():
        result = upsert_items(items, source=source)
        return IngestionJob.objects.create(
            source=source[:300],
            requested_by=requested_by[:254],
            created_count=len(result.created),
            updated_count=len(result.updated),
            unchanged_count=len(result.unchanged),
            item_ids=result.to_embed,
            status=JobStatus.PENDING if result.to_embed else JobStatus.SUCCEEDED,
            finished_at=None if result.to_embed else timezone.now(),
        )


def stage_job(items: Sequence[ParsedItem], *, source: str, requested_by: str = "") -> IngestionJob:
    """A large set: every item validated now (IngestError, nothing kept, if one is wrong), then kept on
    the job for the worker to write in batches (`write_staged`); nothing is written on the request."""
    job = IngestionJob(source=source[:300], requested_by=requested_by[:254], status=JobStatus.PENDING)
    return stage_items(job, items)


def stage_items(job: IngestionJob, items: Sequence[ParsedItem]) -> IngestionJob:
    """Validate every item (IngestError, nothing kept, if one is wrong) and keep them on `job` for `write_staged`."""
    items = _validated(items, job.source or "input")
    job.staged_items, job.items_total = [item.as_json() for item in items], len(items)
    job.save()
    return job


def write_staged(job_id: int, *, batch: int, then_embed: Callable[[IngestionJob], None]) -> IngestionJob | None:
    """Write a staged job's items, `batch` at a time, each batch in its own transaction with the job's
    progress; a rerun (worker lost, retry) goes on from `items_written`. When all are written the
    staged copy is dropped and `then_embed` is called for what needs embedding."""
    while True:
        with transaction.atomic():
            job = IngestionJob.objects.select_for_update().filter(pk=job_id).first()
            if job is None or job.status in IngestionJob.FINISHED or not job.staged_items:
                return job
            done = job.items_written
            if done >= len(job.staged_items):
                job.staged_items = []
                if not job.item_ids:
                    job.status, job.finished_at = JobStatus.SUCCEEDED, timezone.now()
                job.save()
                if job.item_ids:
                    then_embed(job)
                return job
            chunk = items_from_objects(job.staged_items[done : done + batch], job.source or "input")
            result = upsert_items(chunk, source=job.source)
            job.status, job.started_at = JobStatus.RUNNING, job.started_at or timezone.now()
            job.created_count += len(result.created)
            job.updated_count += len(result.updated)
            job.unchanged_count += len(result.unchanged)
            job.item_ids = [*job.item_ids, *result.to_embed]
            job.items_written = done + len(chunk)
            job.save()


def fail_job(job_id: int, exc: BaseException) -> None:
    """End a job on an error that retrying will not mend, its class and text on the job."""
    IngestionJob.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, error=f"{exc.__class__.__name__}: {exc}"[:4000], finished_at=timezone.now()
    )


def run_job(job_id: int, *, final: bool = True) -> IngestionJob | None:
    """Embed a job's items. Idempotent: a finished job, or items already embedded, are skipped.

    When items fail (provider down, rate limited) and this is not the `final` attempt, the job goes
    back to pending so that the task can retry it later; only the last attempt marks it failed.
    """
    with transaction.atomic():
        job = IngestionJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in IngestionJob.FINISHED:
            return job
        job.status, job.started_at = JobStatus.RUNNING, job.started_at or timezone.now()
        job.save(update_fields=["status", "started_at"])
    try:
        result = embed_items(job.item_ids)
    except Exception as exc:
        fail_job(job_id, exc)
        raise
    if result.failed and not final:
        status, finished_at = JobStatus.PENDING, None
    else:
        status = JobStatus.FAILED if result.failed else JobStatus.SUCCEEDED
        finished_at = timezone.now()
    IngestionJob.objects.filter(pk=job_id).update(
        status=status,
        embedded_count=F("embedded_count") + result.embedded,
        failed_count=result.failed,
        error="\n".join(result.errors)[:4000],
        finished_at=finished_at,
    )
    job.refresh_from_db()
    return job
