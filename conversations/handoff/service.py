"""The handoff services (see the package docstring). All of them run in the property's schema."""

from __future__ import annotations

import datetime as dt
import smtplib
import time
from dataclasses import dataclass
from typing import Any

import structlog
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from assistant import modes
from conversations import realtime, sessions, task_names, turn_steps
from conversations.models import (
    AiMode,
    Channel,
    Conversation,
    ConversationStatus,
    Handoff,
    HandoffSettings,
    Message,
    MessageRole,
    StaffReadMarker,
)
from conversations.payloads import message_payload
from conversations.pipeline import outbox
from core import audit
from core.audit import AuditAction
from core.durability import TransientError, enqueue
from core.languages import spoken
from core.timefmt import duration_words
from properties.models import Property, User
from properties.realtime import notify_staff
from properties.services import current_property, property_origin, staff_names, writers_of

log = structlog.get_logger(__name__)

LAST_MESSAGES = 10
MAX_STAFF_REPLY = 4000

# Said to the guest when staff hand a conversation over themselves (a manual handoff: someone is there).
CONTEXT_NOTE = {
    "en": "A member of our team will continue this conversation with its full history, so you won't need to repeat "
    "yourself.",
    "ms": "Kakitangan kami akan menyambung perbualan ini dengan sejarah penuhnya, jadi anda tidak perlu mengulangi "
    "apa-apa.",
}
# Said to the guest when the AI hands the conversation over, after its own handoff line, as one message: when the
# team replies (in hours, or when it is next there while it is off duty: `properties.services.team_back`), that
# they have the whole story, and after hours what happens meanwhile. A guest who writes again while waiting hears
# when only (`handoff_note`).
REPLY_WHEN = {
    "en": {
        "open": "Our team will reply here as soon as they can.",
        "closed": "Our team is offline right now and will reply here {back}.",
    },
    "ms": {
        "open": "Pasukan kami akan membalas di sini secepat mungkin.",
        "closed": "Pasukan kami berada di luar waktu operasi sekarang dan akan membalas di sini {back}.",
    },
}
FULL_HISTORY = {
    "en": "They will continue this conversation with its full history, so you won't need to repeat yourself.",
    "ms": "Mereka akan menyambung perbualan ini dengan sejarah penuhnya, jadi anda tidak perlu mengulangi apa-apa.",
}
MEANWHILE = {
    "en": "Anything you add here in the meantime will be waiting for them.",
    "ms": "Apa-apa yang anda tambah di sini sementara itu akan menunggu mereka.",
}


def handoff_note(language: str, *, back: str | None, new_episode: bool = True) -> str:
    """What follows the AI's handoff line: one paragraph, in hours or after hours, never both. `back`: when the team
    is next there, in the guest's language (`properties.services.team_back`); None while it is."""
    lang = spoken(language)
    parts = [REPLY_WHEN[lang]["open"] if back is None else REPLY_WHEN[lang]["closed"].format(back=back)]
    if new_episode:
        parts.append(FULL_HISTORY[lang])
        if back is not None:
            parts.append(MEANWHILE[lang])
    return " ".join(parts)


# Said to the guest when a person starts answering, and when the conversation goes back to the AI.
JOINED = {
    "en": "{name} from the front desk has joined the conversation.",
    "ms": "{name} dari kaunter hadapan telah menyertai perbualan ini.",
}
# A staff member who gave no name (`staff_name(for_guests=True)`): never their e-mail address's first half.
JOINED_UNNAMED = {
    "en": "A member of our front desk team has joined the conversation.",
    "ms": "Seorang kakitangan kaunter hadapan kami telah menyertai perbualan ini.",
}
BACK_TO_AI = {
    "en": "You're back with our assistant. If you need a person again, just say so.",
    "ms": "Anda kini kembali bersama pembantu kami. Jika anda perlukan kakitangan lagi, beritahu sahaja.",
}
TRIGGER_REASONS = {
    "human_request": "The guest asked for a person.",
    "complaint": "The guest complained or sounds upset.",
    "low_confidence": "The AI could not answer from the knowledge base and the guest kept asking.",
    "llm": "The model judged that a person should answer.",
    "lead_consent": "Qualified lead: the guest said YES to being contacted by the reservations team.",
    "manual": "Handed to staff by a staff member.",
    "takeover": "A staff member took the conversation over.",
    "too_long": "The guest's message was too long for the assistant to read: please answer it yourself.",
}
# Said to a guest whose message is longer than a turn reads (`engine.MAX_TURN_CHARS`), before `handoff_note`.
TOO_LONG = {
    "en": "Thank you for your message. It is longer than I can read, so I'm passing it to a member of our team.",
    "ms": "Terima kasih atas mesej anda. Mesej ini terlalu panjang untuk saya baca, jadi saya serahkannya kepada "
    "kakitangan kami.",
}


