"""One upload flow for every door: preview → confirm, recorded as a job, embedded inline or on the worker."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from conftest import host_client
from core.durability import task_named
from knowledge import tasks
from knowledge.models import IngestionJob, JobStatus, KnowledgeItem
from knowledge.services import upload
from knowledge.services.parsers import ParsedItem
from testsupport.knowledge import FIXTURES

ADMIN = "/admin/knowledge/knowledgeitem/"


def test_the_task_the_flow_names_is_the_registered_embedding_task() -> None:
    assert task_named(upload.EMBED_JOB_TASK).name == tasks.embed_job.name == upload.EMBED_JOB_TASK


def test_a_preview_writes_nothing_and_its_plan_says_what_saving_would_do(world) -> None:
    with schema_context(world.a.schema_name):
        preview = upload.preview_upload("rates.csv", (FIXTURES / "rates.csv").read_bytes())
        assert [p.action for p in preview.plan] == ["create"] * 4 and preview.source == "rates.csv"
        assert not KnowledgeItem.objects.exists() and not IngestionJob.objects.exists()


def test_a_waiting_caller_gets_a_small_upload_embedded_and_recorded_as_a_job(world, django_capture_on_commit_callbacks):
    items = [ParsedItem("faq", "Gym", "Open 24 hours.", "en"), ParsedItem("faq", "Spa", "Open at 9 am.", "en")]
    with schema_context(world.a.schema_name), django_capture_on_commit_callbacks() as callbacks:
        job = upload.confirm_upload(items, source="gym.md", requested_by=world.manager_a.email)
        assert job.status == JobStatus.SUCCEEDED and (job.created_count, job.embedded_count) == (2, 2)
        assert IngestionJob.objects.get().requested_by == world.manager_a.email
        assert upload.summary(job) == "gym.md: created 2, updated 0, unchanged 0; embedded 2, failed 0."
    assert callbacks == []  # nothing left for the worker


def test_a_large_upload_goes_to_the_worker_even_when_the_caller_waits(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(upload, "INLINE_EMBED_MAX", 1)
    sent: list[dict] = []
    monkeypatch.setattr(tasks.embed_job, "apply_async", lambda **options: sent.append(options))
    items = [ParsedItem("faq", "Gym", "Open 24 hours.", "en"), ParsedItem("faq", "Spa", "Open at 9 am.", "en")]
    with schema_context(world.a.schema_name), django_capture_on_commit_callbacks(execute=True):
        job = upload.confirm_upload(items, source="gym.md")
        assert job.status == JobStatus.PENDING and job.embedded_count == 0
        assert upload.summary(job) == (
            f"gym.md: created 2, updated 0, unchanged 0; embedding 2 item(s) in the background (job {job.pk})."
        )
    assert sent == [{"args": [job.pk], "headers": {"_schema_name": world.a.schema_name}}]


def test_the_admin_sends_a_large_upload_to_the_worker_and_says_so(world, monkeypatch):
    monkeypatch.setattr(upload, "INLINE_EMBED_MAX", 3)
    monkeypatch.setattr(tasks.embed_job, "apply_async", lambda **options: None)
    client = host_client(world.a, world.manager_a)
    rates = SimpleUploadedFile("rates.csv", (FIXTURES / "rates.csv").read_bytes())
    preview = client.post(f"{ADMIN}upload/", {"file": rates})
    saved = client.post(f"{ADMIN}upload/", {"token": preview.context["token"]}, follow=True)
    assert b"created 4, updated 0, unchanged 0; embedding 4 item(s) in the background" in saved.content
    with schema_context(world.a.schema_name):
        assert IngestionJob.objects.get().status == JobStatus.PENDING
        assert KnowledgeItem.objects.filter(embedding_status="pending").count() == 4


def test_a_kept_preview_is_confirmed_once_and_only_in_its_own_property(world) -> None:
    session: dict = {}
    with schema_context(world.a.schema_name):
        preview = upload.preview_upload("rates.csv", (FIXTURES / "rates.csv").read_bytes())
        token = upload.keep_preview(session, preview)
        other = upload.keep_preview(session, preview)
    with schema_context(world.b.schema_name):
        assert upload.take_preview(session, other) is None
    with schema_context(world.a.schema_name):
        kept = upload.take_preview(session, token)
        assert kept is not None and kept.source == "rates.csv" and len(kept.items) == 4
        assert upload.take_preview(session, token) is None
