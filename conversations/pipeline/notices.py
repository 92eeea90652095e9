"""What the guest is told when we cannot do what they asked: in their language, on their own channel.

A notice that is the whole answer to the guest's message (a voice note gone to staff, a sticker, a photo we
could not open and nothing else) is an AI message listing no answers, so the engine counts what came
before it as answered (`engine._unanswered_guest_messages`) and the next turn does not answer it again;
one beside a real answer still to come (a captioned photo) is a SYSTEM message. Neither goes through the
model, so neither feeds the handoff's low-confidence streak. Both leave on the guest's channel: the outbox for
WhatsApp and e-mail, the guest's socket for the widget (`handoff.deliver`).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from assistant.language import detect_language
from conversations.handoff import deliver
from conversations.models import Conversation, Message, MessageRole
from properties.services import current_property_cached, team_back

TEXTS: dict[str, dict[str, str]] = {
    "media_unreadable": {
        "en": "We couldn't open your {media} — could you send it again, or type your question?",
        "ms": "Maaf, kami tidak dapat membuka {media} anda — boleh hantar semula, atau taip soalan anda?",
    },
    "message_unreadable": {
        "en": "Sorry, we couldn't read your last message — a colleague will look at it and reply here {when}.",
        "ms": (
            "Maaf, kami tidak dapat membaca mesej terakhir anda — "
            "rakan sekerja kami akan menyemaknya dan membalas di sini {when}."
        ),
    },
    "voice_note_to_staff": {
        "en": "Thanks for your voice note — a colleague will listen to it and reply here {when}.",
        "ms": "Terima kasih atas nota suara anda — rakan sekerja kami akan mendengarnya dan membalas di sini {when}.",
    },
    # A turn that failed for good (`turns.give_up`): said once, honestly, and the conversation goes to staff.
    "turn_failed": {
        "en": "Sorry, I can't answer right now. A member of our team will reply to you here {when}.",
        "ms": "Maaf, saya tidak dapat menjawab sekarang. Kakitangan kami akan membalas anda di sini {when}.",
    },
    "please_type": {
        "en": "We can't read this kind of message — could you type your question for us?",
        "ms": "Kami tidak dapat membaca mesej jenis ini — boleh taip soalan anda?",
    },
    "opted_out": {
        "en": "Done — we won't send you messages you didn't ask for. We'll still answer when you write to us. "
        "Send START to hear from us again.",
        "ms": "Baik — kami tidak akan menghantar mesej yang tidak anda minta. Kami tetap akan membalas apabila anda "
        "menulis kepada kami. Hantar MULA untuk menerima mesej kami semula.",
    },
    "opted_in": {
        "en": "Welcome back — you'll hear from us again.",
        "ms": "Selamat kembali — anda akan menerima mesej kami semula.",
    },
}

MEDIA_NAMES = {
    "en": {"image": "photo", "audio": "voice note", "video": "video", "document": "file", "sticker": "sticker"},
    "ms": {"image": "gambar", "audio": "nota suara", "video": "video", "document": "fail", "sticker": "pelekat"},
}


# When staff will reply (a notice promising a person) within operating hours; after them, when the team is next
# there (`staff_reply_when`).
STAFF_REPLY_SOON = {"en": "as soon as they can", "ms": "secepat mungkin"}


def language_of(conversation: Conversation, text: str = "") -> str:
    """The guest's language: what they wrote, else what we know of them, else English."""
    known = conversation.guest.language or "en"
    return detect_language(text, default=known) if text.strip() else known


def staff_reply_when(language: str, now: dt.datetime | None = None) -> str:
    """When a person will reply, in the guest's words: "as soon as they can" while the front office is open,
    "from 9:00 am tomorrow" while it is closed. A guest told "shortly" at 2 am waits all night for nothing."""
    back = team_back(current_property_cached(), now or timezone.now(), language)
    return back or STAFF_REPLY_SOON.get(language, STAFF_REPLY_SOON["en"])


def text_for(key: str, language: str, **params: str) -> str:
    texts = TEXTS[key]
    return texts.get(language, texts["en"]).format(**params)


def media_name(kind: str, language: str) -> str:
    names = MEDIA_NAMES.get(language, MEDIA_NAMES["en"])
    return names.get(kind, names["document"])


def tell_guest(
    conversation: Conversation, key: str, *, language: str, answers_guest: bool = True, **params: str
) -> Message:
    """Store the notice and send it on the guest's channel, in one transaction (sent once it commits).

    `answers_guest`: the notice is the reply to what the guest sent (see the module docstring)."""
    with transaction.atomic():
        notice = Message.objects.post(
            conversation,
            MessageRole.AI if answers_guest else MessageRole.SYSTEM,
            text_for(key, language, **params),
            metadata={"notice": key, "language": language},
        )
        deliver(notice, conversation)
    return notice