class HandoffError(Exception):
    """A step that does not apply to the conversation as it is (e.g. resolving one that nobody holds)."""


def staff_text(text: str, what: str, max_chars: int) -> str:
    """What a staff member wrote (a reply, a note), trimmed; empty or longer than `max_chars`: a HandoffError."""
    text = (text or "").strip()
    if not text:
        raise HandoffError(f"The {what} is empty.")
    if len(text) > max_chars:
        raise HandoffError(f"The {what} is longer than {max_chars} characters.")
    return text


def trigger_for(
    text: str, *, low_confidence_streak: int, mode_source: str, verdict: modes.ModelVerdict | None = None
) -> str:
    """Why the AI core chose handoff for this turn, for the episode, the alert and analytics. When the model
    raised the turn (the rules did not), what the model said: a complaint, a request for a person, else "llm"."""
    if mode_source == "llm" and verdict is not None:
        return verdict.handoff_trigger
    if modes._HUMAN.search(text):
        return "human_request"
    if modes.is_complaint(text):
        return "complaint"
    if low_confidence_streak >= modes.LOW_CONFIDENCE_STREAK_FOR_HANDOFF:
        return "low_confidence"
    return "llm" if mode_source == "llm" else "human_request"


def open_episode(conversation_id: int) -> Handoff | None:
    return Handoff.objects.filter(conversation_id=conversation_id, resolved_at__isnull=True).first()


def build_context(conversation: Conversation) -> dict[str, Any]:
    """What staff need to continue without asking the guest to repeat anything."""
    guest = conversation.guest
    messages = list(
        conversation.messages.exclude(role=MessageRole.SYSTEM)
        .order_by("-id")[:LAST_MESSAGES]
        .values("id", "role", "content", "created_at")
    )[::-1]
    # The lead (id, intent, status, score, priority, consent_status, summary), from the leads app's turn step.
    lead_info = turn_steps.handoff_summary(conversation, guest.language)
    guest_lines = [m["content"] for m in messages if m["role"] == MessageRole.GUEST]
    if lead_info:
        summary_text = lead_info["summary"]
    elif guest_lines:
        first, last = guest_lines[0], guest_lines[-1]
        summary_text = first[:300] if first == last else f"{first[:200]} … {last[:200]}"
    else:
        summary_text = ""
    intent = lead_info["intent"] if lead_info else ("booking" if conversation.ai_mode == AiMode.LEAD_CAPTURE else "")
    return {
        "guest": {
            "id": guest.pk,
            "name": guest.name,
            "phone": guest.phone,
            "email": guest.email,
            "language": guest.language,
        },
        "channel": conversation.channel,
        "summary": summary_text,
        "intent": intent or "general",
        "lead": lead_info,
        "is_after_hours": conversation.is_after_hours,
        "last_messages": [
            {"id": m["id"], "role": m["role"], "content": m["content"][:1000], "at": m["created_at"].isoformat()}
            for m in messages
        ],
    }


def _status_event(conversation: Conversation, **extra: Any) -> dict[str, Any]:
    return {"conversation_id": conversation.pk, "status": conversation.status, "ai_mode": conversation.ai_mode, **extra}


def _system(conversation: Conversation, content: str, metadata: dict[str, Any], at: Any) -> Message:
    return Message.objects.post(conversation, MessageRole.SYSTEM, content, metadata=metadata, created_at=at)


