"""Issue 18: an uploaded file is never parsed on the request. The API, the admin and the wizard check its size and
type, keep its bytes in the property's schema and answer with a job; the worker reads it within
KNOWLEDGE_READ_TIME_LIMIT (a file that takes longer fails its job with that reason, nothing written), then writes
its items through the large-set path (`write_job`) and embeds them. The knowledge page lists the jobs."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import pytest
from celery.exceptions import TimeLimitExceeded
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone
from django_tenants.utils import schema_context

from conftest import host_client
from knowledge import tasks
from knowledge.models import EmbeddingStatus, IngestionJob, JobStatus, KnowledgeItem, UploadedFile
from knowledge.services.upload import read_upload, write_upload
from knowledge.tests.documents import make_docx
from testsupport.knowledge import FIXTURES
from testsupport.wait import wait_until


def put_file(client: Any, property_id: int, name: str, data: bytes, **fields: str) -> Any:
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile(name, data), **fields})
    return client.put(f"/api/v1/properties/{property_id}/knowledge-base", data=body, content_type=MULTIPART_CONTENT)


def slow_docx(sections: int = 4000) -> bytes:
    """About 75 KB, well under every size limit, and seconds of a core for python-docx to read (~5 s here)."""
    return make_docx([(f"Section {n}", [f"Paragraph number {n} of a long house manual."]) for n in range(sections)])


@pytest.mark.django_db
def test_the_request_keeps_the_file_and_the_worker_reads_and_writes_it(world: Any, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = put_file(
            host_client(None, world.manager_a), world.a.pk, "rates.csv", (FIXTURES / "rates.csv").read_bytes()
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending" and body["stage"] == "Reading the file" and body["created_count"] == 0
    assert len(queued) == 1  # the read task, on commit
    with schema_context(world.a.schema_name):
        assert not KnowledgeItem.objects.exists()  # nothing parsed, nothing written on the request
        assert UploadedFile.objects.get(job_id=body["id"]).name == "rates.csv"
        with django_capture_on_commit_callbacks(execute=False) as then:
            job = read_upload(body["id"])
        assert job.items_total == 4 and job.stage == "Writing items" and len(then) == 1  # write_job next
        assert not UploadedFile.objects.exists() and not KnowledgeItem.objects.exists()
        assert read_upload(job.pk).items_total == 4  # a redelivered read does nothing twice
        with django_capture_on_commit_callbacks(execute=False):
            job = write_upload(job.pk)
        assert job.items_written == 4 and KnowledgeItem.objects.count() == 4 and job.stage == "Embedding"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("broken.csv", b"category,title\nfaq,x\n", "missing column(s) content"),
        ("rules.pdf", b"%PDF-1.4 garbage", "is not a readable PDF"),
    ],
)
def test_a_file_that_cannot_be_read_fails_its_job_with_the_reason(world: Any, name: str, data: bytes, reason: str):
    response = put_file(host_client(None, world.manager_a), world.a.pk, name, data, category="policies")
    assert response.status_code == 202
    with schema_context(world.a.schema_name):
        job = read_upload(response.json()["id"])
        assert job.status == JobStatus.FAILED and reason in job.error
        assert not KnowledgeItem.objects.exists() and not UploadedFile.objects.exists()


@pytest.mark.django_db
def test_type_size_and_category_are_checked_on_the_request(world: Any, settings: Any) -> None:
    settings.KNOWLEDGE_UPLOAD_MAX_BYTES = 100
    manager = host_client(None, world.manager_a)
    assert put_file(manager, world.a.pk, "notes.txt", b"hello").status_code == 400
    assert put_file(manager, world.a.pk, "big.md", b"x" * 101).status_code == 413
    refused = put_file(manager, world.a.pk, "rules.pdf", b"%PDF-1.4")
    assert refused.status_code == 400 and "needs a category" in refused.json()["detail"]
    with schema_context(world.a.schema_name):
        assert not IngestionJob.objects.exists() and not UploadedFile.objects.exists()


@pytest.mark.django_db
def test_a_read_the_hard_time_limit_ended_fails_its_job(world: Any) -> None:
    response = put_file(host_client(None, world.manager_a), world.a.pk, "slow.docx", b"PK...", category="faq")
    job_id = response.json()["id"]
    # What the worker's main process calls when it ends a reading process at the hard limit.
    tasks.read_job.on_failure(TimeLimitExceeded(75), "task-id", [job_id], {"schema_name": world.a.schema_name}, None)
    with schema_context(world.a.schema_name):
        job = IngestionJob.objects.get(pk=job_id)
        assert job.status == JobStatus.FAILED and "took too long to read" in job.error
        assert not UploadedFile.objects.exists()


@pytest.mark.django_db
def test_b_can_neither_read_nor_see_as_jobs(world: Any) -> None:
    response = put_file(host_client(None, world.manager_a), world.a.pk, "gym-a.md", b"# faq\n\n## Gym\n\nOpen 24 h.\n")
    job_id = response.json()["id"]
    with schema_context(world.a.schema_name):
        read_upload(job_id)
    a_url = f"/api/v1/properties/{world.a.pk}/knowledge-base/jobs/{job_id}"
    assert host_client(None, world.manager_a).get(a_url).json()["source"] == "gym-a.md"
    assert host_client(None, world.manager_b).get(a_url).status_code == 404
    assert (
        host_client(None, world.manager_b).get(a_url.replace(f"/{world.a.pk}/", f"/{world.b.pk}/")).status_code == 404
    )
    assert host_client(None, world.agent_a).get(a_url).status_code in (403, 404)
    page_a = host_client(world.a, world.manager_a).get("/onboarding/knowledge/")
    assert page_a.status_code == 200 and b"gym-a.md" in page_a.content
    page_b = host_client(world.b, world.manager_b).get("/onboarding/knowledge/")
    assert page_b.status_code == 200 and b"gym-a.md" not in page_b.content and b"No uploads yet" in page_b.content
    # A's page on B's host with B's manager: the host decides the schema, and B's manager is no member of A.
    assert host_client(world.a, world.manager_b).get("/onboarding/knowledge/").status_code in (403, 404)


@pytest.mark.django_db
def test_the_knowledge_page_lists_jobs_with_state_progress_reason_and_local_time(world: Any) -> None:
    world.a.timezone = "Asia/Kuala_Lumpur"
    world.a.save(update_fields=["timezone"])
    manager = host_client(None, world.manager_a)
    failed = put_file(manager, world.a.pk, "broken.csv", b"category,title\nfaq,x\n").json()["id"]
    waiting = put_file(manager, world.a.pk, "later.md", b"# faq\n\n## Pool\n\nOpen 7 am.\n").json()["id"]
    with schema_context(world.a.schema_name):
        read_upload(failed)
        created = IngestionJob.objects.get(pk=failed).created_at
    page = host_client(world.a, world.manager_a).get("/onboarding/knowledge/")
    html = page.content.decode()
    assert f'data-job="{failed}"' in html and f'data-job="{waiting}"' in html
    assert "missing column(s) content" in html and "Reading the file" in html and "Failed" in html
    local = created.astimezone(world.a.tzinfo).strftime("%H:%M")
    assert f"{created.astimezone(world.a.tzinfo).day} " in html and local in html


@pytest.mark.django_db
def test_the_admin_and_the_wizard_send_a_document_to_the_worker_and_show_its_job(world: Any) -> None:
    admin = host_client(world.a, world.manager_a)
    docx = make_docx([("Spa", ["Open at 9 am."])])
    answer = admin.post(
        "/admin/knowledge/knowledgeitem/upload/",
        {"file": SimpleUploadedFile("spa.docx", docx), "category": "facilities"},
    )
    assert answer.status_code == 302 and answer["Location"].endswith("/admin/knowledge/ingestionjob/")
    wizard = admin.post(
        "/onboarding/knowledge/", {"file": SimpleUploadedFile("spa2.docx", docx), "category": "facilities"}, follow=True
    )
    assert b"reading the file in the background" in wizard.content and b"spa2.docx" in wizard.content
    with schema_context(world.a.schema_name):
        assert set(UploadedFile.objects.values_list("name", flat=True)) == {"spa.docx", "spa2.docx"}
        assert not KnowledgeItem.objects.exists()


@pytest.mark.e2e
def test_the_real_worker_reads_a_file_and_fails_a_slow_one_with_the_reason(
    committed_db: Any, celery_worker: Any, settings: Any
) -> None:
    world = committed_db
    settings.KNOWLEDGE_READ_TIME_LIMIT = 1  # sent with the task by the request; the DOCX needs ~5 s here
    marker = uuid.uuid4().hex[:8]
    client = host_client(None, world.manager_a)
    try:
        gym = f"# faq\n\n## Gym {marker}\n\nOpen 24 hours.\n".encode()
        normal = put_file(client, world.a.pk, f"gym-{marker}.md", gym)
        hostile = slow_docx()
        started = time.monotonic()
        slow = put_file(client, world.a.pk, f"manual-{marker}.docx", hostile, category="policies")
        answered = time.monotonic() - started
        assert normal.status_code == 202 and slow.status_code == 202, slow.content
        assert answered < 1.0, answered  # the request only kept ~75 KB; reading it takes seconds

        def finished(job_id: int) -> bool:
            with schema_context(world.a.schema_name):
                return IngestionJob.objects.get(pk=job_id).status in IngestionJob.FINISHED

        ids = [normal.json()["id"], slow.json()["id"]]
        assert wait_until(lambda: all(finished(job_id) for job_id in ids), timeout=120, interval=0.5)
        with schema_context(world.a.schema_name):
            good = IngestionJob.objects.get(pk=ids[0])
            assert good.status == JobStatus.SUCCEEDED and good.items_written == good.items_total == 1, good.error
            assert KnowledgeItem.objects.get(title=f"Gym {marker}").embedding_status == EmbeddingStatus.READY
            bad = IngestionJob.objects.get(pk=ids[1])
            assert bad.status == JobStatus.FAILED and "took too long to read (more than 1 s)" in bad.error, bad.error
            assert bad.items_written == 0 and not KnowledgeItem.objects.filter(source=bad.source).exists()
            assert not UploadedFile.objects.filter(job_id__in=ids).exists()
        with schema_context(world.b.schema_name):
            assert not KnowledgeItem.objects.filter(title=f"Gym {marker}").exists()
    finally:
        with schema_context(world.a.schema_name):
            KnowledgeItem.objects.filter(source__endswith=marker + ".md").delete()
            KnowledgeItem.objects.filter(source__endswith=marker + ".docx").delete()
            IngestionJob.objects.filter(source__contains=marker).delete()


@pytest.mark.django_db
def test_a_file_whose_read_task_was_lost_is_sent_again_by_the_beat_job(world: Any, monkeypatch: Any) -> None:
    from knowledge.services import upload

    sent: list[tuple[str, list[int], str]] = []
    monkeypatch.setattr(
        upload, "enqueue", lambda name, *, args, kwargs, time_limits: sent.append((name, args, kwargs["schema_name"]))
    )
    response = put_file(host_client(None, world.manager_a), world.a.pk, "lost.md", b"# faq\n\n## Gym\n\nOpen 24 h.\n")
    job_id = response.json()["id"]
    with schema_context(world.a.schema_name):
        assert tasks.resend_unread_uploads() == 0  # too recent: its own message may still be on the way
        UploadedFile.objects.update(created_at=timezone.now() - upload.READ_RESEND_AFTER - dt.timedelta(seconds=1))
        assert tasks.resend_unread_uploads() == 1
        assert sent == [(upload.READ_JOB_TASK, [job_id], world.a.schema_name)]
        read_upload(job_id)  # read: nothing left to send again
        assert tasks.resend_unread_uploads() == 0 and len(sent) == 1
    with schema_context(world.b.schema_name):
        assert tasks.resend_unread_uploads() == 0  # B's sweep never sees A's files
