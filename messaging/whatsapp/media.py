"""What a guest's media becomes: a stored file, and text the AI can read.

- Every file is stored through Django's storage API (`storages["default"]`: the local filesystem
  by default, S3-compatible when django-storages is configured), named by its SHA-256 under the
  property's schema, so a retried download stores nothing twice and properties never share a path.
- Images are read by RapidOCR (`rapidocr-onnxruntime`: PP-OCRv4 models inside its wheel, run on the CPU by
  onnxruntime; nothing to install on the system, nothing downloaded at run time), or by Tesseract
  (`pytesseract` and the system's `tesseract`) when `OCR_ENGINE=tesseract`; the text goes to the AI as context.
- Audio is transcribed by an OpenAI-compatible `/audio/transcriptions` endpoint when one is
  configured; otherwise `TranscriptionUnavailable` tells the caller to hand the voice note to staff.
"""

from __future__ import annotations

import functools
import hashlib
import io
import mimetypes
import re
import threading
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile

from messaging.whatsapp import errors

MAX_EXTRACTED_CHARS = 4000  # enough for a booking confirmation; the prompt has other things to hold
MAX_IMAGE_PIXELS = 40_000_000  # a decompression bomb is refused before the OCR engine sees it

_EXTENSIONS = {
    "audio/ogg": ".ogg",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
}


class MediaTextUnavailable(Exception):
    """No text could be had from this file (no OCR engine, an unreadable image): go on without it."""


class TranscriptionUnavailable(MediaTextUnavailable):
    """No transcription endpoint is configured: hand the voice note to staff."""


@dataclass(frozen=True)
class StoredMedia:
    name: str  # the storage name, to keep on the message
    size: int
    sha256: str
    mime_type: str


def media_name(schema: str, sha256: str, mime_type: str) -> str:
    extension = _EXTENSIONS.get(mime_type) or mimetypes.guess_extension(mime_type) or ".bin"
    return f"{schema}/whatsapp/{sha256[:2]}/{sha256}{extension}"


def store_media(content: bytes, mime_type: str, *, schema: str, storage: Any = None) -> StoredMedia:
    """Store the bytes once per property and content; storing the same file again returns the same name."""
    if not schema:
        raise ValueError("media is always stored under a property's schema")
    if storage is None:
        from django.core.files.storage import storages

        storage = storages["default"]
    sha256 = hashlib.sha256(content).hexdigest()
    name = media_name(schema, sha256, mime_type)
    if not storage.exists(name):
        # Two workers racing here both save; the storage gives the loser another name, both valid.
        name = storage.save(name, ContentFile(content))
    return StoredMedia(name=name, size=len(content), sha256=sha256, mime_type=mime_type)


# --- Images: OCR ------------------------------------------------------------------------------


OCR_ENGINES = ("rapidocr", "tesseract")

_rapidocr_engine: Any = None
_rapidocr_lock = threading.Lock()


def _rapidocr() -> Any:
    """RapidOCR, loaded once per process on first use (about a second and ~100 MB of models).

    The lock makes concurrent first calls (daphne's threads, a threaded worker) load it once; the loaded
    engine is shared, onnxruntime's sessions being safe to run from several threads. One thread per
    session: the worker already runs one process per core, more threads would only fight over them.
    """
    global _rapidocr_engine
    if _rapidocr_engine is None:
        with _rapidocr_lock:
            if _rapidocr_engine is None:
                try:
                    from rapidocr_onnxruntime import RapidOCR
                except ImportError as exc:
                    raise MediaTextUnavailable("rapidocr-onnxruntime is not installed") from exc
                _rapidocr_engine = RapidOCR(
                    intra_op_num_threads=1,
                    inter_op_num_threads=1,
                    det_use_cuda=False,
                    cls_use_cuda=False,
                    rec_use_cuda=False,
                )
    return _rapidocr_engine


def _read_with_rapidocr(image: Any) -> list[str]:
    result, _elapsed = _rapidocr()(image)
    return [str(line[1]) for line in result or ()]  # lines top to bottom: (box, text, score)


@functools.lru_cache(maxsize=1)
def _installed_languages() -> frozenset[str]:
    import pytesseract

    try:
        return frozenset(pytesseract.get_languages(config=""))
    except pytesseract.TesseractNotFoundError as exc:
        raise MediaTextUnavailable("tesseract is not installed") from exc


