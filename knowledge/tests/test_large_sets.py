"""Issue 18: a knowledge set larger than one request writes (KNOWLEDGE_MAX_ITEMS_PER_REQUEST) becomes a
background job: validated on the request, answered 202 with the job, written by the worker in batches
with its progress (items_written / items_total), then embedded; above KNOWLEDGE_MAX_ITEMS_PER_JOB, 413."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django_tenants.utils import schema_context

from conftest import host_client
from knowledge.models import EmbeddingStatus, IngestionJob, KnowledgeItem
from knowledge.services import ingestion
from testsupport.wait import wait_until


def items(count: int, marker: str) -> list[dict[str, str]]:
    return [
        {"category": "faq", "title": f"Question {n} {marker}", "content": f"Answer number {n} about the hotel."}
        for n in range(count)
    ]


def put(client: Any, property_id: int, body: Any) -> Any:
    url = f"/api/v1/properties/{property_id}/knowledge-base"
    return client.put(url, data=json.dumps(body), content_type="application/json")


@pytest.mark.django_db
def test_a_large_set_is_kept_for_the_worker_and_written_in_batches_with_progress(world: Any, settings: Any) -> None:
    settings.KNOWLEDGE_MAX_ITEMS_PER_REQUEST = 10
    response = put(host_client(None, world.manager_a), world.a.pk, items(23, "m"))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending" and body["items_total"] == 23 and body["items_written"] == 0
    with schema_context(world.a.schema_name):
        assert not KnowledgeItem.objects.exists()  # nothing written on the request
        embedded: list[int] = []
        job = ingestion.write_staged(body["id"], batch=10, then_embed=lambda j: embedded.append(j.pk))
        assert job.items_written == 23 and job.created_count == 23 and job.staged_items == []
        assert len(job.item_ids) == 23 and embedded == [job.pk]
        assert KnowledgeItem.objects.count() == 23
        # A rerun (a lost worker, a retry) writes nothing twice.
        assert ingestion.write_staged(job.pk, batch=10, then_embed=embedded.append).items_written == 23
        assert KnowledgeItem.objects.count() == 23 and embedded == [job.pk]


@pytest.mark.django_db
def test_a_rerun_goes_on_where_the_last_batch_stopped(world: Any) -> None:
    with schema_context(world.a.schema_name):
        parsed = ingestion.items_from_objects(items(12, "r"), "api")
        job = ingestion.stage_job(parsed, source="api")
        first_five = ingestion.upsert_items(parsed[:5], source="api")
        IngestionJob.objects.filter(pk=job.pk).update(items_written=5, item_ids=first_five.to_embed, created_count=5)
        job = ingestion.write_staged(job.pk, batch=4, then_embed=lambda j: None)
        assert job.items_written == 12 and job.created_count == 12 and job.unchanged_count == 0
        assert KnowledgeItem.objects.count() == 12


@pytest.mark.django_db
def test_above_the_ceiling_is_413_and_an_invalid_item_keeps_nothing(world: Any, settings: Any) -> None:
    assert settings.KNOWLEDGE_MAX_ITEMS_PER_JOB == 20000
    settings.KNOWLEDGE_MAX_ITEMS_PER_REQUEST, settings.KNOWLEDGE_MAX_ITEMS_PER_JOB = 3, 6
    manager = host_client(None, world.manager_a)
    refused = put(manager, world.a.pk, items(7, "c"))
    assert refused.status_code == 413 and "at most 6" in refused.json()["detail"]
    bad = items(5, "c")
    bad[4]["category"] = "no-such-category"
    assert put(manager, world.a.pk, bad).status_code == 400
    with schema_context(world.a.schema_name):
        assert not IngestionJob.objects.exists() and not KnowledgeItem.objects.exists()


@pytest.mark.django_db
def test_a_jobs_progress_is_for_the_propertys_managers_only(world: Any, settings: Any) -> None:
    settings.KNOWLEDGE_MAX_ITEMS_PER_REQUEST = 2
    job = put(host_client(None, world.manager_a), world.a.pk, items(4, "i")).json()
    url = f"/api/v1/properties/{world.a.pk}/knowledge-base/jobs/{job['id']}"
    assert host_client(None, world.manager_a).get(url).json()["items_total"] == 4
    assert host_client(None, world.manager_b).get(url).status_code == 404
    assert host_client(None, world.agent_a).get(url).status_code in (403, 404)
    # B's own job URL with A's job id finds nothing in B's schema.
    other = f"/api/v1/properties/{world.b.pk}/knowledge-base/jobs/{job['id']}"
    assert host_client(None, world.manager_b).get(other).status_code == 404
    # The tenant admin's job list shows the progress on A's host only.
    page = host_client(world.a, world.manager_a).get("/admin/knowledge/ingestionjob/")
    assert page.status_code == 200 and b"0 / 4" in page.content
    assert b"0 / 4" not in host_client(world.b, world.manager_b).get("/admin/knowledge/ingestionjob/").content
    detail = host_client(world.a, world.manager_a).get(f"/admin/knowledge/ingestionjob/{job['id']}/change/")
    assert detail.status_code == 200 and b"Question 3 i" not in detail.content  # the staged items are not shown


@pytest.mark.e2e
def test_the_real_worker_writes_and_embeds_a_large_set(committed_db: Any, celery_worker: Any, settings: Any) -> None:
    world = committed_db
    settings.KNOWLEDGE_MAX_ITEMS_PER_REQUEST = 10  # the API here is in-process; the worker has its own batch size
    marker = uuid.uuid4().hex[:8]
    client = host_client(None, world.manager_a)
    try:
        response = put(client, world.a.pk, items(30, marker))
        assert response.status_code == 202, response.content
        url = f"/api/v1/properties/{world.a.pk}/knowledge-base/jobs/{response.json()['id']}"
        finished = wait_until(
            lambda: client.get(url).json()["status"] in IngestionJob.FINISHED,
            timeout=180,
            interval=0.5,
        )
        job = client.get(url).json()
        assert finished and job["status"] == "succeeded", job
        assert job["items_written"] == job["items_total"] == 30 and job["created_count"] == 30
        assert job["embedded_count"] == 30 and job["failed_count"] == 0
        with schema_context(world.a.schema_name):
            written = KnowledgeItem.objects.filter(title__endswith=marker)
            assert written.count() == 30
            assert set(written.values_list("embedding_status", flat=True)) == {EmbeddingStatus.READY}
        with schema_context(world.b.schema_name):
            assert not KnowledgeItem.objects.filter(title__endswith=marker).exists()
    finally:
        with schema_context(world.a.schema_name):
            KnowledgeItem.objects.filter(title__endswith=marker).delete()
