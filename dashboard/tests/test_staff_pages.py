"""Every page of the staff dashboard: B's staff see nothing of A, viewers change nothing, members can act."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context

from conftest import host_client, secret_conversation_of_a
from conversations.models import AiMode, Conversation, ConversationStatus, Guest, MediaAttachment, Message, MessageRole
from leads.models import Lead, LeadConversation, ReviewStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def convo_a(world):
    conversation = secret_conversation_of_a(world)
    with schema_context(world.a.schema_name):
        lead = Lead.objects.create(
            guest=conversation.guest, conversation=conversation, source_channel="web", guest_name="Alpha Guest",
            is_after_hours=True, review_status=ReviewStatus.PENDING, intent="room_booking",
        )  # fmt: skip
        conversation.is_after_hours = True
        conversation.save(update_fields=["is_after_hours"])
    return conversation, lead


def _state(world, conversation):
    with schema_context(world.a.schema_name):
        conversation.refresh_from_db()
        return conversation.status, conversation.ai_mode, conversation.messages.count()


PAGES = ["/", "/inbox/list/", "/conversations/{c}/", "/conversations/{c}/live/", "/leads/", "/leads/{l}/",
         "/after-hours/", "/reviews/", "/settings/saved-replies/"]  # fmt: skip
ACTIONS = ["/conversations/{c}/takeover/", "/conversations/{c}/resolve/", "/conversations/{c}/handoff/",
           "/conversations/{c}/reply/", "/conversations/{c}/assign/", "/conversations/{c}/notes/",
           "/leads/{l}/edit/", "/reviews/{l}/"]  # fmt: skip


def test_every_dashboard_page_shows_a_members_data_and_viewers_get_no_forms(world, convo_a) -> None:
    conversation, lead = convo_a
    agent, viewer = host_client(world.a, world.agent_a), host_client(world.a, world.viewer_a)
    for page in PAGES:
        url = page.format(c=conversation.pk, l=lead.pk)
        as_agent, as_viewer = agent.get(url), viewer.get(url)
        assert as_agent.status_code == 200 and as_viewer.status_code == 200, url
        posts = re.findall(r'method="post" action="([^"]*)"', as_viewer.content.decode())
        assert set(posts) <= {"/logout/"} and as_viewer.content.decode().count('method="post"') == len(posts), url
    assert "1207" in agent.get(f"/conversations/{conversation.pk}/").content.decode()
    assert 'class="takeover"' in agent.get(f"/conversations/{conversation.pk}/").content.decode()
    after_hours = agent.get("/after-hours/").content.decode()
    # The unanswered conversation is named as the inbox names it, not "Guest 1207".
    assert re.search(rf'data-conversation="{conversation.pk}"><td><a [^>]*>Alpha Guest</a>', after_hours), after_hours
    assert "Alpha Guest" in agent.get("/reviews/").content.decode()
    assert "Alpha Guest" in agent.get("/leads/?after_hours=yes&intent=room_booking").content.decode()
    assert "Alpha Guest" not in agent.get("/leads/?after_hours=no").content.decode()


def test_staff_read_the_guest_s_name_the_lead_in_words_and_who_holds_it(world, convo_a) -> None:
    conversation, lead = convo_a
    with schema_context(world.a.schema_name):
        lead.nights, lead.adults, lead.children, lead.missing_fields = 1, 2, 1, ["room_type", "phone_or_email"]
        lead.save(update_fields=["nights", "adults", "children", "missing_fields"])
        LeadConversation.objects.get_or_create(lead=lead, conversation=conversation)
    agent = host_client(world.a, world.agent_a)
    agent.post(f"/conversations/{conversation.pk}/handoff/")
    page = agent.get(f"/leads/{lead.pk}/").content.decode()
    stay = re.search(r"<th>Stay</th><td>(.*?)</td>", page, re.S).group(1)
    assert "(1 night)" in stay and "2 adults · 1 child" in stay, stay
    assert re.search(r'id="lead-missing">room type, phone or e-mail<', page)
    assert "waiting for a person: nobody holds it yet" in page, page
    agent.post(f"/conversations/{conversation.pk}/takeover/")
    held = agent.get(f"/leads/{lead.pk}/").content.decode()
    assert re.search(r"held by <strong>[^<]+</strong> since \d\d:\d\d", held), held
    page = agent.get(f"/conversations/{conversation.pk}/").content.decode()
    assert re.search(r"<h1>Alpha Guest <span", page) and "<title>Alpha Guest" in page
    channel = conversation.get_channel_display()
    assert f"<strong>Intent:</strong> Room booking · <strong>Channel:</strong> {channel}" in page, page
    assert "· consent: Not asked</p>" in page and "not_asked" not in page  # words, not the stored value


def test_on_a_phone_every_value_of_a_lead_list_says_what_it_is(world, convo_a) -> None:
    _, lead = convo_a
    for page in ("/leads/", "/after-hours/"):  # the table's head is hidden below 760 px: "New", "0", "0 %" alone
        html = host_client(world.a, world.agent_a).get(page).content.decode()
        row = html.split(f'<tr data-lead="{lead.pk}">')[1].split("</tr>")[0]
        cells = re.findall(r"<td[^>]*>", row)
        assert len(cells) == 10 and [c for c in cells if "data-label" not in c] == ["<td>"], page  # the #id link
        assert 'data-label="Probability"' in row and 'data-label="Score"' in row
    html = host_client(world.a, world.agent_a).get("/after-hours/").content.decode()
    row = html.split(f'<tr data-conversation="{convo_a[0].pk}">')[1].split("</tr>")[0]
    assert re.findall(r'data-label="([^"]+)"', row) == ["Channel", "Status", "Last message"]


@pytest.mark.parametrize(
    "typed, stored",
    [("1500", "1500.00"), ("1,500", "1500.00"), ("RM 1,500.50", "1500.50"), ("myr1500", "1500.00"),
     ("12.345", "12.35"), ("NaN", None), ("Infinity", None), ("1e20", None), ("-500", None), ("1,5", None),
     ("99999999999", None), ("9" * 400, None), ("SGD 1,500", None), ("USD900", None), ("abc1500", None)],
)  # fmt: skip
def test_a_converted_value_is_read_as_staff_type_it_and_nonsense_is_refused(world, convo_a, typed, stored) -> None:
    _, lead = convo_a
    agent = host_client(world.a, world.agent_a)
    page = agent.post(f"/leads/{lead.pk}/edit/", {"status": "converted", "converted_value": typed}, follow=True)
    assert page.status_code == 200  # never a server error (NaN, Infinity and 1e20 were)
    with schema_context(world.a.schema_name):
        lead.refresh_from_db()
    if stored is None:  # refused whole: no negative revenue, and the status waits for a readable value
        assert (lead.status, lead.converted_value) == ("new", None) and "must be an amount" in page.content.decode()
    else:
        assert (lead.status, str(lead.converted_value)) == ("converted", stored)
    # B's manager, on A's host or their own, changes nothing of A's lead.
    for client in (host_client(world.a, world.manager_b), host_client(world.b, world.manager_b)):
        assert client.post(f"/leads/{lead.pk}/edit/", {"status": "lost", "converted_value": "1"}).status_code == 404
    with schema_context(world.a.schema_name):
        assert Lead.objects.get(pk=lead.pk).status == lead.status


def test_viewers_posting_anyway_get_403_and_nothing_changes(world, convo_a) -> None:
    conversation, lead = convo_a
    before = _state(world, conversation)
    viewer = host_client(world.a, world.viewer_a)
    for action in ACTIONS:
        url = action.format(c=conversation.pk, l=lead.pk)
        assert viewer.post(url, {"text": "x", "notes": "x", "verdict": "agree", "status": "lost"}).status_code == 403
    assert _state(world, conversation) == before
    with schema_context(world.a.schema_name):
        lead.refresh_from_db()
        assert lead.notes == "" and lead.status == "new" and lead.review_status == ReviewStatus.PENDING


def test_bs_staff_cannot_open_or_act_on_as_dashboard(world, convo_a) -> None:
    conversation, lead = convo_a
    before = _state(world, conversation)
    on_a_host = host_client(world.a, world.manager_b)  # B's manager on A's host
    on_b_host = host_client(world.b, world.manager_b)  # B's manager on their own host, guessing A's ids
    for page in PAGES:
        url = page.format(c=conversation.pk, l=lead.pk)
        assert on_a_host.get(url).status_code == 404, url
        body = on_b_host.get(url)
        assert (
            body.status_code in (200, 404)
            and "1207" not in body.content.decode()
            and "Alpha Guest" not in (body.content.decode())
        ), url
    for action in ACTIONS:
        url = action.format(c=conversation.pk, l=lead.pk)
        assert on_a_host.post(url, {"text": "x"}).status_code == 404
        assert on_b_host.post(url, {"text": "x", "verdict": "agree"}).status_code == 404
    assert _state(world, conversation) == before


def test_an_agent_acts_from_the_dashboard(world, convo_a) -> None:
    conversation, lead = convo_a
    agent = host_client(world.a, world.agent_a)
    assert agent.post(f"/conversations/{conversation.pk}/takeover/").status_code == 302
    agent.post(f"/conversations/{conversation.pk}/reply/", {"text": "We'll fix it now."})
    page = agent.get(f"/conversations/{conversation.pk}/").content.decode()
    assert "We&#x27;ll fix it now." in page and 'class="resolve"' in page
    agent.post(f"/leads/{lead.pk}/edit/", {"status": "contacted", "notes": "Called at 9"})
    agent.post(f"/reviews/{lead.pk}/", {"verdict": "agree"})
    with schema_context(world.a.schema_name):
        lead.refresh_from_db()
        assert (lead.status, lead.notes, lead.review_status) == ("contacted", "Called at 9", ReviewStatus.REVIEWED)
        assert Message.objects.filter(conversation=conversation, role=MessageRole.STAFF).count() == 1
    assert agent.post(f"/conversations/{conversation.pk}/resolve/").status_code == 302
    assert _state(world, conversation)[:2] == (ConversationStatus.ACTIVE, AiMode.CONCIERGE)


def test_a_refusal_shows_on_the_conversation_once_and_never_on_another_page(world, convo_a) -> None:
    conversation, _ = convo_a
    agent = host_client(world.a, world.agent_a)
    answer = agent.post(f"/conversations/{conversation.pk}/resolve/")  # nobody holds it: nothing to resolve
    assert answer.status_code == 302 and answer["Location"].endswith(f"/conversations/{conversation.pk}/#actions")
    page = agent.get(f"/conversations/{conversation.pk}/").content.decode()
    flashed = re.findall(r'<ul class="messages-flash".*?</ul>', page, re.S)
    assert len(flashed) == 1 and "nothing to resolve" in flashed[0] and "1207" not in flashed[0]
    assert page.index('class="messages-flash"') < page.index('id="actions"')  # beside the buttons
    assert "nothing to resolve" not in agent.get("/leads/").content.decode()


def test_the_navigation_is_shown_once_on_every_page(world, convo_a) -> None:
    conversation, lead = convo_a
    manager = host_client(world.a, world.manager_a)
    for page in PAGES:
        content = manager.get(page.format(c=conversation.pk, l=lead.pk)).content.decode()
        assert content.count('href="/after-hours/"') == (0 if "/live/" in page or "/list/" in page else 1), page


@pytest.mark.parametrize("action", ["reply", "notes"])
def test_a_form_that_is_not_utf8_is_refused_and_nothing_is_stored_or_sent(world, convo_a, action) -> None:
    """Bytes in another encoding were read as U+FFFD and reached the guest as "��"."""
    from conversations.models import StaffNote

    conversation, _ = convo_a
    agent = host_client(world.a, world.agent_a)
    assert agent.post(f"/conversations/{conversation.pk}/takeover/").status_code == 302
    before = _state(world, conversation)
    for body in (b"text=caf%E9+ouvert", b"text=\xff\xfe+hello", "text=café".encode("latin-1")):
        answer = agent.generic("POST", f"/conversations/{conversation.pk}/{action}/", body,
                               content_type="application/x-www-form-urlencoded")  # fmt: skip
        assert answer.status_code == 400 and "not UTF-8" in answer.content.decode()
    assert _state(world, conversation) == before
    with schema_context(world.a.schema_name):
        assert not StaffNote.objects.filter(conversation=conversation).exists()
    # UTF-8, percent-encoded or not, is what a browser sends: it goes through.
    sent = agent.generic("POST", f"/conversations/{conversation.pk}/{action}/", "text=caf%C3%A9+ouvert ✓".encode(),
                         content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert sent.status_code == 302
    with schema_context(world.a.schema_name):
        if action == "reply":
            written = Message.objects.filter(conversation=conversation, role=MessageRole.STAFF).values_list("content")
        else:
            written = StaffNote.objects.filter(conversation=conversation).values_list("text")
        assert [w for (w,) in written] == ["café ouvert ✓"]


def test_a_page_that_was_not_listening_is_given_its_holders_unread_guest_messages(world, convo_a) -> None:
    """/inbox/alerts/: what a staff page alerts about once its socket opens (the live event went to no socket)."""
    from conversations import engine

    conversation, _ = convo_a
    agent, manager = host_client(world.a, world.agent_a), host_client(world.a, world.manager_a)
    assert agent.post(f"/conversations/{conversation.pk}/takeover/").status_code == 302
    assert agent.get(f"/conversations/{conversation.pk}/").status_code == 200  # read up to here
    assert agent.get("/inbox/alerts/").json() == {"alerts": []}
    with schema_context(world.a.schema_name):
        message, _ = engine.record_guest_message(conversation, "Are you there?", provider_message_id="a:2")
    [alert] = agent.get("/inbox/alerts/").json()["alerts"]
    assert alert | {"guest": ""} == {
        "conversation_id": conversation.pk, "message_id": message.pk, "role": "guest", "preview": "Are you there?",
        "status": ConversationStatus.HANDED_OFF, "ai_mode": AiMode.STAFF, "holder_id": world.agent_a.pk, "guest": "",
    }  # fmt: skip
    assert manager.get("/inbox/alerts/").json() == {"alerts": []}  # not the manager's to answer
    assert host_client(world.a, world.manager_b).get("/inbox/alerts/").status_code == 404
    with schema_context(world.a.schema_name):  # an hour old: the inbox's unread mark, no longer an alert
        Message.objects.filter(pk=message.pk).update(created_at=message.created_at - dt.timedelta(minutes=61))
    assert agent.get("/inbox/alerts/").json() == {"alerts": []}
    with schema_context(world.a.schema_name):
        engine.record_guest_message(conversation, "Hello?", provider_message_id="a:3")
    assert [a["preview"] for a in agent.get("/inbox/alerts/").json()["alerts"]] == ["Hello?"]
    assert agent.get(f"/conversations/{conversation.pk}/live/").status_code == 200  # read: no longer an alert
    assert agent.get("/inbox/alerts/").json() == {"alerts": []}


def _file_of(world, conversation, media, name: str, kind: str, mime: str, body: bytes) -> MediaAttachment:
    with schema_context(world.a.schema_name):
        message = Message.objects.create(conversation=conversation, role=MessageRole.GUEST, content="", channel="web")
        stored = media.save(f"{world.a.schema_name}/media/{name}", ContentFile(body))
        return MediaAttachment.objects.create(message=message, kind=kind, filename=name, mime_type=mime,
                                              storage_name=stored, size=len(body))  # fmt: skip


def test_staff_hear_a_guests_voice_note_and_a_guests_html_only_downloads(world, convo_a, media) -> None:
    conversation, _ = convo_a
    voice = _file_of(world, conversation, media, "note.ogg", "audio", "audio/ogg", b"OggS voice")
    page_file = _file_of(world, conversation, media, "x.html", "document", "text/html", b"<script>alert(1)</script>")
    viewer = host_client(world.a, world.viewer_a)
    url = f"/conversations/{conversation.pk}/files/{voice.pk}/"
    page = viewer.get(f"/conversations/{conversation.pk}/").content.decode()
    assert f'<audio controls preload="none" src="{url}">' in page  # the guest was told a colleague will listen
    heard = viewer.get(url)
    assert heard.status_code == 200 and heard["Content-Type"] == "audio/ogg"
    assert b"".join(heard.streaming_content) == b"OggS voice"
    downloaded = viewer.get(f"/conversations/{conversation.pk}/files/{page_file.pk}/")
    assert (
        downloaded["Content-Type"] == "application/octet-stream" and "attachment" in downloaded["Content-Disposition"]
    )
    assert downloaded["Content-Security-Policy"] == "sandbox"


def test_bs_staff_never_get_as_guest_files(world, convo_a, media) -> None:
    conversation, _ = convo_a
    voice = _file_of(world, conversation, media, "note.ogg", "audio", "audio/ogg", b"OggS voice")
    with schema_context(world.b.schema_name):
        own = Conversation.objects.create(guest=Guest.objects.create(name="Bravo guest"), channel="web")
    url = f"/conversations/{conversation.pk}/files/{voice.pk}/"
    assert host_client(world.a, world.manager_b).get(url).status_code == 404  # B's manager on A's host
    for guess in (url, f"/conversations/{own.pk}/files/{voice.pk}/"):  # on B's own host, A's ids
        assert host_client(world.b, world.manager_b).get(guess).status_code == 404, guess
    # Nor another conversation of A's own: a file is reached through the conversation it came in.
    with schema_context(world.a.schema_name):
        other = Conversation.objects.create(guest=Guest.objects.create(name="Other"), channel="web")
    assert host_client(world.a, world.manager_a).get(f"/conversations/{other.pk}/files/{voice.pk}/").status_code == 404


VIDEO = bytes(range(256)) * 4  # 1,024 bytes, no two neighbours alike: a wrong offset shows in the bytes served


@pytest.mark.parametrize(
    ("asked", "content_range", "window"),
    [
        ("bytes=0-1", "bytes 0-1/1024", (0, 2)),  # Safari's first probe of a <video>
        ("bytes=100-355", "bytes 100-355/1024", (100, 356)),
        ("bytes=1000-", "bytes 1000-1023/1024", (1000, 1024)),
        ("bytes=-24", "bytes 1000-1023/1024", (1000, 1024)),
        ("bytes=1000-5000", "bytes 1000-1023/1024", (1000, 1024)),  # past the end: up to the end
    ],
)
def test_staff_get_the_byte_range_a_player_asks_for(world, convo_a, media, asked, content_range, window) -> None:
    # Safari and iOS play a guest's voice note or video only from a server that answers ranges with 206.
    conversation, _ = convo_a
    video = _file_of(world, conversation, media, "clip.mp4", "video", "video/mp4", VIDEO)
    got = host_client(world.a, world.viewer_a).get(
        f"/conversations/{conversation.pk}/files/{video.pk}/", HTTP_RANGE=asked
    )
    assert got.status_code == 206 and got["Content-Range"] == content_range
    assert got["Content-Type"] == "video/mp4" and got["Accept-Ranges"] == "bytes"
    body = VIDEO[slice(*window)]
    assert got["Content-Length"] == str(len(body)) and b"".join(got.streaming_content) == body
    assert got["Content-Security-Policy"] == "sandbox" and got["Cache-Control"] == "private, no-store"


def test_a_range_past_the_end_is_416_and_one_we_do_not_serve_gets_the_whole_file(world, convo_a, media) -> None:
    conversation, _ = convo_a
    video = _file_of(world, conversation, media, "clip.mp4", "video", "video/mp4", VIDEO)
    viewer, url = host_client(world.a, world.viewer_a), f"/conversations/{conversation.pk}/files/{video.pk}/"
    whole = viewer.get(url)  # no range: the whole file, saying ranges may be asked for
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes" and whole["Content-Length"] == "1024"
    for past_the_end in ("bytes=1024-", "bytes=5000-6000", "bytes=-0"):
        refused = viewer.get(url, HTTP_RANGE=past_the_end)
        assert (refused.status_code, refused["Content-Range"]) == (416, "bytes */1024"), past_the_end
    # Not a byte range we serve (another unit, nonsense, reversed, several at once; or a range under If-Range,
    # which no validator of ours can prove current): the whole file, as HTTP allows.
    for ignored in ("items=0-1", "bytes=abc", "bytes=10-5", "bytes=0-1,5-9", "bytes=-"):
        got = viewer.get(url, HTTP_RANGE=ignored)
        assert got.status_code == 200 and b"".join(got.streaming_content) == VIDEO, ignored
    got = viewer.get(url, HTTP_RANGE="bytes=0-1", HTTP_IF_RANGE='"v1"')
    assert got.status_code == 200 and got["Content-Length"] == "1024"


def test_a_range_of_a_pdf_still_downloads_and_bs_staff_get_404_with_a_range(world, convo_a, media) -> None:
    conversation, _ = convo_a
    pdf = _file_of(world, conversation, media, "booking.pdf", "document", "application/pdf", b"%PDF-1.7 booking")
    url = f"/conversations/{conversation.pk}/files/{pdf.pk}/"
    part = host_client(world.a, world.viewer_a).get(url, HTTP_RANGE="bytes=0-3")
    assert part.status_code == 206 and b"".join(part.streaming_content) == b"%PDF"
    assert part["Content-Type"] == "application/octet-stream" and "attachment" in part["Content-Disposition"]
    assert host_client(world.a, world.manager_b).get(url, HTTP_RANGE="bytes=0-3").status_code == 404
    assert host_client(world.b, world.manager_b).get(url, HTTP_RANGE="bytes=0-3").status_code == 404
