"""Every request shape that once answered 500 (issue 18) now answers 4xx, saying which field and why.

Sent through Django's test client, as an attacker would send them: NUL bytes, lone surrogates,
out-of-range dates, JSON of the wrong type, hostile DOCX files and deeply nested JSON, at the
widget (anonymous), the staff API, the staff pages, uploads and signed events.
"""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django_tenants.utils import schema_context

from conftest import host_client
from conversations import engine
from conversations.widget import tokens
from integrations import signing
from integrations.services import credentials
from knowledge.models import IngestionJob, JobStatus, KnowledgeItem
from knowledge.services.upload import read_upload
from knowledge.tests.documents import make_docx
from leads.models import Lead, ReviewStatus
from properties.models import WidgetKey

pytestmark = pytest.mark.django_db

ORIGIN = "https://alpha-hotel.example"
NOTICE = "We store this chat to answer you."
# Raw JSON text: json.dumps would escape these the same way, but spelling them out shows the attack.
NUL = "\\u0000"
SURROGATE = "\\ud800"
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def widget_key(world) -> WidgetKey:
    return WidgetKey.objects.create(property=world.a, allowed_origins=[ORIGIN])


def widget_post(path: str, raw: str, **headers: str):
    return Client(HTTP_HOST="localhost", HTTP_ORIGIN=ORIGIN).post(
        path, raw.encode("utf-8", "surrogatepass"), content_type="application/json", **headers
    )


def assert_refused(response, field: str = "", status: int = 400) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    if field:
        assert field in json.dumps(body), body
    return body


# --- The widget: anonymous ---------------------------------------------------------------------


def test_the_anonymous_surrogate_key_is_refused_fast(world) -> None:
    client = Client(HTTP_HOST="localhost", HTTP_ORIGIN=ORIGIN)
    client.post("/api/v1/conversations", b"{}", content_type="application/json")  # warm the URL conf
    timings = []
    for _ in range(5):  # the best of five: the machine running the tests is shared
        started = time.perf_counter()
        response = client.post("/api/v1/conversations", b'{"key":"\\ud800"}', content_type="application/json")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 400 and "key" in response.json()["error"]
    assert min(timings) < 0.05, [f"{t * 1000:.1f} ms" for t in timings]


@pytest.mark.parametrize("key", [NUL, "abc" + NUL, SURROGATE])
def test_a_widget_key_with_nul_or_a_surrogate_is_refused(world, key: str) -> None:
    response = widget_post("/api/v1/conversations", f'{{"key":"{key}","consent":true,"consent_text":"ok"}}')
    assert response.status_code == 400 and "key" in response.json()["error"]


@pytest.mark.parametrize("bad", [NUL, SURROGATE])
def test_consent_text_with_nul_or_a_surrogate_is_refused(widget_key, bad: str) -> None:
    raw = f'{{"key":"{widget_key.public_key}","consent":true,"consent_text":"I accept{bad}"}}'
    response = widget_post("/api/v1/conversations", raw)
    assert response.status_code == 400 and "consent_text" in response.json()["error"]


def test_deeply_nested_json_at_the_widget_is_refused(world) -> None:
    response = widget_post("/api/v1/conversations", DEEP[:8000] + DEEP[-8000:])
    assert response.status_code in (400, 413) and response.json()["error"]


@pytest.fixture
def guest(widget_key) -> tuple[int, str]:
    raw = json.dumps({"key": widget_key.public_key, "consent": True, "consent_text": NOTICE})
    body = widget_post("/api/v1/conversations", raw).json()
    return body["conversation_id"], body["token"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (f'{{"text":"hello{SURROGATE}"}}', "text"),
        (f'{{"text":"hello{NUL}"}}', "text"),
        (f'{{"text":"hello","client_id":"c{NUL}"}}', "client_id"),
        (f'{{"text":"hello","client_id":"c{SURROGATE}"}}', "client_id"),
    ],
)
def test_a_guest_message_with_nul_or_a_surrogate_is_refused_and_nothing_is_stored(world, guest, raw, field) -> None:
    conversation_id, token = guest
    response = widget_post(f"/api/v1/conversations/{conversation_id}/messages", raw, HTTP_X_GUEST_TOKEN=token)
    assert response.status_code == 400 and field in response.json()["error"]
    with schema_context(world.a.schema_name):
        assert not engine.Message.objects.filter(conversation_id=conversation_id, role="guest").exists()
    assert tokens.verify(token) is not None


# --- The staff API -----------------------------------------------------------------------------


def api(world) -> Client:
    return host_client(None, world.manager_a)


def put_json(client: Client, path: str, raw: str):
    return client.put(path, raw.encode("utf-8", "surrogatepass"), content_type="application/json")


@pytest.mark.parametrize("bad", [NUL, SURROGATE])
def test_knowledge_items_with_nul_or_a_surrogate_are_refused_naming_the_item(world, bad: str) -> None:
    raw = f'[{{"category":"faq","title":"Gym{bad}","content":"Open 24 hours."}}]'
    body = assert_refused(put_json(api(world), f"/api/v1/properties/{world.a.pk}/knowledge-base", raw))
    assert body["field"] == "[0].title"
    with schema_context(world.a.schema_name):
        assert not KnowledgeItem.objects.exists()