def _locked(conversation_id: int) -> Conversation:
    conversation = Conversation.objects.select_for_update().filter(pk=conversation_id).first()
    if conversation is None:
        raise Conversation.DoesNotExist
    return conversation


def begin_handoff(
    conversation: Conversation | int,
    *,
    trigger: str,
    reason: str = "",
    user_id: int | None = None,
    tell_guest: bool = False,
    at: Any = None,
) -> tuple[Handoff, bool]:
    """Hand the conversation to staff; (episode, created). A conversation already handed off keeps its episode.

    `tell_guest` sends the bilingual notice as its own message (manual handoffs); when the AI decided,
    its reply already carries it.
    """
    at = at or timezone.now()
    schema = connection.schema_name
    conversation_id = conversation if isinstance(conversation, int) else conversation.pk
    with transaction.atomic():
        locked = _locked(conversation_id)
        existing = open_episode(conversation_id)
        if existing is not None:
            return existing, False
        reason = reason or TRIGGER_REASONS.get(trigger, trigger)
        locked = Conversation.objects.select_related("guest").get(pk=conversation_id)
        episode = Handoff.objects.create(
            conversation=locked,
            reason=reason[:200],
            trigger=trigger,
            context=build_context(locked),
            requested_by_user_id=user_id,
            created_at=at,
        )
        _system(
            locked,
            f"Handed to staff: {reason}",
            {"event": "handoff", "reason": reason, "trigger": trigger, "handoff_id": episode.pk, "user_id": user_id},
            at,
        )
        new_mode = locked.ai_mode if locked.ai_mode == AiMode.STAFF else AiMode.HANDOFF
        Conversation.objects.filter(pk=conversation_id).update(status=ConversationStatus.HANDED_OFF, ai_mode=new_mode)
        locked.status, locked.ai_mode = ConversationStatus.HANDED_OFF, new_mode
        if tell_guest:
            _tell_guest(locked, CONTEXT_NOTE[spoken(locked.guest.language)], at)
        delay = HandoffSettings.current().alert_after_seconds
        transaction.on_commit(lambda: _schedule_alert(schema, episode.pk, delay))
        notify_staff(
            schema,
            "handoff",
            _status_event(
                locked,
                handoff_id=episode.pk,
                trigger=trigger,
                reason=reason,
                guest=episode.context["guest"]["name"] or f"Guest {locked.guest_id}",
                channel=locked.channel,
                summary=episode.context["summary"][:300],
                decided_at=time.time(),  # wall clock: the alert latency is measured against it in the browser
            ),
        )
    log.info("handoff", conversation=conversation_id, trigger=trigger, handoff=episode.pk)
    return episode, True


def deliver(message: Message, conversation: Conversation) -> None:
    """A message that is not a streamed turn (staff reply, notice) to the guest's own channel.

    Inside the caller's transaction: the widget gets it on the guest's socket once committed;
    WhatsApp and e-mail get an outbox row that commits with the message.
    """
    if conversation.channel == Channel.WEB:
        schema, payload = connection.schema_name, message_payload(message)
        transaction.on_commit(lambda: realtime.send_to_guest(schema, conversation.pk, "message", payload))
    else:
        outbox.stage(message, conversation)


# Courtesy notices that only make sense beside a live exchange: outside WhatsApp's 24-hour window they
# would go as a paid re-engagement template of their own, ahead of the staff reply that already reaches
# the guest that way, so they are left out there.
COURTESY_NOTICES = frozenset({"joined", "back_to_ai"})


def _tell_guest(conversation: Conversation, text: str, at: Any, notice: str = "handoff") -> Message | None:
    """A notice to the guest on their own channel (not an AI answer: no reply_to, so turns ignore it)."""
    if (
        notice in COURTESY_NOTICES
        and conversation.channel == Channel.WHATSAPP
        and not outbox.inside_window(conversation)
    ):
        return None
    message = Message.objects.post(conversation, MessageRole.AI, text, metadata={"notice": notice}, created_at=at)
    deliver(message, conversation)
    return message


