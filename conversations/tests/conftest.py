"""Fixtures of the conversations app: fake LLM servers, provider settings, a clean Redis state."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_context

from assistant.providers.base import sdk_client
from core.redis import get_redis
from testsupport.knowledge import load_knowledge
from testsupport.llm import FakeLLMServer


def _delete(pattern: str) -> None:
    r = get_redis()
    for name in r.scan_iter(match=pattern, count=500):
        r.delete(name)


@pytest.fixture(autouse=True)
def _fresh_engine_state() -> Iterator[None]:
    """Circuits, throttles and cached SDK clients never leak from one test into the next."""
    _delete("public:nocturn:circuit:*")
    _delete("public:nocturn:throttle:*")
    _delete("*:nocturn:session:*")  # ids restart with each test database; a cached session must not outlive it
    _delete("*:nocturn:turn-resend:*")  # and so do message ids: a sweep's lease must not outlive its test
    sdk_client.cache_clear()
    yield
    _delete("public:nocturn:circuit:*")


@pytest.fixture
def fake_openai() -> Iterator[FakeLLMServer]:
    with FakeLLMServer("openai") as server:
        yield server


@pytest.fixture
def fake_anthropic() -> Iterator[FakeLLMServer]:
    with FakeLLMServer("anthropic") as server:
        yield server


@pytest.fixture
def llm_settings(settings, fake_openai: FakeLLMServer, fake_anthropic: FakeLLMServer):
    """Primary = the fake OpenAI-compatible server, fallback = the fake Anthropic server; short timeouts."""
    settings.LLM_BASE_URL = fake_openai.base_url
    settings.LLM_API_KEY = "sk-test"
    settings.LLM_MODEL = "fake-gpt"
    settings.ANTHROPIC_API_KEY = "sk-ant-test"
    settings.ANTHROPIC_BASE_URL = fake_anthropic.base_url
    settings.ANTHROPIC_MODEL = "fake-haiku"
    settings.LLM_TIMEOUT = 0.5
    settings.LLM_CONNECT_TIMEOUT = 0.5
    settings.LLM_MAX_RETRIES = 1
    settings.LLM_CIRCUIT_FAILURES = 3
    settings.LLM_CIRCUIT_COOLDOWN = 1
    return settings


@pytest.fixture(scope="module")
def _committed_kb_a(properties_ab, django_db_blocker):
    """A's knowledge, committed once per module so that unit tests (rolled back), daphne and the Celery
    worker all see it; removed afterwards, so other apps' tests find A's knowledge base as they expect."""
    from knowledge.models import KnowledgeItem

    with django_db_blocker.unblock():
        created = load_knowledge(properties_ab.a.schema_name)
    yield properties_ab
    with django_db_blocker.unblock(), schema_context(properties_ab.a.schema_name):
        KnowledgeItem.objects.filter(pk__in=created).delete()


@pytest.fixture
def forget_committed_guests(committed_db):
    """End-to-end tests commit guests and conversations; remove them again so no other test counts them."""
    from conversations.models import Guest

    marks = {}
    for property_ in (committed_db.a, committed_db.b):
        with schema_context(property_.schema_name):
            marks[property_.schema_name] = Guest.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    yield committed_db
    for schema_name, last in marks.items():
        with schema_context(schema_name):
            Guest.objects.filter(pk__gt=last).delete()


@pytest.fixture
def kb_a(_committed_kb_a, world):
    return world


@pytest.fixture
def open_all_day(world):
    """Property A open around the clock, so replies carry no after-hours note unless a test wants one."""
    hours = {d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    before = world.a.operating_hours
    world.a.operating_hours = hours
    world.a.save(update_fields=["operating_hours"])
    yield world
    world.a.operating_hours = before  # the row is rolled back; the shared in-memory object must be too
