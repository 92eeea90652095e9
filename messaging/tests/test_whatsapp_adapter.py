"""The WhatsApp adapter's real httpx client against the fake Graph API on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterator

import httpx
import pytest

from messaging.base import OutboundMessage, PermanentSendError, TransientSendError
from messaging.whatsapp import (
    AccountProblem,
    MediaRejected,
    OutsideWindow,
    Permanent,
    RateLimited,
    TokenExpired,
    Transient,
    Undeliverable,
    WhatsAppAdapter,
    within_customer_service_window,
)
from testsupport.graph import FakeGraphServer

NUMBER = "106540352242922"
GUEST = "+60123456789"


@pytest.fixture
def adapter(graph: FakeGraphServer) -> Iterator[WhatsAppAdapter]:
    # A generous timeout: on a loaded machine a 0.5 s one made a slow success look like a lost answer
    # (a retried send, a second message). Only the timeout test below uses a short one.
    with WhatsAppAdapter(NUMBER, graph.token, base_url=graph.url, api_version="v23.0", timeout=5.0) as a:
        yield a


def reply(text: str, **extra: object) -> OutboundMessage:
    return OutboundMessage(channel="whatsapp", recipient_id=GUEST, text=text, extra=dict(extra))


class TestSending:
    def test_it_posts_a_text_message_with_a_bearer_token(
        self, graph: FakeGraphServer, adapter: WhatsAppAdapter
    ) -> None:
        result = adapter.send(reply("Yes, we have a **Deluxe King** free on 12 Dec."))
        (request,) = graph.requests
        assert request.method == "POST"
        assert request.path == f"/v23.0/{NUMBER}/messages"
        assert request.headers["authorization"] == f"Bearer {graph.token}"
        assert request.headers["content-type"] == "application/json"
        assert request.json == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "60123456789",
            "type": "text",
            "text": {"body": "Yes, we have a *Deluxe King* free on 12 Dec."},
        }
        assert result.provider_message_id.startswith("wamid.")
        assert result.parts == 1 and result.provider_message_ids == (result.provider_message_id,)

    def test_a_reply_to_a_message_quotes_it_in_the_first_part_only(
        self, graph: FakeGraphServer, adapter: WhatsAppAdapter
    ) -> None:
        message = OutboundMessage("whatsapp", GUEST, "Sure. " * 1000, reply_to="wamid.GUEST1")
        result = adapter.send(message)
        sent = graph.sent_messages()
        assert result.parts == len(sent) == 2
        assert sent[0]["context"] == {"message_id": "wamid.GUEST1"}
        assert "context" not in sent[1]
        assert all(len(s["text"]["body"]) <= 4096 for s in sent)
        assert list(result.provider_message_ids) == sorted(set(result.provider_message_ids))

    def test_a_failure_mid_way_reports_the_parts_sent_and_a_retry_resumes_after_them(
        self, graph: FakeGraphServer, adapter: WhatsAppAdapter
    ) -> None:
        text = "Part one goes here. " * 150 + "\n\n" + "Part two follows now. " * 150  # two parts
        graph.fail(status=503, after=1)  # the first part goes out, the second fails
        with pytest.raises(Transient) as failed:
            adapter.send(reply(text))
        assert failed.value.parts_sent == 1
        resumed = adapter.send(reply(text, resume_from_part=failed.value.parts_sent))
        bodies = [m["text"]["body"] for m in graph.sent_messages()]
        assert [b.split(".")[0] for b in bodies] == ["Part one goes here", "Part two follows now"]  # each once
        assert resumed.parts == 2 and len(resumed.provider_message_ids) == 1

    @pytest.mark.parametrize(
        ("question", "titles"),
        [("Shall I pass these on? Please reply YES or NO.", ["YES", "NO"]),
         ("Boleh saya serahkan butiran ini? Sila balas YA atau TIDAK.", ["YA", "TIDAK"])],
        ids=["english", "malay"],
    )  # fmt: skip
    def test_reply_buttons_go_as_an_interactive_message(
        self, graph: FakeGraphServer, adapter: WhatsAppAdapter, question: str, titles: list[str]
    ) -> None:
        buttons = [{"id": "consent_yes", "title": titles[0]}, {"id": "consent_no", "title": titles[1]}]
        adapter.send(reply(f"Room: Family Suite\n\n{question}", buttons=buttons))
        (sent,) = graph.sent_messages()
        assert sent["type"] == "interactive" and "text" not in sent
        assert sent["interactive"] == {
            "type": "button",
            "body": {"text": f"Room: Family Suite\n\n{question}"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "consent_yes", "title": titles[0]}},
                    {"type": "reply", "reply": {"id": "consent_no", "title": titles[1]}},
                ]
            },
        }

    def test_a_long_text_with_buttons_sends_text_first_and_the_buttons_on_the_last_part(
        self, graph: FakeGraphServer, adapter: WhatsAppAdapter
    ) -> None:
        text = "Our rooms and rates follow. " * 60 + "\n\nShall I pass these on? Please reply YES or NO."
        result = adapter.send(reply(text, buttons=[{"id": "consent_yes", "title": "YES"}]))
        sent = graph.sent_messages()  # the fake refuses an interactive body over Meta's 1,024 characters
        assert [m["type"] for m in sent] == ["text", "interactive"] and result.parts == 2
        assert len(sent[-1]["interactive"]["body"]["text"]) <= 1024
        assert sent[-1]["interactive"]["body"]["text"].endswith("Please reply YES or NO.")

    def test_an_empty_reply_is_refused_without_a_request(
        self, graph: FakeGraphServer, adapter: WhatsAppAdapter
    ) -> None:
        with pytest.raises(Permanent):
            adapter.send(reply("   "))
        assert graph.requests == []

    def test_it_sends_a_template_with_its_components(self, graph: FakeGraphServer, adapter: WhatsAppAdapter) -> None:
        components = [{"type": "body", "parameters": [{"type": "text", "text": "Aisyah"}]}]
        result = adapter.send_template(GUEST, "booking_follow_up", "ms", components)
        assert graph.sent_messages() == [
            {
                "messaging_product": "whatsapp",
                "to": "60123456789",
                "type": "template",
                "template": {"name": "booking_follow_up", "language": {"code": "ms"}, "components": components},
            }
        ]
        assert result.provider_message_id.startswith("wamid.")

    def test_it_marks_a_message_read_with_a_typing_indicator(
        self, graph: FakeGraphServer, adapter: WhatsAppAdapter
    ) -> None:
        adapter.mark_read_with_typing("wamid.GUEST2")
        assert graph.read_receipts() == [
            {
                "messaging_product": "whatsapp",
                "status": "read",
                "message_id": "wamid.GUEST2",
                "typing_indicator": {"type": "text"},
            }
        ]
        assert graph.sent_messages() == []


class TestErrorsByMeaning:
    @pytest.mark.parametrize(
        ("status", "code", "error_class", "retryable", "alert"),
        [
            (400, 131047, OutsideWindow, False, ""),
            (429, 130429, RateLimited, True, ""),
            (400, 131056, RateLimited, True, ""),
            (400, 131026, Undeliverable, False, "staff"),
            (401, 190, TokenExpired, False, "platform_admins"),
            (400, 131042, AccountProblem, False, "platform_admins"),
            (500, 131000, Transient, True, ""),
            (400, 100, Permanent, False, ""),
            (503, None, Transient, True, ""),
            (404, None, Permanent, False, ""),
            (429, None, RateLimited, True, ""),
        ],
    )
    def test_errors_are_classified_by_code_then_status(
        self,
        graph: FakeGraphServer,
        adapter: WhatsAppAdapter,
        status: int,
        code: int | None,
        error_class: type,
        retryable: bool,
        alert: str,
    ) -> None:
        graph.fail(status=status, code=code)
        with pytest.raises(error_class) as raised:
            adapter.send(reply("hello"))
        error = raised.value
        assert type(error) is error_class
        assert error.retryable is retryable
        assert isinstance(error, TransientSendError if retryable else PermanentSendError)
        assert error.alert == alert
        assert error.code == code and error.http_status == status
        assert graph.sent_messages() == []

    def test_free_text_outside_the_window_fails_and_a_template_goes_through(
        self, graph: FakeGraphServer, adapter: WhatsAppAdapter
    ) -> None:
        graph.outside_window.add("60123456789")
        with pytest.raises(OutsideWindow) as raised:
            adapter.send(reply("Are you still interested?"))
        assert "Re-engagement" in str(raised.value)
        adapter.send_template(GUEST, "follow_up", "en")
        assert [m["type"] for m in graph.sent_messages()] == ["template"]

    def test_a_guest_not_on_whatsapp_is_undeliverable(self, graph: FakeGraphServer, adapter: WhatsAppAdapter) -> None:
        graph.undeliverable.add("60123456789")
        with pytest.raises(Undeliverable):
            adapter.send(reply("hello"))

    def test_a_revoked_token_is_token_expired(self, graph: FakeGraphServer, adapter: WhatsAppAdapter) -> None:
        graph.expire_token()
        with pytest.raises(TokenExpired) as raised:
            adapter.send(reply("hello"))
        assert raised.value.code == 190

    def test_a_slow_answer_is_a_transient_timeout_that_may_have_been_sent(self, graph: FakeGraphServer) -> None:
        graph.delay(6.0)  # far beyond our 0.5 s timeout, so a loaded machine cannot blur the two
        started = time.monotonic()
        adapter = WhatsAppAdapter(NUMBER, graph.token, base_url=graph.url, timeout=0.5)
        with adapter, pytest.raises(Transient) as raised:
            adapter.send(reply("hello"))
        assert time.monotonic() - started < 4.0  # our timeout, not the server's pace
        assert raised.value.maybe_sent is True
        assert "ReadTimeout" in str(raised.value)

    def test_nobody_listening_is_transient_and_certainly_not_sent(self) -> None:
        server = FakeGraphServer()
        url = server.url
        server.stop()  # the port is closed now
        with WhatsAppAdapter(NUMBER, "t", base_url=url, timeout=0.5) as adapter, pytest.raises(Transient) as raised:
            adapter.send(reply("hello"))
        assert raised.value.maybe_sent is False

    def test_500s_for_a_while_then_one_delivery(self, graph: FakeGraphServer, adapter: WhatsAppAdapter) -> None:
        graph.fail(times=3, status=500)
        attempts = 0
        while True:  # what the outbox's retries will do, without the back-off
            attempts += 1
            try:
                adapter.send(reply("hello after the outage"))
                break
            except Transient:
                assert attempts < 10
        assert attempts == 4
        assert [m["text"]["body"] for m in graph.sent_messages()] == ["hello after the outage"]

    def test_a_2xx_without_a_message_id_is_not_retried(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={"messaging_product": "whatsapp"})

        adapter = WhatsAppAdapter(NUMBER, "t", transport=httpx.MockTransport(handler))
        with adapter, pytest.raises(Permanent) as raised:
            adapter.send(reply("hello"))
        assert raised.value.maybe_sent is True


class TestMedia:
    def test_it_downloads_media_through_the_media_api_with_the_bearer_token(
        self, graph: FakeGraphServer, adapter: WhatsAppAdapter
    ) -> None:
        content = b"\xff\xd8\xff\xe0" + b"jpeg bytes " * 100
        graph.add_media("1480953826243473", content, "image/jpeg")
        media = adapter.download_media("1480953826243473")
        assert media.content == content
        assert media.sha256 == hashlib.sha256(content).hexdigest()
        assert media.mime_type == "image/jpeg" and media.size == len(content)
        info_request, file_request = graph.requests
        assert info_request.path == "/v23.0/1480953826243473"
        assert file_request.path == "/_media/1480953826243473"
        assert file_request.headers["authorization"] == f"Bearer {graph.token}"

    def test_mime_parameters_are_ignored_when_checking_the_type(
        self, graph: FakeGraphServer, adapter: WhatsAppAdapter
    ) -> None:
        graph.add_media("voice1", b"OggS voice", "audio/ogg; codecs=opus")
        assert adapter.download_media("voice1").mime_type == "audio/ogg"

    def test_a_type_we_do_not_accept_is_refused_before_downloading(
        self, graph: FakeGraphServer, adapter: WhatsAppAdapter
    ) -> None:
        graph.add_media("exe1", b"MZ...", "application/x-msdownload")
        with pytest.raises(MediaRejected):
            adapter.download_media("exe1")
        assert [r.path for r in graph.requests] == ["/v23.0/exe1"]

    def test_a_file_over_the_limit_is_refused_before_downloading(self, graph: FakeGraphServer) -> None:
        graph.add_media("big1", b"x" * 2048, "application/pdf")
        adapter = WhatsAppAdapter(NUMBER, graph.token, base_url=graph.url, media_max_bytes=1024)
        with adapter, pytest.raises(MediaRejected) as raised:
            adapter.download_media("big1")
        assert "2048 bytes" in str(raised.value)
        assert [r.path for r in graph.requests] == ["/v23.0/big1"]

    def test_a_file_larger_than_announced_is_cut_off_while_streaming(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            if request.url.host == "graph.facebook.com":
                return httpx.Response(
                    200, json={"url": "http://files.test/lie1", "mime_type": "application/pdf", "file_size": 10}
                )
            return httpx.Response(200, content=b"x" * 5000)

        adapter = WhatsAppAdapter(NUMBER, "t", transport=httpx.MockTransport(handler), media_max_bytes=1000)
        with adapter, pytest.raises(MediaRejected):
            adapter.download_media("lie1")

    def test_an_unknown_media_id_is_permanent(self, adapter: WhatsAppAdapter) -> None:
        with pytest.raises(Permanent) as raised:
            adapter.download_media("nope")
        assert raised.value.code == 100

    def test_a_failed_file_download_is_transient(self, graph: FakeGraphServer, adapter: WhatsAppAdapter) -> None:
        graph.add_media("img2", b"png", "image/png")
        graph.fail(status=500, path="/_media/")
        with pytest.raises(Transient):
            adapter.download_media("img2")
        assert adapter.download_media("img2").content == b"png"


class TestCustomerServiceWindow:
    NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)

    @pytest.mark.parametrize(
        ("hours_ago", "inside"),
        [(0, True), (1, True), (23.99, True), (24, False), (30, False), (-1, False)],
    )
    def test_free_text_only_within_24_hours_of_the_guest_s_last_message(self, hours_ago: float, inside: bool) -> None:
        last = self.NOW - dt.timedelta(hours=hours_ago)
        assert within_customer_service_window(last, self.NOW) is inside

    def test_a_guest_who_never_wrote_is_outside(self) -> None:
        assert within_customer_service_window(None, self.NOW) is False

    def test_naive_datetimes_are_refused(self) -> None:
        with pytest.raises(ValueError):
            within_customer_service_window(dt.datetime(2026, 11, 23, 11, 0), self.NOW)


def test_channel_transient_errors_are_what_durable_tasks_retry() -> None:
    from core.durability import DurableTask, TransientError

    assert issubclass(Transient, TransientError) and issubclass(RateLimited, TransientError)
    assert not issubclass(Permanent, TransientError) and not issubclass(OutsideWindow, TransientError)
    assert TransientError in DurableTask.autoretry_for
    assert not issubclass(Permanent, DurableTask.autoretry_for) and not issubclass(
        OutsideWindow, DurableTask.autoretry_for
    )