def _schedule_alert(schema: str, handoff_id: int, delay: int) -> None:
    """At once: the caller schedules this on commit (tests replace it to see what was scheduled)."""
    # By name: the tasks module imports this one (its task is a thin wrapper around a service).
    enqueue(task_names.HANDOFF_ALERT_EMAIL, args=[handoff_id], schema=schema, countdown=delay)


def _staff(user_id: int | None) -> User | None:
    """The audit names the person (services carry the staff id, not the account)."""
    return User.objects.filter(pk=user_id).first() if user_id else None


def _set_mode(conversation: Conversation, mode: str, status: str) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(ai_mode=mode, status=status)
    conversation.ai_mode, conversation.status = mode, status


def _staff_step(
    conversation: Conversation,
    *,
    event: str,
    note: str,
    action: AuditAction,
    handoff_id: int | None,
    user_id: int,
    at: Any,
    details: dict[str, Any],
    actor_id: int | None = None,
    meta: dict[str, Any] | None = None,
    live: dict[str, Any] | None = None,
) -> None:
    """What a staff step leaves: a system line in the conversation, the staff pages' event (on commit), the audit.

    `actor_id`: who acted when it is not `user_id` (assigning to a colleague); `meta` and `live` add to the
    system line's metadata and to the staff event.
    """
    _system(conversation, note, {"event": event, "handoff_id": handoff_id, "user_id": user_id, **(meta or {})}, at)
    notify_staff(
        connection.schema_name,
        "conversation.status",
        _status_event(conversation, event=event, user_id=user_id, **(live or {})),
    )
    audit.record(
        action,
        actor=_staff(actor_id or user_id),
        target_type="conversations.conversation",
        target_id=str(conversation.pk),
        details=details,
    )


@dataclass(frozen=True)
class Holder:
    """Who holds a conversation (staff replying to the guest) and since when."""

    user_id: int
    name: str
    since: dt.datetime


class HeldByOther(HandoffError):
    """Someone else holds the conversation: the refusal names them; `take_from` makes the takeover explicit."""

    def __init__(self, holder: Holder, tz: dt.tzinfo) -> None:
        self.holder = holder
        since = holder.since.astimezone(tz).strftime("%H:%M")
        super().__init__(
            f"{holder.name} holds this conversation (since {since}). Take over from {holder.name} to reply yourself."
        )


def holder_of(conversation_id: int) -> Holder | None:
    """The staff member holding the conversation now, or None (the AI or nobody yet)."""
    episode = (
        Handoff.objects.filter(conversation_id=conversation_id, resolved_at__isnull=True)
        .exclude(taken_over_by_user_id=None)
        .values("taken_over_by_user_id", "taken_over_at")
        .first()
    )
    if episode is None or not Conversation.objects.filter(pk=conversation_id, ai_mode=AiMode.STAFF).exists():
        return None
    user_id = episode["taken_over_by_user_id"]
    return Holder(user_id, staff_names([user_id]).get(user_id, f"user {user_id}"), episode["taken_over_at"])


def take_over(conversation_id: int, *, user_id: int, take_from: int | None = None) -> Conversation:
    """Staff hold the conversation: the AI is locked out until it is resolved. Taking over twice changes nothing.

    Held by someone else: refused with their name (`HeldByOther`) unless `take_from` names that holder,
    in which case the conversation moves and the previous holder is told live.
    """
    return _hold(conversation_id, holder_id=user_id, actor_id=user_id, take_from=take_from)


def assign(conversation_id: int, *, user_id: int, to_user_id: int, take_from: int | None = None) -> Conversation:
    """`user_id` gives the conversation to `to_user_id` (a manager or agent of the property; themselves = "to me")."""
    property_ = current_property()
    if to_user_id not in {u.pk for u in writers_of(property_)}:
        raise HandoffError("Only the property's managers and agents can hold a conversation.")
    return _hold(conversation_id, holder_id=to_user_id, actor_id=user_id, take_from=take_from)


