"""What staff keep beside a conversation: internal notes (never sent), the property's saved replies, and the
guests' messages a staff member has not read in the conversations they hold."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from conversations.handoff.service import HandoffError, staff_text
from conversations.models import (
    AiMode,
    Conversation,
    Handoff,
    Language,
    Message,
    MessageRole,
    SavedReply,
    StaffNote,
    StaffReadMarker,
)
from core.lookups import one_or_404
from properties.realtime import notify_staff
from properties.services import current_property, staff_names

MAX_NOTE = 4000
MAX_SAVED_REPLY = 2000
# How far back a page's catch-up looks for a guest's unread message, and how many at most: older ones are the
# inbox's unread marks, not alerts.
UNREAD_ALERT_AGE = dt.timedelta(hours=1)
UNREAD_ALERT_LIMIT = 20
PLACEHOLDERS = ("{guest_name}", "{property}")


def add_note(conversation_id: int, *, user_id: int, text: str) -> StaffNote:
    """An internal note: stored and shown to the property's staff live; it never reaches the guest's channel."""
    text = staff_text(text, "note", MAX_NOTE)
    with transaction.atomic():
        note = StaffNote.objects.create(conversation_id=conversation_id, author_user_id=user_id, text=text)
        notify_staff(
            connection.schema_name,
            "note.new",
            {"conversation_id": conversation_id, "note_id": note.pk, "user_id": user_id},
        )
    return note


def unread_from_guests(user_id: int) -> list[Message]:
    """The guests' recent messages `user_id` has not read (past their read marker) in the conversations they hold,
    the newest first, each with its conversation and guest: what a page of theirs alerts about once its socket
    listens, the live `message.new` having gone out while it did not (the page loading, a dropped connection)."""
    held = Handoff.objects.filter(
        taken_over_by_user_id=user_id, resolved_at__isnull=True, conversation__ai_mode=AiMode.STAFF
    ).values("conversation_id")
    read_up_to = StaffReadMarker.objects.filter(user_id=user_id, conversation=OuterRef("conversation_id")).values(
        "last_read_message_id"
    )[:1]
    return list(
        Message.objects.filter(
            role=MessageRole.GUEST,
            conversation_id__in=held,
            created_at__gte=timezone.now() - UNREAD_ALERT_AGE,
        )
        .alias(read_up_to=Coalesce(Subquery(read_up_to), 0))
        .filter(pk__gt=F("read_up_to"))
        .select_related("conversation__guest")
        .order_by("-pk")[:UNREAD_ALERT_LIMIT]
    )


def notes_of(conversation_id: int) -> list[StaffNote]:
    notes = list(StaffNote.objects.filter(conversation_id=conversation_id))
    names = staff_names({n.author_user_id for n in notes})
    for note in notes:
        note.author_name = names.get(note.author_user_id, "A colleague")
    return notes


@dataclass(frozen=True)
class SavedReplyFields:
    title: str
    language: str
    text: str

    def cleaned(self) -> SavedReplyFields:
        title, text = (self.title or "").strip(), (self.text or "").strip()
        if not title or len(title) > 80:
            raise HandoffError("A saved reply needs a title of at most 80 characters.")
        if self.language not in Language.values:
            raise HandoffError("The language must be English (en) or Bahasa Malaysia (ms).")
        if not text or len(text) > MAX_SAVED_REPLY:
            raise HandoffError(f"A saved reply needs a text of at most {MAX_SAVED_REPLY} characters.")
        return SavedReplyFields(title, self.language, text)


def save_reply(fields: SavedReplyFields, reply_id: int | None = None) -> SavedReply:
    """Create (no id) or change a saved reply; the same title twice in one language is refused."""
    fields = fields.cleaned()
    try:
        with transaction.atomic():
            if reply_id is None:
                return SavedReply.objects.create(title=fields.title, language=fields.language, text=fields.text)
            reply = saved_reply_for(reply_id)
            reply.title, reply.language, reply.text = fields.title, fields.language, fields.text
            reply.save(update_fields=["title", "language", "text"])
            return reply
    except IntegrityError:
        raise HandoffError(f"There is already a saved reply titled {fields.title!r} in that language.") from None


def delete_reply(reply_id: int) -> None:
    saved_reply_for(reply_id).delete()


def saved_reply_for(reply_id: int) -> SavedReply:
    """The saved reply `reply_id` of this property's schema, else 404 (ids are per schema)."""
    return one_or_404(SavedReply.objects.all(), reply_id, "saved reply")


def filled_in(text: str, conversation: Conversation) -> str:
    """The placeholders with this guest's name (or a greeting that needs none) and the property's name."""
    guest_name = conversation.guest.name or ("tetamu" if conversation.guest.language == "ms" else "there")
    return text.replace("{guest_name}", guest_name).replace("{property}", current_property().name)


def replies_for(conversation: Conversation) -> list[dict[str, Any]]:
    """The composer's picker: every saved reply filled in for this guest, the guest's language first."""
    language = conversation.guest.language
    replies = sorted(SavedReply.objects.all(), key=lambda r: (r.language != language, r.title.lower()))
    return [
        {"id": r.pk, "title": r.title, "language": r.language, "text": filled_in(r.text, conversation)} for r in replies
    ]