def test_a_deeply_nested_api_body_is_refused_before_parsing(world) -> None:
    started = time.perf_counter()
    response = put_json(api(world), f"/api/v1/properties/{world.a.pk}/knowledge-base", DEEP)
    assert_refused(response, "nested too deeply")
    assert time.perf_counter() - started < 2


def test_an_api_body_over_the_cap_is_a_json_413(world, settings) -> None:
    settings.INPUT_MAX_JSON_BYTES = 1000
    raw = json.dumps([{"category": "faq", "title": "Gym", "content": "x" * 2000}])
    assert_refused(put_json(api(world), f"/api/v1/properties/{world.a.pk}/knowledge-base", raw), status=413)


def _put_multipart(client: Client, path: str, data: dict):
    return client.generic("PUT", path, encode_multipart(BOUNDARY, data), content_type=MULTIPART_CONTENT)


HOSTILE_UPLOADS = {
    "nul.md": b"# faq\n\n## Gym\n\nOpen \x00 24 hours.\n",
    "nul.csv": b"category,title,content\nfaq,Gym\x00,Open 24 hours.\n",
    "deep.json": DEEP.encode(),
    "surrogate.json": b'[{"category":"faq","title":"Gym\\ud800","content":"Open."}]',
}


def _read_on_the_worker(world, response) -> IngestionJob:
    """A file is kept on the request (202) and read by the worker: what the read task does, here."""
    assert response.status_code == 202, response.content[:300]
    with schema_context(world.a.schema_name):
        return read_upload(response.json()["id"])


@pytest.mark.parametrize(
    ("name", "reason"),
    [("deep.json", "nested too deeply"), ("nul.csv", "NUL"), ("nul.md", "NUL"), ("surrogate.json", "surrogate")],
)
def test_hostile_text_uploads_are_refused(world, name: str, reason: str) -> None:
    response = _put_multipart(
        api(world),
        f"/api/v1/properties/{world.a.pk}/knowledge-base",
        {"file": SimpleUploadedFile(name, HOSTILE_UPLOADS[name])},
    )
    job = _read_on_the_worker(world, response)
    assert job.status == JobStatus.FAILED and reason in job.error, job.error
    with schema_context(world.a.schema_name):
        assert not KnowledgeItem.objects.exists()


def _docx_with(part: str, xml: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(make_docx([("Spa", ["Open at 9."])])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, xml if info.filename == part else source.read(info))
    return out.getvalue()


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(b'<!ENTITY %c "%s">' % (98 + i, (b"&%c;" % (97 + i)) * 10) for i in range(8))
    + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:document>"
)


def _bomb_docx() -> bytes:
    # 40 MB of one repeated paragraph compresses to ~40 KB.
    paragraph = b"<w:p><w:r><w:t>" + b"A" * 1000 + b"</w:t></w:r></w:p>"
    xml = (
        b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body>" + paragraph * 40_000 + b"</w:body></w:document>"
    )
    return _docx_with("word/document.xml", xml)


HOSTILE_DOCX = {
    "malformed": lambda: _docx_with("word/document.xml", b"<w:document><w:body><w:p>"),
    "entities": lambda: _docx_with("word/document.xml", LAUGHS),
    "expands": _bomb_docx,
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_DOCX))
def test_hostile_docx_uploads_are_refused_quickly(world, kind: str) -> None:
    data = HOSTILE_DOCX[kind]()
    started = time.perf_counter()
    response = _put_multipart(
        api(world),
        f"/api/v1/properties/{world.a.pk}/knowledge-base",
        {"file": SimpleUploadedFile("hostile.docx", data), "category": "faq"},
    )
    job = _read_on_the_worker(world, response)
    assert time.perf_counter() - started < 3  # the request and the worker's reading together
    assert job.status == JobStatus.FAILED and "hostile.docx" in job.error, job.error
    with schema_context(world.a.schema_name):
        assert not KnowledgeItem.objects.exists()


def test_members_posted_as_a_list_is_refused(world) -> None:
    response = api(world).post(f"/api/v1/properties/{world.a.pk}/members", "[]", content_type="application/json")
    assert_refused(response, "body")


@pytest.mark.parametrize("raw", ['{"step":["details"]}', '{"step":{"a":1}}', "[]", '"details"'])
def test_onboard_with_a_step_of_the_wrong_type_is_refused(world, raw: str) -> None:
    response = api(world).post(f"/api/v1/properties/{world.a.pk}/onboard", raw, content_type="application/json")
    assert response.status_code == 400, response.content[:300]


