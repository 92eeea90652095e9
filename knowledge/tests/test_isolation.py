"""Two properties with identical knowledge: A's questions only ever reach A's chunks, over every door."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from conftest import host_client
from knowledge.services import search
from testsupport.knowledge import chunk_ids, count_query_embeddings, load_kb, questions

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def twin_kbs(world) -> tuple[set[int], set[int]]:
    """The fixture KB in A and in B; B's ids start far away so that the same content has different ids."""
    with schema_context(world.b.schema_name), connection.cursor() as cursor:
        cursor.execute("ALTER SEQUENCE knowledge_knowledgechunk_id_seq RESTART WITH 500000")
        cursor.execute("ALTER SEQUENCE knowledge_knowledgeitem_id_seq RESTART WITH 500000")
    load_kb(world.a.schema_name)
    load_kb(world.b.schema_name)
    a_ids, b_ids = chunk_ids(world.a.schema_name), chunk_ids(world.b.schema_name)
    assert len(b_ids) == len(a_ids)  # identical content
    assert a_ids and b_ids and a_ids.isdisjoint(b_ids)
    return a_ids, b_ids


def test_the_service_returns_only_the_current_propertys_chunks(world, twin_kbs):
    a_ids, b_ids = twin_kbs
    seen_a: set[int] = set()
    seen_b: set[int] = set()
    for question in [q["q"] for q in questions()["answerable"]]:
        with schema_context(world.a.schema_name):
            seen_a |= {hit.chunk_id for hit in search(question, k=5, today=TODAY)}
        with schema_context(world.b.schema_name):
            seen_b |= {hit.chunk_id for hit in search(question, k=5, today=TODAY)}
    assert seen_a and seen_a <= a_ids
    assert seen_b and seen_b <= b_ids


def test_the_search_api_returns_only_that_propertys_chunks(world, twin_kbs):
    a_ids, b_ids = twin_kbs
    response = host_client(None, world.manager_a).get(
        f"/api/v1/properties/{world.a.pk}/knowledge-base/search", {"q": "What time is check-out?"}
    )
    assert response.status_code == 200
    found = {hit["chunk_id"] for hit in response.json()}
    assert found and found <= a_ids
    assert response.json()[0]["title"] == "Check-in and Check-out Times"
    refused = host_client(None, world.manager_b).get(
        f"/api/v1/properties/{world.a.pk}/knowledge-base/search", {"q": "What time is check-out?"}
    )
    assert refused.status_code == 404


def test_the_admin_try_page_shows_only_that_propertys_chunks(world, twin_kbs):
    a_ids, b_ids = twin_kbs
    page = host_client(world.a, world.manager_a).get(
        "/admin/knowledge/knowledgeitem/try/", {"q": "Berapa harga bilik Deluxe King?"}
    )
    assert page.status_code == 200
    shown = {row.hit.chunk_id for row in page.context["results"]}
    assert shown and shown <= a_ids
    assert all(f'data-chunk-id="{chunk_id}"'.encode() in page.content for chunk_id in shown)
    assert host_client(world.a, world.manager_b).get("/admin/knowledge/knowledgeitem/try/?q=x").status_code == 404


def test_a_manager_of_b_gets_404_on_as_knowledge_base_api(world):
    response = host_client(None, world.manager_b).put(
        f"/api/v1/properties/{world.a.pk}/knowledge-base", data="[]", content_type="application/json"
    )
    assert response.status_code == 404


def test_a_questions_cached_vector_is_the_propertys_own(world, monkeypatch):
    """The question-vector cache is per property, in the process and in Redis: B asking what A asked is
    embedded afresh (no hit, so no timing that tells B what A's guests ask), and A's key names only A."""
    from django.conf import settings

    from core.redis import get_redis
    from knowledge.services import embeddings

    monkeypatch.setattr(settings, "EMBEDDING_QUERY_CACHE_SECONDS", 60)
    calls = count_query_embeddings(monkeypatch)
    text = f"is the rooftop pool heated in december {world.a.schema_name}"
    redis = get_redis()
    for name in redis.scan_iter(match="*:nocturn:query-vector:*"):  # vectors earlier runs left
        redis.delete(name)
    embeddings._cached_query_vector.cache_clear()
    with schema_context(world.a.schema_name):
        first = embeddings.query_vector(text)
        embeddings._cached_query_vector.cache_clear()  # another process: Redis answers
        assert embeddings.query_vector(text) == first
    assert len(calls) == 1
    with schema_context(world.b.schema_name):
        assert embeddings.query_vector(text) == first  # the same text, the same vector: but embedded again
    assert len(calls) == 2
    keys = sorted(k.decode() for k in redis.scan_iter(match="*:nocturn:query-vector:*"))
    assert [k.split(":")[0] for k in keys] == sorted([world.a.schema_name, world.b.schema_name])
    assert all("rooftop" not in k for k in keys)  # the key holds a digest, not the guest's words
