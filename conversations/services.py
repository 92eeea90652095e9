"""Operations on conversations (tenant schema: always called inside the property's schema)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Avg, Count, F, FloatField, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.http import Http404

from conversations.models import (
    Channel,
    Conversation,
    ConversationStatus,
    Guest,
    GuestIdentity,
    Message,
    MessageRole,
    StaffReadMarker,
)


def refresh_conversation_stats(conversation_id: int) -> Conversation | None:
    """Recount a conversation's messages and its average AI confidence from the messages themselves.

    Idempotent: it derives everything from stored rows, so running it twice changes nothing.
    """
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().filter(pk=conversation_id).first()
        if conversation is None:
            return None
        figures = conversation.messages.aggregate(
            count=Count("id"),
            confidence=Avg(
                Cast(KeyTextTransform("confidence", "metadata"), FloatField()),
                filter=Q(role=MessageRole.AI, metadata__has_key="confidence"),
            ),
        )
        conversation.message_count = figures["count"]
        conversation.average_ai_confidence = figures["confidence"]
        conversation.save(update_fields=["message_count", "average_ai_confidence"])
        return conversation


def find_or_create_guest_by_contact(
    *, phone: str = "", email: str = "", name: str = "", language: str = ""
) -> tuple[Guest, bool]:
    """The guest known by this phone (E.164, their WhatsApp identity) or e-mail; else a new one. (guest, created)

    For contacts that arrive from outside a conversation (a hotel system's booking, an import).
    Matching goes through `GuestIdentity` exactly as inbound messages do, so the guest who later
    writes on WhatsApp from that number is the same guest. Contact details the guest lacks are
    added; an identity already held by another guest is left with them (never moved).
    Call inside a transaction.
    """
    email = email.strip().lower()
    guest = None
    for channel, external_id in ((Channel.WHATSAPP, phone), (Channel.EMAIL, email)):
        if external_id and guest is None:
            identity = GuestIdentity.objects.select_related("guest").filter(channel=channel, external_id=external_id)
            guest = next((i.guest for i in identity[:1]), None)
    created = guest is None
    if guest is None:
        guest = Guest.objects.create(name=name[:200], language=language or "en")
    changed = []
    for field_name, value in (("phone", phone), ("email", email), ("name", name[:200])):
        if value and not getattr(guest, field_name):
            setattr(guest, field_name, value)
            changed.append(field_name)
    if language and guest.language != language:
        guest.language = language
        changed.append("language")
    if changed and not created:
        guest.save(update_fields=changed)
    elif changed:
        guest.save()
    for channel, external_id in ((Channel.WHATSAPP, phone), (Channel.EMAIL, email)):
        if external_id:
            GuestIdentity.objects.get_or_create(channel=channel, external_id=external_id, defaults={"guest": guest})
    return guest, created


# --- Reads for staff (the API and the dashboard) ----------------------------------------------------

INBOX_SIZE = 60


def conversation_for(conversation_id: int) -> Conversation:
    """The conversation `conversation_id` of the property whose schema is active (guest loaded), else 404.

    Ids are per schema: the same number under another property names another conversation or
    none, never this one. The caller has already applied the access rule to the property.
    """
    conversation = Conversation.objects.select_related("guest").filter(pk=conversation_id).first()
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def inbox(user_id: int, size: int = INBOX_SIZE) -> list[Conversation]:
    """Conversations waiting for staff first, then the most recent; each with its unread guest messages.

    `unread` counts the guest messages after this staff member's read marker (`StaffReadMarker`).
    """
    read_up_to = StaffReadMarker.objects.filter(user_id=user_id, conversation=OuterRef("pk")).values(
        "last_read_message_id"
    )[:1]
    rows = list(
        Conversation.objects.select_related("guest")
        .annotate(read_up_to=Coalesce(Subquery(read_up_to, output_field=IntegerField()), Value(0)))
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__role=MessageRole.GUEST, messages__id__gt=F("read_up_to")),
            )
        )
        .order_by("-last_message_at")[:size]
    )
    rows.sort(key=lambda c: c.status != ConversationStatus.HANDED_OFF)  # stable: recency kept within each group
    return rows


def unanswered_after_hours(limit: int = 200) -> QuerySet[Conversation]:
    """Conversations that came in after hours, are still open, and no staff member has answered yet."""
    staff_replied = Message.objects.filter(conversation=OuterRef("pk"), role=MessageRole.STAFF)
    return (
        Conversation.objects.select_related("guest")
        .filter(is_after_hours=True)
        .exclude(status__in=[ConversationStatus.RESOLVED, ConversationStatus.EXPIRED])
        .annotate(staff_messages=Count("messages", filter=Q(messages__role=MessageRole.STAFF)))
        .exclude(pk__in=Subquery(staff_replied.values("conversation_id")))
        .order_by("-last_message_at")[:limit]
    )
