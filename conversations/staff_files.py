"""A guest's file (a voice note, a photo, a video, a document) served to the staff who read the conversation.

The file is reached only through the conversation it came in (of the property whose schema is active; the
caller has applied the access rule to the property). Any byte range of it is served on request: Safari and
iOS play an <audio> or <video> only from a server that answers `Range: bytes=…` with 206 Partial Content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.files.base import File
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpResponse

from conversations.models import MediaAttachment
from conversations.services import conversation_for
from core.lookups import one_or_404

# Shown in the page; any other type (HTML, SVG, a script) only downloads: a guest's file never runs on our host.
# A PDF downloads: under the sandbox below, the browser's PDF viewer does not run and the page would stay blank.
INLINE_MEDIA = ("audio/", "image/jpeg", "image/png", "image/webp", "video/mp4")

# One range of bytes: "first-last", "first-" (to the end) or "-n" (the last n bytes).
_ONE_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ByteRange:
    first: int
    last: int  # inclusive, as Content-Range writes it

    @property
    def length(self) -> int:
        return self.last - self.first + 1


class RangeNotSatisfiable(Exception):
    """The range asked for starts past the end of the file (416)."""


def byte_range(header: str, size: int) -> ByteRange | None:
    """The single range of a `Range` header within a file of `size` bytes; None to send the whole file.

    A header we do not serve as asked (none, another unit, a malformed or reversed range, several ranges) is
    ignored and the whole file sent, as HTTP allows: media players ask for one range at a time. A well-formed
    range that starts at or past the end (or asks for the last 0 bytes) raises RangeNotSatisfiable.
    """
    match = _ONE_RANGE.match(header or "")
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:  # the last n bytes
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(size - suffix, 0), size - 1)
    first = int(first_text)
    if last_text and int(last_text) < first:  # reversed: not a range at all
        return None
    if first >= size:
        raise RangeNotSatisfiable
    return ByteRange(first, min(int(last_text), size - 1) if last_text else size - 1)


class _Window:
    """`length` bytes of an open file from where it stands: FileResponse streams it in blocks and closes it."""

    def __init__(self, handle: File, length: int) -> None:
        self._handle, self._left = handle, length

    def read(self, size: int = -1) -> bytes:
        wanted = self._left if size < 0 else min(size, self._left)
        chunk = self._handle.read(wanted) if wanted > 0 else b""
        self._left -= len(chunk)
        return chunk

    def close(self) -> None:
        self._handle.close()


def guest_file_response(
    conversation_id: int, attachment_id: int, range_header: str = "", if_range: str = ""
) -> HttpResponse:
    """The response to a staff member's request for a file of this conversation: the whole file (200), the range
    asked for (206), 416 for a range past its end; 404 for a file of another conversation, or no longer stored.

    A range sent with If-Range gets the whole file: we give no validator (no ETag, no Last-Modified) that the
    browser's copy could be proven current by, so its earlier part may not belong with this one."""
    conversation = conversation_for(conversation_id)
    stored = MediaAttachment.objects.filter(message__conversation=conversation).exclude(storage_name="")
    attachment = one_or_404(stored, attachment_id, "file")
    try:
        handle = storages["default"].open(attachment.storage_name, "rb")
    except (FileNotFoundError, ValueError) as exc:  # gone (erased), or never stored
        raise Http404("That file is no longer stored.") from exc
    size = handle.size
    try:
        wanted = None if if_range else byte_range(range_header, size)
    except RangeNotSatisfiable:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _private(response)
    mime = attachment.mime_type or "application/octet-stream"
    inline = mime.startswith(INLINE_MEDIA)
    body: File | _Window = handle
    if wanted is not None:
        handle.seek(wanted.first)
        body = _Window(handle, wanted.length)
    response = FileResponse(
        body,
        content_type=mime if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=attachment.filename or f"{attachment.kind}-{attachment.pk}",
    )
    if wanted is not None:
        response.status_code = 206
        response["Content-Range"] = f"bytes {wanted.first}-{wanted.last}/{size}"
        response["Content-Length"] = str(wanted.length)
    response["Accept-Ranges"] = "bytes"
    return _private(response)


def _private(response: HttpResponse) -> HttpResponse:
    # A guest's file never runs as a page of our host, and no cache between keeps a copy.
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
