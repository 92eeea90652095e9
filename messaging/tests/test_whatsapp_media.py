"""A guest's media: stored once per property and content, read by Tesseract, transcribed by a fake endpoint."""

from __future__ import annotations

import io
import shutil
import time

import pytest
from django.core.files.storage import FileSystemStorage
from PIL import Image, ImageDraw, ImageFont

from messaging.whatsapp import Permanent, RateLimited, Transient
from messaging.whatsapp.media import (
    MediaTextUnavailable,
    TranscriptionUnavailable,
    ocr_image,
    store_media,
    transcribe_audio,
    transcribe_with_settings,
)
from testsupport.transcription import FakeTranscriptionServer

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract is not installed (Debian: apt-get install tesseract-ocr)"
)


def picture_of(text: str) -> bytes:
    image = Image.new("RGB", (1000, 120), "white")
    ImageDraw.Draw(image).text((20, 30), text, fill="black", font=ImageFont.load_default(size=40))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class TestStorage:
    def test_the_same_file_is_stored_once_under_its_property(self, tmp_path) -> None:
        storage = FileSystemStorage(location=tmp_path)
        first = store_media(b"%PDF-1.4 booking", "application/pdf", schema="alpha", storage=storage)
        again = store_media(b"%PDF-1.4 booking", "application/pdf", schema="alpha", storage=storage)
        assert first == again
        assert first.name.startswith("alpha/whatsapp/") and first.name.endswith(".pdf")
        assert storage.open(first.name).read() == b"%PDF-1.4 booking"
        assert len(list((tmp_path / "alpha" / "whatsapp").rglob("*.pdf"))) == 1

    def test_two_properties_never_share_a_path(self, tmp_path) -> None:
        storage = FileSystemStorage(location=tmp_path)
        a = store_media(b"same bytes", "image/jpeg", schema="alpha", storage=storage)
        b = store_media(b"same bytes", "image/jpeg", schema="bravo", storage=storage)
        assert a.sha256 == b.sha256 and a.name != b.name
        assert a.name.startswith("alpha/") and b.name.startswith("bravo/")

    def test_a_schema_is_required(self, tmp_path) -> None:
        with pytest.raises(ValueError):
            store_media(b"x", "image/png", schema="", storage=FileSystemStorage(location=tmp_path))


@needs_tesseract
class TestOcr:
    def test_it_reads_the_text_of_an_image(self) -> None:
        assert ocr_image(picture_of("Booking AH12345 paid RM 420"), languages="eng+msa") == (
            "Booking AH12345 paid RM 420"
        )

    def test_an_image_that_is_not_an_image_is_unavailable_text(self) -> None:
        with pytest.raises(MediaTextUnavailable):
            ocr_image(b"definitely not a png")

    def test_a_huge_image_is_refused_before_reading(self) -> None:
        image = Image.new("1", (8000, 6000), 1)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        with pytest.raises(MediaTextUnavailable, match="too large"):
            ocr_image(buffer.getvalue())


class TestTranscription:
    def test_without_an_endpoint_the_voice_note_goes_to_staff(self) -> None:
        with pytest.raises(TranscriptionUnavailable):
            transcribe_audio(b"OggS", "audio/ogg", base_url="", api_key="")

    def test_it_posts_the_audio_with_the_openai_client_and_returns_the_text(self) -> None:
        with FakeTranscriptionServer(text="  Saya nak tempah bilik untuk dua orang  ") as server:
            text = transcribe_audio(
                b"OggS fake opus", "audio/ogg; codecs=opus", base_url=server.base_url, api_key="k", model="whisper-1"
            )
        assert text == "Saya nak tempah bilik untuk dua orang"
        (request,) = server.requests
        assert request.path == "/v1/audio/transcriptions"
        assert request.headers["authorization"] == "Bearer k"
        assert request.headers["content-type"].startswith("multipart/form-data")
        assert b"OggS fake opus" in request.body and b"whisper-1" in request.body
        assert b'filename="voice-note.ogg"' in request.body

    @pytest.mark.parametrize(("status", "error"), [(500, Transient), (429, RateLimited), (400, Permanent)])
    def test_failures_are_classified(self, status: int, error: type) -> None:
        with FakeTranscriptionServer() as server:
            server.fail(status=status)
            with pytest.raises(error):
                transcribe_audio(b"OggS", "audio/ogg", base_url=server.base_url, api_key="k")
            assert transcribe_audio(b"OggS", "audio/ogg", base_url=server.base_url, api_key="k") == "hello"
        assert len(server.requests) == 2  # no hidden SDK retries

    def test_a_slow_endpoint_times_out_as_transient(self) -> None:
        with FakeTranscriptionServer() as server:
            server.delay(1.0)
            started = time.monotonic()
            with pytest.raises(Transient):
                transcribe_audio(b"OggS", "audio/ogg", base_url=server.base_url, api_key="k", timeout=0.3)
            assert time.monotonic() - started < 0.9


def test_the_settings_decide_whether_a_voice_note_is_transcribed(settings) -> None:
    settings.TRANSCRIPTION_BASE_URL, settings.TRANSCRIPTION_API_KEY = "", ""
    with pytest.raises(TranscriptionUnavailable):
        transcribe_with_settings(b"OggS", "audio/ogg")
    with FakeTranscriptionServer(text="Boleh check-in awal?") as server:
        settings.TRANSCRIPTION_BASE_URL, settings.TRANSCRIPTION_API_KEY = server.base_url, "k"
        settings.TRANSCRIPTION_TIMEOUT = 1.0
        assert transcribe_with_settings(b"OggS", "audio/ogg", language="ms") == "Boleh check-in awal?"
    assert b'name="language"' in server.requests[0].body
