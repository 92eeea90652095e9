"""The knowledge back office on a property's host: list, filter, upload with preview, edit, bulk, try."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from conftest import host_client
from knowledge.models import IngestionJob, KnowledgeItem
from knowledge.services.upload import read_upload
from testsupport.knowledge import FIXTURES

ADMIN = "/admin/knowledge/knowledgeitem/"


def test_the_list_filters_and_searches(world, kb_a):
    client = host_client(world.a, world.manager_a)
    page = client.get(ADMIN, {"category__exact": "dining"})
    assert page.status_code == 200
    assert b"Halal Certification" in page.content and b"Swimming Pool" not in page.content
    found = client.get(ADMIN, {"q": "surau"})
    assert b"Prayer Room" in found.content and b"Halal Certification" not in found.content
    malay = client.get(ADMIN, {"language__exact": "ms"})
    assert b"Harga Pakej Bulan Madu" in malay.content and b"Parking" not in malay.content


def test_an_upload_is_previewed_before_anything_is_saved(world):
    client = host_client(world.a, world.manager_a)
    upload = SimpleUploadedFile("rates.csv", (FIXTURES / "rates.csv").read_bytes())
    preview = client.post(f"{ADMIN}upload/", {"file": upload, "category": "", "language": ""})
    assert preview.status_code == 200 and b"nothing is saved yet" in preview.content
    assert preview.content.count(b"action-create") == 4
    with schema_context(world.a.schema_name):
        assert not KnowledgeItem.objects.exists()
    token = preview.context["token"]
    saved = client.post(f"{ADMIN}upload/", {"token": token}, follow=True)
    assert b"created 4, updated 0, unchanged 0; embedded 4, failed 0" in saved.content
    with schema_context(world.a.schema_name):
        assert KnowledgeItem.objects.filter(embedding_status="ready").count() == 4
    replay = client.post(f"{ADMIN}upload/", {"token": token}, follow=True)
    assert b"expired or was already saved" in replay.content


def test_a_bad_upload_shows_what_is_wrong(world):
    client = host_client(world.a, world.manager_a)
    page = client.post(f"{ADMIN}upload/", {"file": SimpleUploadedFile("rules.txt", b"Quiet hours."), "category": ""})
    assert page.status_code == 200 and b"unsupported file type .txt" in page.content
    broken = client.post(f"{ADMIN}upload/", {"file": SimpleUploadedFile("broken.csv", b"category,title\nfaq,x\n")})
    assert broken.status_code == 200 and b"missing column(s) content" in broken.content  # a small text file: previewed
    # A PDF is read by the worker (see test_file_jobs.py); its job's list shows why it failed.
    client.post(
        f"{ADMIN}upload/", {"file": SimpleUploadedFile("rules.pdf", b"%PDF-1.4 garbage"), "category": "policies"}
    )
    with schema_context(world.a.schema_name):
        read_upload(IngestionJob.objects.get(source="rules.pdf").pk)
        assert not KnowledgeItem.objects.exists()
    jobs = client.get("/admin/knowledge/ingestionjob/")
    assert b"not a readable PDF" in jobs.content


def test_an_edit_re_embeds_on_save(world, kb_a):
    client = host_client(world.a, world.manager_a)
    item_id = kb_a["Swimming Pool"]
    with schema_context(world.a.schema_name):
        item = KnowledgeItem.objects.get(pk=item_id)
        old_chunks = set(item.chunks.values_list("pk", flat=True))
    response = client.post(
        f"{ADMIN}{item_id}/change/",
        {
            "category": "facilities",
            "title": "Swimming Pool",
            "content": "The pool is open 24 hours.",
            "language": "en",
            "metadata": "{}",
            "is_active": "on",
            "valid_from": "",
            "valid_to": "",
            "source": "admin",
            "chunks-TOTAL_FORMS": "1",
            "chunks-INITIAL_FORMS": "1",
            "chunks-MIN_NUM_FORMS": "0",
            "chunks-MAX_NUM_FORMS": "1000",
            "chunks-0-id": str(min(old_chunks)),
            "chunks-0-item": str(item_id),
        },
    )
    assert response.status_code == 302, response.content[:2000]
    with schema_context(world.a.schema_name):
        item.refresh_from_db()
        assert item.embedding_status == "ready" and item.embedded_hash == item.content_hash
        new_chunks = list(item.chunks.all())
        assert {c.pk for c in new_chunks}.isdisjoint(old_chunks) and "24 hours" in new_chunks[0].text


def test_bulk_deactivate_and_activate(world, kb_a):
    client = host_client(world.a, world.manager_a)
    ids = [kb_a["Parking"], kb_a["Prayer Room"]]
    client.post(ADMIN, {"action": "deactivate", "_selected_action": ids})
    with schema_context(world.a.schema_name):
        assert not KnowledgeItem.objects.filter(pk__in=ids, is_active=True).exists()
        assert KnowledgeItem.objects.filter(is_active=True).count() == len(kb_a) - 2
    client.post(ADMIN, {"action": "activate", "_selected_action": ids})
    with schema_context(world.a.schema_name):
        assert KnowledgeItem.objects.filter(pk__in=ids, is_active=True).count() == 2


def test_try_a_question_shows_ranked_chunks_with_scores(world, kb_a):
    page = host_client(world.a, world.manager_a).get(f"{ADMIN}try/", {"q": "Pukul berapa kolam renang dibuka?"})
    assert page.status_code == 200
    results = page.context["results"]
    assert results and kb_a["Swimming Pool"] in [row.hit.item_id for row in results[:3]]
    assert b"Similarity" in page.content and b"Vector rank" in page.content and b"Relevance threshold" in page.content


def test_agents_cannot_use_the_knowledge_back_office(world):
    for path in (ADMIN, f"{ADMIN}upload/", f"{ADMIN}try/?q=pool"):
        response = host_client(world.a, world.agent_a).get(path)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