def _hold(conversation_id: int, *, holder_id: int, actor_id: int, take_from: int | None) -> Conversation:
    now = timezone.now()
    with transaction.atomic():
        conversation = _locked(conversation_id)
        current = holder_of(conversation_id)
        if current is not None and current.user_id == holder_id:
            return conversation
        if current is not None and current.user_id not in (take_from, actor_id):
            raise HeldByOther(current, current_property().tzinfo)
        episode = open_episode(conversation_id)
        if episode is None:  # staff stepping in unasked: that starts an episode too (analytics counts it)
            episode, _ = begin_handoff(conversation_id, trigger="takeover", user_id=actor_id, at=now)
        first_take = episode.taken_over_at is None
        # taken_over_at is when the present holder got it ("held by Aina since 02:14").
        Handoff.objects.filter(pk=episode.pk).update(taken_over_at=now, taken_over_by_user_id=holder_id)
        _set_mode(conversation, AiMode.STAFF, ConversationStatus.HANDED_OFF)
        names = staff_names([holder_id, actor_id])
        name = names.get(holder_id, "A staff member")
        note = f"{name} took over from {current.name}." if current else f"{name} took over; the AI is paused."
        if actor_id != holder_id:
            note = f"{names.get(actor_id, 'A staff member')} assigned the conversation to {name}."
        previous = current.user_id if current else None
        _staff_step(
            conversation,
            event="takeover",
            note=note,
            action=AuditAction.TAKEOVER,
            handoff_id=episode.pk,
            user_id=holder_id,
            actor_id=actor_id,
            at=now,
            details={"handoff_id": episode.pk, "channel": conversation.channel, "holder": holder_id, "from": previous},
            meta={"by_user_id": actor_id, "from_user_id": previous, "first": first_take},
            live={
                "holder_id": holder_id,
                "holder_name": name,
                "holder_since": now.isoformat(),
                "by_user_id": actor_id,
                "previous_holder_id": previous,
                "previous_holder_name": current.name if current else None,
            },
        )
        language = spoken(conversation.guest.language)
        known = staff_names([holder_id], for_guests=True).get(holder_id)
        joined = JOINED[language].format(name=known) if known else JOINED_UNNAMED[language]
        _tell_guest(conversation, joined, now, notice="joined")
    return conversation


def resolve(conversation_id: int, *, user_id: int) -> Conversation:
    """Back to the AI. The session starts afresh in concierge mode with no low-confidence streak, so the
    guest's next message is answered by the AI instead of being handed straight back to staff."""
    now = timezone.now()
    with transaction.atomic():
        conversation = _locked(conversation_id)
        episode = open_episode(conversation_id)
        if episode is None and conversation.ai_mode not in (AiMode.STAFF, AiMode.HANDOFF):
            raise HandoffError("This conversation is not with staff; there is nothing to resolve.")
        if episode is not None:
            Handoff.objects.filter(pk=episode.pk).update(resolved_at=now, resolved_by_user_id=user_id)
        was_with_staff = conversation.ai_mode == AiMode.STAFF
        _set_mode(conversation, AiMode.CONCIERGE, ConversationStatus.ACTIVE)
        session = sessions.load(conversation)
        session.mode = AiMode.CONCIERGE
        session.low_confidence_streak = 0
        sessions.save(session)
        handoff_id = episode.pk if episode else None
        _staff_step(
            conversation,
            event="resolved",
            note="Resolved by staff; the AI answers again.",
            action=AuditAction.RELEASE,
            handoff_id=handoff_id,
            user_id=user_id,
            at=now,
            details={"handoff_id": handoff_id},
        )
        if was_with_staff:  # a person had joined: the guest is told they are back with the assistant
            _tell_guest(conversation, BACK_TO_AI[spoken(conversation.guest.language)], now, notice="back_to_ai")
    return conversation


def record_staff_message(conversation: Conversation, text: str, *, user_id: int | None) -> Message:
    """A staff member's message: stored, remembered in the session, delivered to the guest's channel."""
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.post(conversation, MessageRole.STAFF, text, sent_by_user_id=user_id, created_at=now)
        deliver(message, conversation)
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
        session = sessions.load(conversation)
        session.remember(MessageRole.STAFF, text)
        sessions.save(session)
    return message


