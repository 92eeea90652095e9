"""A guest's media: stored once per property and content, read by RapidOCR, transcribed by a fake endpoint."""

from __future__ import annotations

import io
import socket
import threading
import time
from pathlib import Path

import onnxruntime
import pytesseract
import pytest
import rapidocr_onnxruntime
from django.core.files.storage import FileSystemStorage
from PIL import Image

from messaging.whatsapp import Permanent, RateLimited, Transient
from messaging.whatsapp import media as wa_media
from messaging.whatsapp.media import (
    MediaTextUnavailable,
    TranscriptionUnavailable,
    ocr_image,
    ocr_with_settings,
    store_media,
    transcribe_audio,
    transcribe_with_settings,
)
from testsupport.pictures import BOOKING_SCREENSHOT, MENU, picture_of
from testsupport.transcription import FakeTranscriptionServer


def squashed(text: str) -> str:
    # The recogniser sometimes drops the space between two words of a small font ("DeluxeKing Room"):
    # compare the characters read, in order, not the spacing.
    return "".join(text.split()).lower()


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


class TestOcr:
    def test_it_reads_the_text_of_an_image(self) -> None:
        assert ocr_image(picture_of("Booking AH12345 paid RM 420")) == "Booking AH12345 paid RM 420"

    def test_it_reads_a_booking_screenshot_line_by_line_from_a_phone_sized_jpeg(self) -> None:
        screenshot = picture_of(*BOOKING_SCREENSHOT, width=1080, jpeg=True)
        text = ocr_image(screenshot)
        assert [squashed(line) for line in text.splitlines()] == [squashed(line) for line in BOOKING_SCREENSHOT]

    def test_it_reads_a_menu_in_malay(self) -> None:
        text = ocr_image(picture_of(*MENU, size=36, width=800))
        assert squashed(text) == squashed("".join(MENU))

    def test_an_image_without_text_reads_as_nothing(self) -> None:
        assert ocr_image(picture_of()) == ""

    def test_the_models_are_loaded_once_per_process_however_many_threads_ask(self, monkeypatch) -> None:
        monkeypatch.setattr(wa_media, "_rapidocr_engine", None)
        engines: list[object] = []
        start = threading.Barrier(4)

        def first_use() -> None:
            start.wait()
            engines.append(wa_media._rapidocr())

        threads = [threading.Thread(target=first_use) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(engines) == 4 and len({id(engine) for engine in engines}) == 1
        assert wa_media._rapidocr() is engines[0]

    def test_the_models_come_inside_the_wheel_load_without_network_and_run_on_the_cpu(self, monkeypatch) -> None:
        def no_network(*args: object, **kwargs: object) -> None:
            raise AssertionError("OCR must not reach the network")

        monkeypatch.setattr(socket.socket, "connect", no_network)
        monkeypatch.setattr(wa_media, "_rapidocr_engine", None)
        engine = wa_media._rapidocr()
        assert ocr_image(picture_of("Teh tarik")) == "Teh tarik"
        sessions = [engine.text_det.infer.session, engine.text_cls.infer.session, engine.text_rec.session.session]
        assert [session.get_providers() for session in sessions] == [["CPUExecutionProvider"]] * 3
        wheel = Path(rapidocr_onnxruntime.__file__).resolve().parent
        assert {Path(session._model_path).resolve().parent for session in sessions} == {wheel / "models"}
        assert onnxruntime.get_device() == "CPU"

    def test_the_setting_chooses_the_engine(self, settings, monkeypatch) -> None:
        asked: list[str] = []
        monkeypatch.setattr(
            wa_media, "_read_with_tesseract", lambda image, languages, timeout: asked.append(languages) or ["from it"]
        )
        settings.OCR_ENGINE, settings.OCR_LANGUAGES = "tesseract", "eng+msa"
        assert ocr_with_settings(picture_of("Teh tarik")) == "from it"
        settings.OCR_ENGINE = "rapidocr"
        assert ocr_with_settings(picture_of("Teh tarik")) == "Teh tarik"
        assert asked == ["eng+msa"]

    def test_an_unknown_engine_is_a_programming_error(self) -> None:
        with pytest.raises(ValueError, match="unknown OCR engine"):
            ocr_image(picture_of("x"), engine="paddle")

    def test_an_image_that_is_not_an_image_is_unavailable_text(self) -> None:
        with pytest.raises(MediaTextUnavailable):
            ocr_image(b"definitely not a png")

    def test_a_huge_image_is_refused_before_reading(self) -> None:
        image = Image.new("1", (8000, 6000), 1)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        with pytest.raises(MediaTextUnavailable, match="too large"):
            ocr_image(buffer.getvalue())

    def test_tesseract_chosen_but_missing_is_unavailable_text_not_an_error(self, monkeypatch) -> None:
        monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
        wa_media._installed_languages.cache_clear()
        try:
            with pytest.raises(MediaTextUnavailable, match="tesseract"):
                ocr_image(picture_of("Teh tarik"), engine="tesseract", languages="eng+msa")
        finally:
            wa_media._installed_languages.cache_clear()


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
