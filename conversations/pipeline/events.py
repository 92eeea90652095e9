"""WhatsApp events handled by what they mean, not as a guest writing: edits, deletions, Meta's system notices,
reactions, and the guest's opt-out ("STOP" / "BERHENTI").

None of them is greeted; none is answered by the AI except an edit of a message we never saw (then it is
the guest's message). Each returns what happened, for the event's terminal state.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import structlog
from django.db import transaction
from django.utils import timezone

from conversations.models import (
    Channel,
    Conversation,
    Guest,
    Message,
    MessageRole,
)
from conversations.pipeline import notices
from messaging.base import NormalizedMessage

log = structlog.get_logger(__name__)

NOT_GUEST_WRITING = frozenset({"edit", "revoke", "system", "reaction"})  # never greeted
OPT_OUT_WORDS = frozenset({"STOP", "BERHENTI", "UNSUBSCRIBE"})
OPT_IN_WORDS = frozenset({"START", "MULA"})


@dataclass(frozen=True)
class Handled:
    """What an event meant: the message it concerns (if any), or why it changed nothing (`ignored`)."""

    message: Message | None = None
    ignored: str = ""


def as_new_message(normalized: NormalizedMessage) -> NormalizedMessage | None:
    """An edit of a message we never stored is simply the guest's message (its new content); else None."""
    if normalized.kind != "edit" or _original(normalized) is not None:
        return None
    kind = str((normalized.extra.get("edit") or {}).get("type") or "text")
    return dataclasses.replace(normalized, kind=kind, reply_to="")


def handle(normalized: NormalizedMessage) -> Handled:
    """An edit, a deletion or a system notice (the caller checks `kind`); reactions go the usual way, ungreeted."""
    if normalized.kind == "edit":
        return _edit(normalized)
    if normalized.kind == "revoke":
        return _revoke(normalized)
    return _system(normalized)


def _original(normalized: NormalizedMessage) -> Message | None:
    if not normalized.reply_to:
        return None
    return Message.objects.filter(
        channel=normalized.channel, provider_message_id=normalized.reply_to, role=MessageRole.GUEST
    ).first()


def _answered(message: Message) -> bool:
    """An AI reply lists the guest messages it answered (`metadata.answers`, see engine.run_turn)."""
    return Message.objects.filter(
        conversation_id=message.conversation_id, role=MessageRole.AI, metadata__answers__contains=[message.pk]
    ).exists()


def _edit(normalized: NormalizedMessage) -> Handled:
    """The stored text becomes the new one. Not yet answered: the pending turn reads it (it reads the
    messages when it runs). Already answered: recorded for staff, not answered again."""
    with transaction.atomic():
        original = Message.objects.select_for_update().filter(pk=_original(normalized).pk).get()
        history = [*original.metadata.get("edits", []), {"text": original.content, "at": timezone.now().isoformat()}]
        original.content = normalized.text
        original.metadata = {**original.metadata, "edits": history, "edited_by": normalized.provider_message_id}
        original.save(update_fields=["content", "metadata"])
    log.info("guest_message_edited", message=original.pk, answered=_answered(original))
    return Handled(original)


def _revoke(normalized: NormalizedMessage) -> Handled:
    original = _original(normalized)
    if original is None:
        return Handled(ignored="deleted a message we never stored")
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=original.pk)
        locked.metadata = {**locked.metadata, "deleted_by_guest_at": timezone.now().isoformat()}
        locked.save(update_fields=["metadata"])
    return Handled(locked)


def _system(normalized: NormalizedMessage) -> Handled:
    """Meta's notice about the guest: a new number joins the same guest; staff read it in the conversation."""
    notice = normalized.extra.get("system") or {}
    guest = Guest.objects.known_as(normalized.channel, normalized.sender_id)
    if guest is None:
        return Handled(ignored=f"system notice ({notice.get('type')}) about a contact we do not know")
    if notice.get("type") == "user_changed_number" and str(notice.get("wa_id") or "").isdigit():
        new_number = f"+{notice['wa_id']}"
        guest.also_known_as(normalized.channel, new_number)
        if guest.phone == normalized.sender_id:
            guest.phone = new_number
            guest.save()  # through the model: the phone's blind index follows
    conversation = (
        Conversation.objects.open().filter(guest=guest, channel=normalized.channel).order_by("-last_message_at").first()
    )
    if conversation is None:
        return Handled(ignored=f"system notice ({notice.get('type')}) outside any open conversation")
    note = Message.objects.post(
        conversation,
        MessageRole.SYSTEM,
        f"WhatsApp: {notice.get('body') or notice.get('type') or 'system notice'}",
        metadata={"event": "guest_system_notice", "system": notice},
    )
    return Handled(note)


def opt_out_or_in(guest: Guest, conversation: Conversation, text: str) -> bool:
    """ "STOP"/"BERHENTI" (or "START"/"MULA") alone in a message: recorded, confirmed to the guest, not answered
    by the AI. True when the message was one of them."""
    word = text.strip().strip(".!").upper()
    if conversation.channel != Channel.WHATSAPP or word not in OPT_OUT_WORDS | OPT_IN_WORDS:
        return False
    opting_out = word in OPT_OUT_WORDS
    if bool(guest.opted_out_at) == opting_out:
        return True  # said twice (or a redelivery): nothing new
    Guest.objects.filter(pk=guest.pk).update(opted_out_at=timezone.now() if opting_out else None)
    language = "ms" if word in {"BERHENTI", "MULA"} else notices.language_of(conversation)
    notices.tell_guest(conversation, "opted_out" if opting_out else "opted_in", language=language)
    log.info("guest_opt_out" if opting_out else "guest_opt_in", guest=guest.pk)
    return True
