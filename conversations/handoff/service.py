"""The handoff services (see the package docstring). All of them run in the property's schema."""

from __future__ import annotations

import smtplib
import time
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
from properties.models import Property, User
from properties.realtime import notify_staff

log = structlog.get_logger(__name__)

LAST_MESSAGES = 10
MAX_STAFF_REPLY = 4000

# Said to the guest when a new handoff episode starts (after the AI's own handoff line, or alone for a manual one).
CONTEXT_NOTE = {
    "en": "A member of our team will continue this conversation with its full history, so you won't need to repeat "
    "yourself.",
    "ms": "Kakitangan kami akan menyambung perbualan ini dengan sejarah penuhnya, jadi anda tidak perlu mengulangi "
    "apa-apa.",
}
TRIGGER_REASONS = {
    "human_request": "The guest asked for a person.",
    "complaint": "The guest complained or sounds upset.",
    "low_confidence": "The AI could not answer from the knowledge base and the guest kept asking.",
    "llm": "The model judged that a person should answer.",
    "lead_consent": "Qualified lead: the guest said YES to being contacted by the reservations team.",
    "manual": "Handed to staff by a staff member.",
    "takeover": "A staff member took the conversation over.",
}


class HandoffError(Exception):
    """A step that does not apply to the conversation as it is (e.g. resolving one that nobody holds)."""


def trigger_for(text: str, *, low_confidence_streak: int, mode_source: str) -> str:
    """Why the AI core chose handoff for this turn, for the episode, the alert and analytics."""
    if modes._HUMAN.search(text):
        return "human_request"
    if modes._COMPLAINT.search(text):
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
    return Message.objects.create(
        conversation=conversation,
        role=MessageRole.SYSTEM,
        content=content,
        channel=conversation.channel,
        metadata=metadata,
        created_at=at,
    )


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
            _tell_guest(locked, CONTEXT_NOTE["ms" if locked.guest.language == "ms" else "en"], at)
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


def _deliver(message: Message, conversation: Conversation) -> None:
    """A message that is not a streamed turn (staff reply, notice) to the guest's own channel.

    Inside the caller's transaction: the widget gets it on the guest's socket once committed;
    WhatsApp and e-mail get an outbox row that commits with the message.
    """
    if conversation.channel == Channel.WEB:
        schema, payload = connection.schema_name, message_payload(message)
        transaction.on_commit(lambda: realtime.send_to_guest(schema, conversation.pk, "message", payload))
    else:
        outbox.stage(message, conversation)


def _tell_guest(conversation: Conversation, text: str, at: Any) -> Message:
    """A notice to the guest on their own channel (not an AI answer: no reply_to, so turns ignore it)."""
    message = Message.objects.create(
        conversation=conversation,
        role=MessageRole.AI,
        content=text,
        channel=conversation.channel,
        metadata={"notice": "handoff"},
        created_at=at,
    )
    _deliver(message, conversation)
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
) -> None:
    """What a staff step leaves: a system line in the conversation, the staff pages' event (on commit), the audit."""
    _system(conversation, note, {"event": event, "handoff_id": handoff_id, "user_id": user_id}, at)
    notify_staff(
        connection.schema_name, "conversation.status", _status_event(conversation, event=event, user_id=user_id)
    )
    audit.record(
        action,
        actor=_staff(user_id),
        target_type="conversations.conversation",
        target_id=str(conversation.pk),
        details=details,
    )


def take_over(conversation_id: int, *, user_id: int) -> Conversation:
    """Staff hold the conversation: the AI is locked out until it is resolved. Taking over twice changes nothing."""
    now = timezone.now()
    with transaction.atomic():
        conversation = _locked(conversation_id)
        if conversation.ai_mode == AiMode.STAFF:
            return conversation
        episode = open_episode(conversation_id)
        if episode is None:  # staff stepping in unasked: that starts an episode too (analytics counts it)
            episode, _ = begin_handoff(conversation_id, trigger="takeover", user_id=user_id, at=now)
        Handoff.objects.filter(pk=episode.pk).update(taken_over_at=now, taken_over_by_user_id=user_id)
        _set_mode(conversation, AiMode.STAFF, ConversationStatus.HANDED_OFF)
        _staff_step(
            conversation,
            event="takeover",
            note="A staff member took over; the AI is paused.",
            action=AuditAction.TAKEOVER,
            handoff_id=episode.pk,
            user_id=user_id,
            at=now,
            details={"handoff_id": episode.pk, "channel": conversation.channel},
        )
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
    return conversation


def record_staff_message(conversation: Conversation, text: str, *, user_id: int | None) -> Message:
    """A staff member's message: stored, remembered in the session, delivered to the guest's channel."""
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation,
            role=MessageRole.STAFF,
            content=text,
            channel=conversation.channel,
            sent_by_user_id=user_id,
            created_at=now,
        )
        _deliver(message, conversation)
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
        session = sessions.load(conversation)
        session.remember(MessageRole.STAFF, text)
        sessions.save(session)
    return message


def staff_reply(conversation_id: int, *, user_id: int, text: str) -> Message:
    """A staff message to the guest on their channel. Replying takes the conversation over first, so the AI
    and a person never answer the same guest at once."""
    text = (text or "").strip()
    if not text:
        raise HandoffError("The reply is empty.")
    if len(text) > MAX_STAFF_REPLY:
        raise HandoffError(f"The reply is longer than {MAX_STAFF_REPLY} characters.")
    with transaction.atomic():
        conversation = take_over(conversation_id, user_id=user_id)
        message = record_staff_message(conversation, text, user_id=user_id)
        StaffReadMarker.objects.update_or_create(
            user_id=user_id, conversation_id=conversation_id, defaults={"last_read_message_id": message.pk}
        )
        notify_staff(connection.schema_name, "message.new", message_event(message, conversation))
    return message


def message_event(message: Message, conversation: Conversation) -> dict[str, Any]:
    return {
        "conversation_id": conversation.pk,
        "message_id": message.pk,
        "role": message.role,
        "preview": message.content[:140],
        "status": conversation.status,
        "ai_mode": conversation.ai_mode,
    }


def mark_read(conversation_id: int, *, user_id: int) -> None:
    last = Message.objects.filter(conversation_id=conversation_id).order_by("-id").values_list("pk", flat=True).first()
    StaffReadMarker.objects.update_or_create(
        user_id=user_id, conversation_id=conversation_id, defaults={"last_read_message_id": last or 0}
    )


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
        waited = int((timezone.now() - episode.created_at).total_seconds() // 60)
        lines = [
            f"A guest has been waiting for a person for {waited} minute(s) at {property_.name}.",
            "",
            f"Reason: {episode.reason}",
            f"Guest: {context.get('guest', {}).get('name') or 'unnamed'} ({context.get('channel', '')})",
            f"Summary: {context.get('summary', '')}",
            "",
            "Last messages:",
            *(f"  {m['role']}: {m['content'][:300]}" for m in context.get("last_messages", [])[-5:]),
            "",
            f"Open the inbox to take over: conversation #{episode.conversation_id}.",
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