def staff_reply(conversation_id: int, *, user_id: int, text: str) -> Message:
    """A staff message to the guest on their channel. Replying takes the conversation over first, so the AI
    and a person never answer the same guest at once."""
    text = staff_text(text, "reply", MAX_STAFF_REPLY)
    refusal = outbox.refusal_for_staff(Conversation.objects.get(pk=conversation_id))
    if refusal:
        raise HandoffError(refusal)
    with transaction.atomic():
        conversation = take_over(conversation_id, user_id=user_id)
        message = record_staff_message(conversation, text, user_id=user_id)
        StaffReadMarker.objects.update_or_create(
            user_id=user_id, conversation_id=conversation_id, defaults={"last_read_message_id": message.pk}
        )
        notify_staff(connection.schema_name, "message.new", message_event(message, conversation))
    return message


def message_event(message: Message, conversation: Conversation) -> dict[str, Any]:
    """The staff feed's `message.new`; a guest's message names who holds the conversation (their alert)."""
    # Only staff hold a conversation in staff mode: no look-up while the AI answers (the widget POST's hot path).
    holder = (
        holder_of(conversation.pk)
        if message.role == MessageRole.GUEST and conversation.ai_mode == AiMode.STAFF
        else None
    )
    return {
        "conversation_id": conversation.pk,
        "message_id": message.pk,
        "role": message.role,
        "preview": message.content[:140],
        "status": conversation.status,
        "ai_mode": conversation.ai_mode,
        "holder_id": holder.user_id if holder else None,
        "guest": str(conversation.guest),
    }


def mark_read(conversation_id: int, *, user_id: int) -> None:
    last = Message.objects.filter(conversation_id=conversation_id).order_by("-id").values_list("pk", flat=True).first()
    StaffReadMarker.objects.update_or_create(
        user_id=user_id, conversation_id=conversation_id, defaults={"last_read_message_id": last or 0}
    )


def _clipped(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def send_alert_if_untaken(handoff_id: int) -> bool:
    """E-mail the property's notification address if the episode is still waiting for a person.

    Checked again under a row lock at sending time, and recorded, so a redelivered task never sends twice.
    """
    with transaction.atomic():
        episode = Handoff.objects.select_for_update().select_related("conversation").filter(pk=handoff_id).first()
        if episode is None or episode.taken_over_at or episode.resolved_at or episode.alert_emailed_at:
            return False
        property_ = Property.objects.get(schema_name=connection.schema_name)
        if not property_.notification_email:
            log.warning("handoff_alert_without_address", property=property_.slug, handoff=handoff_id)
            return False
        context = episode.context
        waited = duration_words((timezone.now() - episode.created_at).total_seconds())
        # A web or e-mail guest's name is often only in the lead ("nama sy Nurul Aisyah"): the team greets them by it.
        name = (context.get("guest") or {}).get("name") or ((context.get("lead") or {}).get("fields") or {}).get("name")
        channel = context.get("channel", "")
        lines = [
            f"A guest has been waiting for a person for {waited} at {property_.name}.",
            "",
            f"Reason: {episode.reason}",
            f"Guest: {name or 'unnamed'} ({Channel(channel).label if channel in Channel.values else channel})",
            f"Summary: {context.get('summary', '')}",
            "",
            "Last messages:",
            *(f"  {m['role']}: {_clipped(m['content'])}" for m in context.get("last_messages", [])[-5:]),
            "",
            # A link, not a number to look up: the alert is read on a phone, away from the inbox.
            f"Take over: {property_origin(property_.slug)}/conversations/{episode.conversation_id}/",
        ]
        try:
            send_mail(
                f"[{property_.name}] A guest is waiting for a person",
                "\n".join(lines),
                None,
                [property_.notification_email],
            )
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"handoff alert e-mail: {exc}") from exc
        Handoff.objects.filter(pk=episode.pk).update(alert_emailed_at=timezone.now())
    return True
