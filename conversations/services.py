"""Operations on conversations (tenant schema: always called inside the property's schema)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest

from conversations.models import (
    AiMode,
    Channel,
    Conversation,
    ConversationStatus,
    Guest,
    Handoff,
    Message,
    MessageRole,
    StaffReadMarker,
)
from core.lookups import one_or_404


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
            guest = Guest.objects.known_as(channel, external_id)
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
            guest.also_known_as(channel, external_id)
    return guest, created


# --- Reads for staff (the API and the dashboard) ----------------------------------------------------


def conversation_for(conversation_id: int) -> Conversation:
    """The conversation `conversation_id` of the property whose schema is active (guest loaded), else 404.

    Ids are per schema: the same number under another property names another conversation or
    none, never this one. The caller has already applied the access rule to the property.
    """
    return one_or_404(Conversation.objects.select_related("guest"), conversation_id, "conversation")


@dataclass(frozen=True)
class InboxFilter:
    """What a staff member asked the inbox for (every field optional)."""

    status: str = ""
    channel: str = ""
    mine: bool = False
    after_hours: bool | None = None
    unread: bool = False
    q: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> InboxFilter:
        """From a query string; a value outside the choices is left out (the page shows what it understood)."""
        after_hours = {"yes": True, "no": False}.get(params.get("after_hours", ""))
        return cls(
            status=params.get("status", "") if params.get("status") in ConversationStatus.values else "",
            channel=params.get("channel", "") if params.get("channel") in Channel.values else "",
            mine=params.get("mine") == "yes",
            after_hours=after_hours,
            unread=params.get("unread") == "yes",
            q=" ".join(params.get("q", "").split())[:100],
        )


# Free text (names, message text) is encrypted at rest, so it is matched in the app over the most recent
# conversations only; phone numbers and e-mail addresses match exactly in every conversation (blind index).
TEXT_SEARCH_WINDOW = 500


def inbox(user_id: int, wanted: InboxFilter = InboxFilter(), named_guest_ids: set[int] | None = None) -> QuerySet:
    """The inbox for one staff member: waiting for a person first, then the ones they hold, then the rest,
    newest first within each. Annotated with `unread` (guest messages after their read marker and after the
    last resolution: a resolved conversation has nothing unread), `holder_id`, `held_since`, `waiting_since`.

    `named_guest_ids`: guests whose name (kept elsewhere, e.g. on a lead) matched the search text.
    """
    read_up_to = StaffReadMarker.objects.filter(user_id=user_id, conversation=OuterRef("pk")).values(
        "last_read_message_id"
    )[:1]
    resolved_up_to = (
        Message.objects.filter(conversation=OuterRef("pk"), role=MessageRole.SYSTEM, metadata__event="resolved")
        .order_by("-id")
        .values("id")[:1]
    )
    episode = Handoff.objects.filter(conversation=OuterRef("pk"), resolved_at__isnull=True)
    rows = (
        Conversation.objects.select_related("guest")
        .annotate(
            read_up_to=Greatest(
                Coalesce(Subquery(read_up_to, output_field=IntegerField()), Value(0)),
                Coalesce(Subquery(resolved_up_to, output_field=IntegerField()), Value(0)),
            ),
            holder_id=Case(
                When(ai_mode=AiMode.STAFF, then=Subquery(episode.values("taken_over_by_user_id")[:1])),
                default=None,
                output_field=IntegerField(),
            ),
            held_since=Subquery(episode.values("taken_over_at")[:1]),
            waiting_since=Subquery(episode.values("created_at")[:1]),
        )
        .annotate(
            unread=Count("messages", filter=Q(messages__role=MessageRole.GUEST, messages__id__gt=F("read_up_to"))),
            rank=Case(
                When(ai_mode=AiMode.HANDOFF, then=Value(0)),
                When(holder_id=user_id, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
    )
    if wanted.status:
        rows = rows.filter(status=wanted.status)
    if wanted.channel:
        rows = rows.filter(channel=wanted.channel)
    if wanted.mine:
        rows = rows.filter(holder_id=user_id)
    if wanted.after_hours is not None:
        rows = rows.filter(is_after_hours=wanted.after_hours)
    if wanted.unread:
        rows = rows.filter(unread__gt=0)
    if wanted.q:
        rows = rows.filter(pk__in=_matching(wanted.q, named_guest_ids or set()))
    return rows.order_by("rank", "-last_message_at", "-id")


def _matching(text: str, named_guest_ids: set[int]) -> set[int]:
    """Conversations whose guest has this phone or e-mail (any conversation), or whose guest's name or a
    message contains the text (the TEXT_SEARCH_WINDOW most recent conversations)."""
    by_contact = Q(guest__identities__external_id=text)
    if "@" in text:
        by_contact |= Q(guest__email=text.lower())
    elif sum(ch.isdigit() for ch in text) >= 6:
        by_contact |= Q(guest__phone=text)
    found = set(Conversation.objects.filter(by_contact).values_list("pk", flat=True))
    needle = text.casefold()
    recent = list(Conversation.objects.select_related("guest").order_by("-last_message_at")[:TEXT_SEARCH_WINDOW])
    found |= {c.pk for c in recent if needle in c.guest.name.casefold() or c.guest_id in named_guest_ids}
    messages = Message.objects.filter(conversation__in=[c.pk for c in recent]).exclude(role=MessageRole.SYSTEM)
    found |= {m.conversation_id for m in messages.only("conversation_id", "content") if needle in m.content.casefold()}
    return found


def last_messages(conversation_ids: list[int]) -> dict[int, Message]:
    """The newest guest-visible message of each conversation (one query: DISTINCT ON)."""
    rows = (
        Message.objects.filter(conversation_id__in=conversation_ids)
        .exclude(role=MessageRole.SYSTEM)
        .order_by("conversation_id", "-id")
        .distinct("conversation_id")
    )
    return {m.conversation_id: m for m in rows}


def unanswered_after_hours(limit: int = 200) -> QuerySet[Conversation]:
    """Conversations that came in after hours, are still open, and no staff member has answered yet."""
    staff_replied = Message.objects.filter(conversation=OuterRef("pk"), role=MessageRole.STAFF)
    return (
        Conversation.objects.open()
        .select_related("guest")
        .filter(is_after_hours=True)
        .annotate(staff_messages=Count("messages", filter=Q(messages__role=MessageRole.STAFF)))
        .exclude(pk__in=Subquery(staff_replied.values("conversation_id")))
        .order_by("-last_message_at")[:limit]
    )
