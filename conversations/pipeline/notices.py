"""What the guest is told when we cannot do what they asked: in their language, on their own channel.

A notice is a SYSTEM message (like the greeting), so it never counts as the AI's answer to the guest's
message and never feeds the handoff's low-confidence streak; it leaves through the outbox like any reply.
"""

from __future__ import annotations

from django.db import transaction

from assistant.language import detect_language
from conversations.models import Conversation, Message, MessageRole
from conversations.pipeline import outbox

TEXTS: dict[str, dict[str, str]] = {
    "media_unreadable": {
        "en": "We couldn't open your {media} — could you send it again, or type your question?",
        "ms": "Maaf, kami tidak dapat membuka {media} anda — boleh hantar semula, atau taip soalan anda?",
    },
    "message_unreadable": {
        "en": "Sorry, we couldn't read your last message — a colleague will look at it and reply here.",
        "ms": (
            "Maaf, kami tidak dapat membaca mesej terakhir anda — "
            "rakan sekerja kami akan menyemaknya dan membalas di sini."
        ),
    },
}

MEDIA_NAMES = {
    "en": {"image": "photo", "audio": "voice note", "video": "video", "document": "file", "sticker": "sticker"},
    "ms": {"image": "gambar", "audio": "nota suara", "video": "video", "document": "fail", "sticker": "pelekat"},
}


def language_of(conversation: Conversation, text: str = "") -> str:
    """The guest's language: what they wrote, else what we know of them, else English."""
    known = conversation.guest.language or "en"
    return detect_language(text, default=known) if text.strip() else known


def text_for(key: str, language: str, **params: str) -> str:
    texts = TEXTS[key]
    return texts.get(language, texts["en"]).format(**params)


def media_name(kind: str, language: str) -> str:
    names = MEDIA_NAMES.get(language, MEDIA_NAMES["en"])
    return names.get(kind, names["document"])


def tell_guest(conversation: Conversation, key: str, *, language: str, **params: str) -> Message:
    """Store the notice and stage its delivery, in one transaction (the outbox dispatches it on commit)."""
    with transaction.atomic():
        notice = Message.objects.create(
            conversation=conversation,
            role=MessageRole.SYSTEM,
            content=text_for(key, language, **params),
            channel=conversation.channel,
            metadata={"notice": key, "language": language},
        )
        outbox.stage(notice, conversation)
    return notice