@pytest.mark.parametrize("bad", [NUL, SURROGATE])
def test_widget_origins_with_nul_or_a_surrogate_are_refused(world, bad: str) -> None:
    raw = f'{{"step":"widget","data":{{"allowed_origins":"https://a.example{bad}"}}}}'
    response = api(world).post(
        f"/api/v1/properties/{world.a.pk}/onboard",
        raw.encode("utf-8", "surrogatepass"),
        content_type="application/json",
    )
    assert_refused(response, "allowed_origins")
    assert not WidgetKey.objects.filter(property=world.a).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/properties/{a}/conversations?status=%00",
        "/api/v1/properties/{a}/leads?status=%00",
        "/api/v1/properties/{a}/knowledge-base/search?q=%00",
    ],
)
def test_a_nul_in_a_query_string_is_refused_even_for_a_viewer(world, path: str) -> None:
    response = host_client(None, world.viewer_a).get(path.format(a=world.a.pk))
    assert_refused(response, "status" if "status" in path else "q")


@pytest.mark.parametrize("period", ["from=0001-01-01&to=0001-01-31", "from=9999-12-01&to=9999-12-31", "to=0001-01-01"])
def test_analytics_for_years_no_hotel_has_are_refused(world, period: str) -> None:
    for path in (f"/api/v1/properties/{world.a.pk}/analytics", f"/api/v1/properties/{world.a.pk}/analytics/summary"):
        response = api(world).get(f"{path}?{period}")
        assert response.status_code == 400, (path, response.content[:300])
    # The page shows the default period with the reason, as for any other bad period.
    page = host_client(world.a, world.manager_a).get(f"/analytics/?{period}")
    assert page.status_code == 200 and "must be between 1900-01-01 and 2199-12-31" in page.content.decode()


# --- The staff pages (forms) -------------------------------------------------------------------


@pytest.fixture
def lead_a(world) -> Lead:
    with schema_context(world.a.schema_name):
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        return Lead.objects.create(
            guest=conversation.guest, conversation=conversation, source_channel="web",
            review_status=ReviewStatus.PENDING, intent="room_booking",
        )  # fmt: skip


def test_lead_notes_and_review_comments_with_nul_are_refused(world, lead_a) -> None:
    agent = host_client(world.a, world.agent_a)
    assert agent.post(f"/leads/{lead_a.pk}/edit/", {"status": "contacted", "notes": "Called\x00"}).status_code == 400
    assert agent.post(f"/reviews/{lead_a.pk}/", {"verdict": "agree", "comment": "ok\x00"}).status_code == 400
    assert agent.get("/leads/?status=%00").status_code == 400
    with schema_context(world.a.schema_name):
        lead_a.refresh_from_db()
        assert (lead_a.status, lead_a.notes, lead_a.review_status) == ("new", "", ReviewStatus.PENDING)


# --- Signed events ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 10_000 + b"]" * 10_000,
        b'{"id":"evt-1","type":"order.ready","guest":{"name":"A\\ud800"}}',
        b'{"id":"evt-1\\u0000","type":"order.ready"}',
    ],
)
def test_signed_events_with_deep_nesting_nul_or_surrogates_are_refused(world, body: bytes) -> None:
    issued = credentials.create(world.a, label="Alpha PMS")
    header = signing.header_value(issued.secret, int(time.time()), body)
    response = Client(HTTP_HOST="localhost").post(
        f"/api/v1/integrations/{world.a.slug}/events", body, content_type="application/json",
        headers={signing.HEADER: header},
    )  # fmt: skip
    assert response.status_code == 400, response.content[:300]


def test_a_long_search_query_and_too_many_items_are_refused_before_any_work(world, settings) -> None:
    viewer = host_client(None, world.viewer_a)
    long_query = "a" * (settings.KNOWLEDGE_SEARCH_MAX_CHARS + 1)
    response = viewer.get(f"/api/v1/properties/{world.a.pk}/knowledge-base/search", {"q": long_query})
    assert_refused(response, "longer than")
    # Above one request's share a set becomes a background job (knowledge/tests/test_large_sets.py); above
    # the job's ceiling it is refused before any work.
    settings.KNOWLEDGE_MAX_ITEMS_PER_REQUEST = settings.KNOWLEDGE_MAX_ITEMS_PER_JOB = 3
    items = [{"category": "faq", "title": f"Item {n}", "content": "Open."} for n in range(4)]
    response = put_json(api(world), f"/api/v1/properties/{world.a.pk}/knowledge-base", json.dumps(items))
    assert_refused(response, "at most 3 at once", status=413)
    with schema_context(world.a.schema_name):
        assert not KnowledgeItem.objects.exists()


def test_a_12000_character_search_query_is_a_quick_400(world) -> None:
    """Issue 18's figure: the query is measured before it is embedded (embedding runs on the web process)."""
    viewer = host_client(None, world.viewer_a)
    url = f"/api/v1/properties/{world.a.pk}/knowledge-base/search"
    viewer.get(url, {"q": "pool"})  # the first request pays for the session and URL loading
    started = time.monotonic()
    response = viewer.get(url, {"q": "night " * 2000})
    elapsed = time.monotonic() - started
    assert_refused(response, "longer than")
    assert elapsed < 1.0, elapsed
