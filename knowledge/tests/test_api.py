"""PUT /api/v1/properties/{id}/knowledge-base and its job: managers only, all-or-nothing, asynchronous."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django_tenants.utils import schema_context

from conftest import host_client
from knowledge.models import IngestionJob, JobStatus, KnowledgeItem
from knowledge.services.ingestion import run_job
from knowledge.services.upload import read_upload, write_upload
from testsupport.knowledge import FIXTURES

ITEMS = {
    "items": [
        {"category": "faq", "title": "Wi-Fi Access", "content": "Network SeriMelati-Guest, room number as password."},
        {
            "category": "dining",
            "title": "Breakfast",
            "content": "6:30 am to 10:30 am at Melati Café.",
            "language": "en",
        },
    ]
}


def url(property_) -> str:
    return f"/api/v1/properties/{property_.pk}/knowledge-base"


def put_file(client, property_, fields):
    return client.put(url(property_), data=encode_multipart(BOUNDARY, fields), content_type=MULTIPART_CONTENT)


def put_json(client, property_, body):
    return client.put(url(property_), data=json.dumps(body), content_type="application/json")


def test_a_manager_upserts_items_and_gets_a_job_to_poll(world, django_capture_on_commit_callbacks):
    client = host_client(None, world.manager_a)
    with django_capture_on_commit_callbacks() as callbacks:
        response = put_json(client, world.a, ITEMS)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == JobStatus.PENDING and body["created_count"] == 2 and len(body["item_ids"]) == 2
    assert body["status_url"].endswith(f"/knowledge-base/jobs/{body['id']}")
    assert len(callbacks) == 1  # the embedding task is sent after commit
    with schema_context(world.a.schema_name):
        assert set(KnowledgeItem.objects.values_list("title", flat=True)) == {"Wi-Fi Access", "Breakfast"}
        assert IngestionJob.objects.get(pk=body["id"]).requested_by == world.manager_a.email
    with schema_context(world.b.schema_name):
        assert not KnowledgeItem.objects.exists()
    polled = client.get(f"{url(world.a)}/jobs/{body['id']}")
    assert polled.status_code == 200 and polled.json()["id"] == body["id"]


def test_unchanged_content_is_skipped_by_hash(world, django_capture_on_commit_callbacks):
    client = host_client(None, world.manager_a)
    with django_capture_on_commit_callbacks():
        first = put_json(client, world.a, ITEMS).json()
    with schema_context(world.a.schema_name):
        assert run_job(first["id"]).status == JobStatus.SUCCEEDED  # what the worker does (see test_e2e)
    with django_capture_on_commit_callbacks() as callbacks:
        again = put_json(client, world.a, ITEMS).json()
    assert again["unchanged_count"] == 2 and again["created_count"] == 0 and again["item_ids"] == []
    assert again["status"] == JobStatus.SUCCEEDED and callbacks == []


def test_a_file_can_be_put_as_multipart(world, django_capture_on_commit_callbacks):
    client = host_client(None, world.platform_admin)  # platform admins reach every property
    upload = SimpleUploadedFile("house_rules.pdf", (FIXTURES / "house_rules.pdf").read_bytes())
    with django_capture_on_commit_callbacks():
        response = put_file(client, world.a, {"file": upload, "category": "policies"})
    assert response.status_code == 202, response.content
    assert response.json()["source"] == "house_rules.pdf" and response.json()["stage"] == "Reading the file"
    with schema_context(world.a.schema_name), django_capture_on_commit_callbacks():
        assert read_upload(response.json()["id"]).items_total == 1  # the worker (see test_file_jobs.py)
        assert write_upload(response.json()["id"]).created_count == 1


def test_bad_input_is_refused_and_nothing_is_saved(world):
    client = host_client(None, world.manager_a)
    bad = {"items": [ITEMS["items"][0], {"category": "spa", "title": "Massage", "content": "Nice"}]}
    response = put_json(client, world.a, bad)
    assert response.status_code == 400
    assert "item 2: category 'spa' is not one of" in response.json()["detail"]
    assert put_json(client, world.a, {"items": []}).status_code == 400
    with schema_context(world.a.schema_name):
        assert not KnowledgeItem.objects.exists() and not IngestionJob.objects.exists()
    upload = SimpleUploadedFile("broken.csv", b"category,title\nfaq,x\n")
    multipart = put_file(client, world.a, {"file": upload})
    assert multipart.status_code == 202  # a file is read by the worker: its job says what is wrong
    with schema_context(world.a.schema_name):
        job = read_upload(multipart.json()["id"])
        assert job.status == JobStatus.FAILED and "missing column(s) content" in job.error
        assert not KnowledgeItem.objects.exists()


def test_only_managers_of_the_property_may_put(world):
    for user, refused in ((world.manager_b, 404), (world.agent_a, 403), (world.viewer_a, 403)):
        response = put_json(host_client(None, user), world.a, ITEMS)
        assert response.status_code == refused, user.email
    assert put_json(host_client(None), world.a, ITEMS).status_code in (401, 403)
    with schema_context(world.a.schema_name):
        assert not KnowledgeItem.objects.exists()


def test_a_manager_of_b_cannot_poll_as_jobs(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        job_id = put_json(host_client(None, world.manager_a), world.a, ITEMS).json()["id"]
    assert host_client(None, world.manager_b).get(f"{url(world.a)}/jobs/{job_id}").status_code == 404
    # nor find it by asking for the same job id under B
    assert host_client(None, world.manager_b).get(f"{url(world.b)}/jobs/{job_id}").status_code == 404
