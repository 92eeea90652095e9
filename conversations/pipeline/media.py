"""A guest's media on the worker: fetched, stored, read (OCR, transcription), linked to the message.

Images give their text to the AI as context (appended to the message it reads); a voice note is
transcribed when an endpoint is configured, otherwise the conversation goes to staff; documents
are stored and linked. Running it again for the same message does nothing new.
"""

from __future__ import annotations

from typing import Any

import structlog
from django.db import connection, transaction

from conversations.handoff.service import begin_handoff
from conversations.models import Channel, Conversation, MediaAttachment, Message
from conversations.pipeline import notices
from conversations.pipeline.outbox import whatsapp_adapter
from messaging.base import NormalizedMessage
from messaging.whatsapp import Permanent
from messaging.whatsapp import media as wa_media

log = structlog.get_logger(__name__)

LABELS = {"image": "Text in the guest's image", "audio": "Guest's voice note", "document": "Guest's document"}


def handle(message: Message, conversation: Conversation, normalized: NormalizedMessage, stored: list[Any]) -> bool:
    """Process the media of `message`; False when the message must go to staff instead of the AI."""
    if not normalized.media:
        return True
    if message.metadata.get("media_done"):
        return not message.metadata.get("media_to_staff")
    texts: list[str] = []
    to_staff = False
    unreadable: list[str] = []  # kinds of media we could not fetch: the guest is asked to send them again
    for index, item in enumerate(normalized.media):
        attachment = _fetch(message, normalized, item, stored[index] if index < len(stored) else None)
        if attachment.error:
            unreadable.append(item.kind)
            continue
        if not attachment.storage_name:
            continue
        if item.kind == "image":
            attachment.extracted_text = _ocr(attachment)
        elif item.kind == "audio":
            try:
                attachment.extracted_text = wa_media.transcribe_with_settings(_read(attachment), attachment.mime_type)
            except wa_media.TranscriptionUnavailable:
                to_staff = True
        attachment.save(update_fields=["extracted_text"])
        if attachment.extracted_text:
            texts.append(f"[{LABELS.get(item.kind, 'Attachment')}]: {attachment.extracted_text}")
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if texts:
            locked.content = "\n".join([locked.content, *texts]).strip()
        # Nothing left for the AI to read (a photo without a caption we could not open): only the request
        # to send it again goes out, so the guest is never answered about an empty message.
        nothing_to_read = bool(unreadable) and not locked.content.strip()
        locked.metadata = {
            **locked.metadata,
            "media_done": True,
            "media_to_staff": to_staff or nothing_to_read,
            "media_unreadable": unreadable,
        }
        locked.save(update_fields=["content", "metadata"])
        if unreadable:
            language = notices.language_of(conversation, locked.content)
            kind_name = notices.media_name(unreadable[0], language)
            notices.tell_guest(
                conversation, "media_unreadable", language=language, answers_guest=nothing_to_read, media=kind_name
            )
        if to_staff:
            hand_to_staff(conversation, locked, reason="voice_note")
            language = notices.language_of(conversation, locked.content)
            notices.tell_guest(
                conversation, "voice_note_to_staff", language=language, when=notices.staff_reply_when(language)
            )
    message.content = locked.content
    return not (to_staff or nothing_to_read)


def _fetch(
    message: Message, normalized: NormalizedMessage, item: Any, stored: dict[str, Any] | None
) -> MediaAttachment:
    key = item.provider_media_id or item.sha256
    existing = MediaAttachment.objects.filter(message=message, provider_media_id=key).first()
    if existing is not None:
        return existing
    attachment = MediaAttachment(
        message=message, kind=item.kind, provider_media_id=key, filename=item.filename, mime_type=item.mime_type
    )
    if stored is not None:  # e-mail: stored on the request path already
        attachment.storage_name, attachment.size, attachment.sha256 = stored["name"], stored["size"], stored["sha256"]
    elif normalized.channel == Channel.WHATSAPP and item.provider_media_id:
        try:
            with whatsapp_adapter(normalized.thread_id) as adapter:
                downloaded = adapter.download_media(item.provider_media_id)  # Transient errors retry the task
            saved = wa_media.store_media(downloaded.content, downloaded.mime_type, schema=connection.schema_name)
            attachment.storage_name, attachment.size, attachment.sha256 = saved.name, saved.size, saved.sha256
            attachment.mime_type = downloaded.mime_type
        except Permanent as exc:  # MediaRejected included
            # Graph refusing the media id (code 100: expired or never ours), too large, a type we refuse:
            # asking again will not help, so this attachment ends here (transient errors retry the task).
            attachment.error = str(exc)
            log.warning("media_unreadable", message=message.pk, kind=item.kind, error=str(exc))
    attachment.save()
    return attachment


def _read(attachment: MediaAttachment) -> bytes:
    from django.core.files.storage import storages

    with storages["default"].open(attachment.storage_name, "rb") as handle:
        return handle.read()


def _ocr(attachment: MediaAttachment) -> str:
    try:
        return wa_media.ocr_with_settings(_read(attachment))
    except wa_media.MediaTextUnavailable as exc:
        log.info("ocr_unavailable", reason=str(exc))
        return ""


def hand_to_staff(conversation: Conversation, message: Message, *, reason: str) -> None:
    """Staff take the conversation through the handoff service (episode, staff alert); the AI stays silent."""
    begin_handoff(conversation.pk, trigger=reason, reason="Voice note: no transcription is configured")
