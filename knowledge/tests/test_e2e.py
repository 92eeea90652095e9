"""The asynchronous door end to end: PUT → committed upsert → tenant-aware task on the real worker → poll."""

from __future__ import annotations

import json
import uuid

import pytest
from django_tenants.utils import schema_context

from conftest import host_client
from knowledge.models import IngestionJob, KnowledgeItem
from knowledge.services import search
from testsupport.wait import wait_until


@pytest.mark.e2e
def test_a_put_is_embedded_by_the_worker_in_the_right_schema(committed_db, celery_worker):
    world = committed_db
    marker = uuid.uuid4().hex[:8]
    titles = [f"Rooftop Cinema {marker}", f"Batik Class {marker}"]
    body = {
        "items": [
            {
                "category": "facilities",
                "title": titles[0],
                "content": "Open-air movie nights on the rooftop every Saturday at 8:30 pm, free for hotel guests.",
            },
            {
                "category": "facilities",
                "title": titles[1],
                "content": "A batik painting class runs in the lobby every Sunday morning at 10 am for RM 45.",
            },
        ]
    }
    client = host_client(None, world.manager_a)
    try:
        response = client.put(
            f"/api/v1/properties/{world.a.pk}/knowledge-base", data=json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 202, response.content
        job = response.json()
        assert job["status"] == "pending"
        url = f"/api/v1/properties/{world.a.pk}/knowledge-base/jobs/{job['id']}"
        wait_until(lambda: client.get(url).json()["status"] not in {"pending", "running"}, timeout=60, interval=0.3)
        job = client.get(url).json()
        assert job["status"] == "succeeded", job
        assert job["embedded_count"] == 2 and job["failed_count"] == 0 and job["started_at"]
        with schema_context(world.a.schema_name):
            hits = search("Is there a movie night on the roof?", k=3)
            assert hits and hits[0].title == titles[0]
            assert all(
                item.chunks.filter(embedding__isnull=False).exists()
                for item in KnowledgeItem.objects.filter(title__in=titles)
            )
        with schema_context(world.b.schema_name):
            assert not KnowledgeItem.objects.filter(title__in=titles).exists()
            assert not IngestionJob.objects.filter(
                pk=job["id"], source="api", requested_by=world.manager_a.email
            ).exists()
    finally:
        with schema_context(world.a.schema_name):
            KnowledgeItem.objects.filter(title__in=titles).delete()
            IngestionJob.objects.filter(requested_by=world.manager_a.email, source="api").delete()