def _read_with_tesseract(image: Any, languages: str, timeout: float) -> list[str]:
    try:
        import pytesseract
    except ImportError as exc:
        raise MediaTextUnavailable("pytesseract is not installed") from exc
    # Ask only for installed languages: "eng+msa" on a machine without Malay data still reads English.
    wanted = [lang for lang in languages.split("+") if lang in _installed_languages()] or ["eng"]
    try:
        return pytesseract.image_to_string(image, lang="+".join(wanted), timeout=timeout).splitlines()
    except RuntimeError as exc:  # pytesseract's timeout and TesseractError
        raise MediaTextUnavailable(f"OCR gave up: {exc}") from exc
    except OSError as exc:  # TesseractNotFoundError
        raise MediaTextUnavailable(f"tesseract failed to run: {exc}") from exc


def ocr_image(content: bytes, *, engine: str = "rapidocr", languages: str = "eng", timeout: float = 15.0) -> str:
    """The text in an image (a booking confirmation, a screenshot of a price), whitespace tidied.

    `languages` and `timeout` are Tesseract's; RapidOCR's models read Latin script (English, Malay) and
    Chinese without being told, and it runs in this process (the task's time limit bounds it).
    """
    from PIL import Image

    if engine not in OCR_ENGINES:
        raise ValueError(f"unknown OCR engine {engine!r}: one of {', '.join(OCR_ENGINES)}")
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise MediaTextUnavailable(f"image of {image.width}x{image.height} pixels is too large to read")
            image.load()
            rgb = image.convert("RGB")
    except MediaTextUnavailable:
        raise
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise MediaTextUnavailable(f"unreadable image: {exc}") from exc
    raw_lines = _read_with_tesseract(rgb, languages, timeout) if engine == "tesseract" else _read_with_rapidocr(rgb)
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in raw_lines]
    return "\n".join(line for line in lines if line)[:MAX_EXTRACTED_CHARS]


# --- Audio: transcription ---------------------------------------------------------------------


def transcription_configured(base_url: str, api_key: str) -> bool:
    return bool(base_url or api_key)


def transcribe_audio(
    content: bytes,
    mime_type: str,
    *,
    base_url: str,
    api_key: str,
    model: str = "whisper-1",
    timeout: float = 30.0,
    language: str | None = None,
) -> str:
    """A voice note's words through the openai SDK; errors come back classified like sending errors."""
    if not transcription_configured(base_url, api_key):
        raise TranscriptionUnavailable("no transcription endpoint is configured")
    import openai

    client = openai.OpenAI(base_url=base_url or None, api_key=api_key or "not-needed", timeout=timeout, max_retries=0)
    filename = "voice-note" + (_EXTENSIONS.get(mime_type.split(";")[0].strip()) or ".ogg")
    options: dict[str, Any] = {"model": model, "file": (filename, content, mime_type)}
    if language:
        options["language"] = language
    try:
        result = client.audio.transcriptions.create(**options)
    except (openai.APITimeoutError, openai.APIConnectionError) as exc:
        raise errors.Transient(f"transcription endpoint unreachable: {exc.__class__.__name__}") from exc
    except openai.APIStatusError as exc:
        if exc.status_code == 429:
            raise errors.RateLimited("transcription rate limited", http_status=429) from exc
        if exc.status_code >= 500:
            raise errors.Transient("transcription endpoint failed", http_status=exc.status_code) from exc
        raise errors.Permanent("transcription refused", http_status=exc.status_code) from exc
    finally:
        client.close()
    return (getattr(result, "text", "") or "").strip()[:MAX_EXTRACTED_CHARS]


def transcribe_with_settings(content: bytes, mime_type: str, language: str | None = None) -> str:
    """`transcribe_audio` with the TRANSCRIPTION_* settings."""
    from django.conf import settings

    return transcribe_audio(
        content,
        mime_type,
        base_url=settings.TRANSCRIPTION_BASE_URL,
        api_key=settings.TRANSCRIPTION_API_KEY,
        model=settings.TRANSCRIPTION_MODEL,
        timeout=settings.TRANSCRIPTION_TIMEOUT,
        language=language,
    )


def ocr_with_settings(content: bytes) -> str:
    """`ocr_image` with the OCR_ENGINE and OCR_LANGUAGES settings."""
    from django.conf import settings

    return ocr_image(content, engine=settings.OCR_ENGINE, languages=settings.OCR_LANGUAGES)
