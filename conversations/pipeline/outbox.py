"""The outbox: every outbound WhatsApp or e-mail message leaves through a row written with it.

`stage` runs inside the transaction that creates the Message (engine turn, staff reply, greeting)
and queues a dispatch once it commits. `dispatch` locks the row (FOR UPDATE SKIP LOCKED) for the
whole send, so two dispatchers never send it twice; the row records attempts, parts already sent
and provider ids. Failures are handled by meaning: transient → back-off (the beat job picks up
what is due), outside the 24-hour window → an approved template or a staff alert, undeliverable
→ staff told, token/account → platform admins alerted through a dead letter they can replay.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import time
import traceback
from typing import Any

import structlog
from django.conf import settings
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from assistant.circuit import CircuitBreaker
from conversations import task_names
from conversations.models import (
    Channel,
    Conversation,
    DeliveryState,
    Guest,
    Message,
    MessageRole,
    OutboxItem,
    OutboxState,
    WhatsAppTemplate,
)
from conversations.pipeline import routing
from core import metrics
from core.durability import enqueue, enqueue_on_commit, record_dead_letter
from core.telemetry import stage_span
from messaging.base import ChannelSendError, OutboundMessage, SendResult, TransientSendError
from messaging.email import EmailAdapter, new_message_id
from messaging.whatsapp import (
    OutsideWindow,
    RateLimited,
    SendRateLimiter,
    WhatsAppAdapter,
    within_customer_service_window,
)
from properties.realtime import notify_staff

log = structlog.get_logger(__name__)

# Sent (inside the failing transaction) when a row fails for good: kwargs `item`, `schema_name`.
delivery_failed = Signal()
# Sent (inside the sending transaction) when a row has left for the provider: kwargs `item`, `schema_name`.
delivery_sent = Signal()

_DELIVERY_RANK = {"": 0, "sent": 1, "delivered": 2, "read": 3}


# --- Staging (inside the message's transaction) -----------------------------------------------


def stage(message: Message, conversation: Conversation | None = None) -> OutboxItem | None:
    """The outbox row of an outbound message, in the caller's transaction; dispatched once committed."""
    conversation = conversation or message.conversation
    if conversation.channel not in (Channel.WHATSAPP, Channel.EMAIL):
        return None
    existing = OutboxItem.objects.filter(message=message).first()
    if existing is not None:
        return existing
    recipient = Guest.objects.address_of(conversation.guest_id, conversation.channel)
    if not recipient:
        log.warning("outbox_no_recipient", conversation=conversation.pk)
        return None
    item = OutboxItem(message=message, channel=conversation.channel, recipient=recipient)
    if conversation.channel == Channel.WHATSAPP:
        item.thread_id = conversation.channel_id
    else:
        _email_fields(item, conversation)
    item.save()
    _dispatch_on_commit(item.pk, due=item.next_attempt_at)
    return item


def _email_fields(item: OutboxItem, conversation: Conversation) -> None:
    last = (
        Message.objects.filter(conversation=conversation, role=MessageRole.GUEST, provider_message_id__isnull=False)
        .order_by("-id")
        .first()
    )
    channel_meta = (last.metadata.get("channel") or {}) if last else {}
    binding = routing.email_binding(connection.schema_name, channel_meta.get("recipient", ""))
    from_address = binding.address if binding else settings.DEFAULT_FROM_EMAIL
    item.recipient = channel_meta.get("reply_to_address") or item.recipient
    item.reply_to = last.provider_message_id if last else ""
    # Minted before the first attempt: a retry after an unrecorded success re-sends the same id.
    item.email_message_id = new_message_id(from_address)
    item.extra = {
        "from_address": from_address,
        "from_name": binding.from_name if binding else "",
        "subject": channel_meta.get("subject", ""),
        "references": channel_meta.get("references", []),
        "language": Guest.objects.filter(pk=conversation.guest_id).values_list("language", flat=True).first() or "",
    }


def _dispatch_on_commit(item_id: int, due: dt.datetime, countdown: float = 0) -> None:
    """The row's next dispatch task, carrying the `next_attempt_at` it was sent for: whoever reschedules the
    row later (a retry, the beat job, the row before it being sent) supersedes it, so a row has one live
    chain of tasks however often it was taken up (see `dispatch`)."""
    # By name: the tasks module imports this one (its tasks are thin wrappers around dispatch).
    kwargs = {"due": due.isoformat()}
    enqueue_on_commit(task_names.DISPATCH_OUTBOX, args=[item_id], kwargs=kwargs, countdown=countdown)


# --- Dispatch (worker) ------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _rate_limiter() -> SendRateLimiter:
    return SendRateLimiter.from_settings()


def whatsapp_adapter(phone_number_id: str) -> WhatsAppAdapter:
    binding = routing.whatsapp_binding(phone_number_id)
    token = binding.access_token if binding is not None else ""
    return WhatsAppAdapter.from_settings(
        phone_number_id, token, schema=connection.schema_name, rate_limiter=_rate_limiter()
    )


def dispatch(item_id: int, *, revive: bool = False, due: str | None = None) -> str:
    """Send one outbox row if it is due; returns what happened (for logs, tests and a replay's result).

    The row waits, without an attempt, while an earlier row of its conversation is pending (the
    greeting before the answer, part 1 before part 2) or while its number's circuit is open (an
    outage costs a probe now and then, not a request per message and retry). `due`: the
    `next_attempt_at` this task was sent for; a task whose row was rescheduled since is "superseded"
    and does nothing (without it, as from the beat job or a replay, the row is taken as it is).

    A task that carries the row's chain (its `due` is the row's) ends only when the row is done or gone;
    found early or found locked, it comes back. Ending there lost a reply: a kicked row whose new task met
    a superseded task still holding the lock had no live task left, and only the beat job found it.
    """
    retry_in: float | None = None
    with transaction.atomic():
        item = (
            OutboxItem.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("message__conversation__guest")
            .filter(pk=item_id)
            .first()
        )
        if item is None:
            return _held_elsewhere(item_id, due)
        if revive:
            refused = _revive(item)
            if refused:
                log.warning("outbox_replay_refused", item=item.pk, why=refused)
                return refused
        if item.state != OutboxState.PENDING:
            return item.state
        if due is not None and dt.datetime.fromisoformat(due) != item.next_attempt_at:
            return "superseded"  # another task carries the row on: one chain per row, never one per requeue
        if item.next_attempt_at > timezone.now():
            if due is not None:  # this task is the chain, sent ahead of its row (a clock step): it waits
                early_by = (item.next_attempt_at - timezone.now()).total_seconds()
                _dispatch_on_commit(item.pk, item.next_attempt_at, countdown=early_by)
            return "not_due"
        earlier = _earlier_pending(item)
        if earlier is not None:
            # Woken by the earlier row's end (`_kick_next`); this slow poll is only the safety net for a lost
            # wake-up (polling each time the earlier row was due cost a task per row every ~40 s of an outage).
            due_in = (earlier.next_attempt_at - timezone.now()).total_seconds() + 1.0
            retry_in = _wait(item, max(due_in, settings.OUTBOX_BACKOFF_MAX))
            outcome = "waiting_for_earlier"
        elif not _circuit(item).allow():
            retry_in = _wait(item, settings.OUTBOX_CIRCUIT_COOLDOWN * random.uniform(1.0, 1.5))  # jitter, not crypto
            outcome = "circuit_open"
        else:
            retry_in, outcome = _attempt(item), ""
        item.save()
        _mirror_delivery(item)
    if retry_in is not None:
        _dispatch_on_commit(item.pk, item.next_attempt_at, countdown=retry_in)
    if item.state != OutboxState.PENDING:
        _kick_next(item)
    return outcome or item.state


def _attempt(item: OutboxItem) -> float | None:
    """One real send; the seconds until the next try after a transient failure (else None)."""
    item.attempts += 1
    started = time.perf_counter()
    circuit = _circuit(item)
    retry_in = None
    try:
        with stage_span("send", **{"nocturn.channel": item.channel, "nocturn.attempt": item.attempts}):
            result = _send(item)
    except TransientSendError as exc:
        if not isinstance(exc, RateLimited):  # too fast for one guest or the number: slower, not an outage
            circuit.record_failure()
        retry_in = _transient(item, exc)
    except ChannelSendError as exc:
        circuit.record_success()  # Graph answered: the number is reachable, this message is the problem
        _permanent(item, exc)
    else:
        reopened = circuit.state() != "closed"
        circuit.record_success()
        _sent(item, result)
        if reopened:
            _wake_number(item)
    metrics.observe_stage("send", item.channel, time.perf_counter() - started)
    return retry_in


def _revive(item: OutboxItem) -> str:
    """A platform admin's replay of this row's dead letter: pending again, or why it cannot be ("" = revived)."""
    if item.state == OutboxState.SENT:
        return f"not sent again: already sent ({item.delivery_state or 'sent'})"
    if item.state == OutboxState.PENDING:
        return ""  # still on its way: the replay just tries it now
    if item.alert != "platform_admins":
        return f"not sent: it failed for a reason a replay cannot fix ({item.last_error}); staff were told"
    if item.extra.get("failed_by_status"):
        # Meta accepted it and later reported it failed (e.g. code 190): none of it reached the guest.
        item.parts_sent, item.extra = 0, {k: v for k, v in item.extra.items() if k != "failed_by_status"}
    item.state, item.alert, item.attempts, item.next_attempt_at = OutboxState.PENDING, "", 0, timezone.now()
    return ""


LOCKED_RETRY = 1.0  # s before a chain's task finds a held row again: the holder is sending or about to end


def _held_elsewhere(item_id: int, due: str | None) -> str:
    """Another dispatcher holds the row: a send in progress, or a superseded task about to end. A task carrying
    the row's current `due` is its only live chain, so it comes back in a moment instead of ending."""
    row = OutboxItem.objects.filter(pk=item_id).values_list("state", "next_attempt_at").first()
    if row is None:
        return "gone"
    state, next_attempt_at = row
    if due is None or state != OutboxState.PENDING or dt.datetime.fromisoformat(due) != next_attempt_at:
        return "locked"  # the holder (or a newer task) carries the row on
    _dispatch_on_commit(item_id, next_attempt_at, countdown=LOCKED_RETRY)
    return "locked_retry"


def _earlier_pending(item: OutboxItem) -> OutboxItem | None:
    return (
        OutboxItem.objects.filter(
            message__conversation_id=item.message.conversation_id, state=OutboxState.PENDING, pk__lt=item.pk
        )
        .order_by("pk")
        .only("pk", "next_attempt_at")
        .first()
    )


def _wait(item: OutboxItem, seconds: float) -> float:
    item.next_attempt_at = timezone.now() + dt.timedelta(seconds=seconds)
    return seconds


def _kick_next(item: OutboxItem) -> None:
    """The row after this one in its conversation, at once: it was waiting for this one."""
    following = (
        OutboxItem.objects.filter(
            message__conversation_id=item.message.conversation_id, state=OutboxState.PENDING, pk__gt=item.pk
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        now = timezone.now()
        OutboxItem.objects.filter(pk=following).update(next_attempt_at=now)
        _dispatch_on_commit(following, now)


def _wake_number(item: OutboxItem) -> None:
    """The number's circuit closed: what waited out the outage goes now, spread over a few seconds."""
    if item.channel != Channel.WHATSAPP:
        return
    waiting = OutboxItem.objects.filter(
        channel=Channel.WHATSAPP, thread_id=item.thread_id, state=OutboxState.PENDING
    ).exclude(pk=item.pk)
    for pk in waiting.values_list("pk", flat=True)[:500]:
        delay = random.uniform(0, settings.OUTBOX_WAKE_SPREAD)  # jitter, not crypto
        due = timezone.now() + dt.timedelta(seconds=delay)
        OutboxItem.objects.filter(pk=pk).update(next_attempt_at=due)
        _dispatch_on_commit(pk, due, countdown=delay)


def _circuit(item: OutboxItem) -> CircuitBreaker:
    """Per sending number (WhatsApp) or per property's mail server (e-mail), shared by every worker."""
    name = f"whatsapp:{item.thread_id}" if item.channel == Channel.WHATSAPP else f"email:{connection.schema_name}"
    return CircuitBreaker(name, failure_threshold=3, window=60, cooldown=max(1, int(settings.OUTBOX_CIRCUIT_COOLDOWN)))


def _send(item: OutboxItem) -> SendResult:
    message = item.message
    if item.channel == Channel.EMAIL:
        return EmailAdapter().send(
            OutboundMessage(
                channel=Channel.EMAIL,
                recipient_id=item.recipient,
                text=message.content,
                reply_to=item.reply_to,
                extra={**item.extra, "message_id": item.email_message_id},
            )
        )
    in_window = inside_window(message.conversation)
    if message.conversation.guest.opted_out_at and (item.extra.get("template_purpose") or not in_window):
        # Only answers to what the guest writes (inside their 24-hour window) reach a guest who sent STOP.
        raise OptedOut("the guest opted out (STOP): nothing they did not ask for is sent")
    with whatsapp_adapter(item.thread_id) as adapter:
        if item.extra.get("use_template") or not in_window:
            return _send_template(item, adapter)
        try:
            return adapter.send(
                OutboundMessage(
                    channel=Channel.WHATSAPP,
                    recipient_id=item.recipient,
                    text=message.content,
                    # Reply buttons the answer carries (the lead's YES/NO) go as an interactive message.
                    extra={"resume_from_part": item.parts_sent, "buttons": message.metadata.get("buttons") or []},
                )
            )
        except OutsideWindow as exc:  # 131047: Meta's clock says the window closed
            item.parts_sent += exc.parts_sent
            return _send_template(item, adapter)


def inside_window(conversation: Conversation) -> bool:
    """Whether WhatsApp still takes free text for this guest (they wrote in the last 24 hours)."""
    last_guest = (
        Message.objects.filter(conversation=conversation, role=MessageRole.GUEST)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return within_customer_service_window(last_guest, timezone.now())


class OptedOut(ChannelSendError):
    """The guest sent STOP: a message they did not ask for (a template, a hotel system's notice) is not sent."""


class NoTemplate(ChannelSendError):
    """Outside the 24-hour window with no approved template: only staff can reach the guest now."""

    code = 131047  # what Meta answers free text outside the window: staff see the same reason either way


def _send_template(item: OutboxItem, adapter: WhatsAppAdapter) -> SendResult:
    """The approved template for the row's purpose (`extra["template_purpose"]`, default re-engagement).

    `extra["template_params"]` fills `{name}` placeholders in the template's components, so one
    approved template (e.g. a booking confirmation) carries each message's own details.
    """
    language = item.message.conversation.guest.language or "en"
    purpose = item.extra.get("template_purpose") or "reengage"
    templates = WhatsAppTemplate.objects.filter(is_approved=True, purpose=purpose)
    template = templates.filter(language=language).first() or templates.order_by("pk").first()
    if template is None:
        raise NoTemplate(f"outside the 24-hour window and no approved {purpose!r} template")
    components = _filled(template.components, item.extra.get("template_params") or {})
    result = adapter.send_template(item.recipient, template.name, template.language, components)
    item.template_name = template.name
    return result


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _filled(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format_map(_Blank(params)) if params and "{" in value else value
    if isinstance(value, list):
        return [_filled(v, params) for v in value]
    if isinstance(value, dict):
        return {k: _filled(v, params) for k, v in value.items()}
    return value


def _sent(item: OutboxItem, result: SendResult) -> None:
    item.state = OutboxState.SENT
    item.delivery_state = DeliveryState.SENT
    item.provider_ids = [*item.provider_ids, *(result.provider_message_ids or (result.provider_message_id,))]
    item.parts_sent = result.parts
    item.sent_at = timezone.now()
    item.last_error, item.error_code = "", None
    if item.provider_ids and item.message.provider_message_id is None:
        # Statuses (WhatsApp) and the guest's In-Reply-To (e-mail) name this id.
        Message.objects.filter(pk=item.message_id).update(provider_message_id=item.provider_ids[0])
    log.info("outbox_sent", item=item.pk, channel=item.channel, attempts=item.attempts, template=item.template_name)
    # Whoever staged the message may track it (an integration event's own status).
    delivery_sent.send(sender=OutboxItem, item=item, schema_name=connection.schema_name)


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Exponential with full jitter, at least what the provider asked for."""
    ceiling = min(settings.OUTBOX_BACKOFF_MAX, 2.0**attempts)
    return max(retry_after or 0.0, random.uniform(ceiling / 2, ceiling))  # jitter, not crypto


def horizon(item: OutboxItem) -> dt.timedelta:
    """How long a message stays worth delivering: WhatsApp's 24-hour window, e-mail as long as SendGrid retries."""
    seconds = settings.OUTBOX_WHATSAPP_HORIZON if item.channel == Channel.WHATSAPP else settings.OUTBOX_EMAIL_HORIZON
    return dt.timedelta(seconds=seconds)


def _transient(item: OutboxItem, exc: TransientSendError) -> float | None:
    item.parts_sent += exc.parts_sent
    item.last_error, item.error_code = str(exc), getattr(exc, "code", None)
    if getattr(exc, "maybe_sent", False):
        # Meta may have sent it and the Cloud API has no idempotency key: never risk a second copy.
        _fail(item, "staff", f"delivery uncertain (no answer from the provider): {exc}")
        return None
    if timezone.now() - item.created_at >= horizon(item):
        _fail(item, "staff", f"not delivered within {horizon(item)} (still failing: {exc})")
        return None
    delay = backoff(item.attempts, getattr(exc, "retry_after", None))
    item.next_attempt_at = timezone.now() + dt.timedelta(seconds=delay)
    log.warning("outbox_retry", item=item.pk, attempts=item.attempts, delay=round(delay, 2), error=str(exc))
    return delay


def _permanent(item: OutboxItem, exc: ChannelSendError) -> None:
    item.parts_sent += exc.parts_sent
    item.error_code = getattr(exc, "code", None)
    _fail(item, getattr(exc, "alert", "") or "staff", str(exc))


def _fail(item: OutboxItem, alert: str, reason: str) -> None:
    item.state = OutboxState.FAILED
    item.delivery_state = DeliveryState.FAILED
    item.last_error = reason
    item.alert = alert
    alert_people(item)


def alert_people(item: OutboxItem) -> None:
    """Staff always see a failed delivery (an event and a note in the conversation); platform admins also
    get a dead letter they can replay."""
    schema = connection.schema_name
    Message.objects.create(
        conversation_id=item.message.conversation_id,
        role=MessageRole.SYSTEM,
        content=f"Not delivered to the guest: {item.last_error}",
        channel=item.channel,
        metadata={"event": "delivery_failed", "message_id": item.message_id, "error_code": item.error_code},
    )
    notify_staff(
        schema,
        "delivery_failed",
        {
            "conversation_id": item.message.conversation_id,
            "message_id": item.message_id,
            "channel": item.channel,
            "error_code": item.error_code,
            "error": item.last_error,
        },
    )
    if item.alert == "platform_admins":
        # Replaying it (after the token or account is fixed) revives and sends this row.
        record_dead_letter(
            task_name=task_names.DISPATCH_OUTBOX,
            task_id="",
            schema_name=schema,
            args=[item.pk],
            kwargs={"revive": True},
            error=f"{item.channel} send failed: {item.last_error} (code {item.error_code})",
            traceback="".join(traceback.format_stack(limit=5)),
            retries=item.attempts,
        )
    log.error("outbox_failed", item=item.pk, alert=item.alert, code=item.error_code, error=item.last_error)
    # Whoever staged the message may have another way to reach the guest (integrations' fallback).
    delivery_failed.send(sender=OutboxItem, item=item, schema_name=schema)


def _mirror_delivery(item: OutboxItem) -> None:
    """Staff read messages, not outbox rows: the delivery state is copied onto the message they see, and
    every change reaches their open pages as a `message.delivery` event once committed."""
    message = Message.objects.select_for_update().get(pk=item.message_id)
    summary = item.delivery_summary()
    if message.metadata.get("delivery") == summary:
        return
    message.metadata = {**message.metadata, "delivery": summary}
    Message.objects.filter(pk=message.pk).update(metadata=message.metadata)
    notify_staff(
        connection.schema_name,
        "message.delivery",
        {"conversation_id": message.conversation_id, "message_id": message.pk, "delivery": summary},
    )


def refusal_for_staff(conversation: Conversation) -> str:
    """Why a staff reply cannot reach this guest now ("" when it can): WhatsApp outside the 24-hour window
    with no approved re-engagement template. Said before anything is stored, so staff never believe a
    message went that could not."""
    if conversation.channel != Channel.WHATSAPP or inside_window(conversation):
        return ""
    if conversation.guest.opted_out_at:
        return "The guest opted out (STOP) and last wrote more than 24 hours ago: WhatsApp messages can't be sent."
    if WhatsAppTemplate.objects.filter(is_approved=True, purpose="reengage").exists():
        return ""
    return (
        "The guest last wrote more than 24 hours ago: WhatsApp only allows an approved template now, and this "
        "property has none approved. Reach the guest another way (phone or e-mail)."
    )


# --- Delivery statuses ------------------------------------------------------------------------


def apply_status(payload: dict[str, Any]) -> bool:
    """A WhatsApp status (sent/delivered/read/failed) moves the outbound message's delivery state forward."""
    wamid, status = payload["wamid"], payload["status"]
    requeue = False
    with transaction.atomic():
        item = OutboxItem.objects.select_for_update().filter(provider_ids__contains=[wamid]).first()
        if item is None:
            log.info("status_for_unknown_message", wamid=wamid, status=status)
            return False
        if status == "failed":
            errors = payload.get("errors") or [{}]
            item.error_code = errors[0].get("code")
            item.last_error = errors[0].get("message") or errors[0].get("title") or "delivery failed"
            if item.error_code == 131047 and not item.template_name:
                # The window closed before Meta delivered it: send the approved template instead.
                item.state, item.extra = OutboxState.PENDING, {**item.extra, "use_template": True}
                item.next_attempt_at, item.attempts, requeue = timezone.now(), 0, True
            else:
                item.state = OutboxState.FAILED
                item.delivery_state = DeliveryState.FAILED
                item.alert = "platform_admins" if item.error_code == 190 else "staff"
                item.extra = {**item.extra, "failed_by_status": True}  # a replay must send it whole
                alert_people(item)
        elif _DELIVERY_RANK.get(status, 0) > _DELIVERY_RANK.get(item.delivery_state, 0):
            item.delivery_state = status
        item.save()
        _mirror_delivery(item)
    if requeue:  # at once: the row is committed above
        enqueue(task_names.DISPATCH_OUTBOX, args=[item.pk], kwargs={"due": item.next_attempt_at.isoformat()})
    return True


USABLE_TEMPLATE_EVENTS = frozenset({"APPROVED", "REINSTATED"})


def apply_template_status(payload: dict[str, Any]) -> str:
    """Meta's review of a template: only an approved (or reinstated) one is sent; REJECTED, PAUSED, DISABLED
    and the rest stop it at once. Returns why nothing changed ("" when a template was updated)."""
    name, language, event = payload["name"], payload.get("language") or "", payload["event"]
    # Meta names locales (en_US, pt_BR); our rows may hold the bare language (en).
    languages = {language, language.replace("-", "_"), language.split("_")[0].split("-")[0]}
    updated = WhatsAppTemplate.objects.filter(name=name, language__in=languages).update(
        status=event[:32],
        status_reason=str(payload.get("reason") or "")[:255],
        is_approved=event in USABLE_TEMPLATE_EVENTS,
    )
    log.info("template_status", template=name, language=language, review=event, updated=updated)
    return "" if updated else f"no template {name!r} ({language}) here"


OVERDUE = dt.timedelta(seconds=30)  # a row this late for its own task is the beat job's (its task may be lost)
OVERDUE_BATCH = 200  # rows per beat run and schema, the most overdue first; the rest wait for the next run


def dispatch_overdue(deadline: float) -> dict[str, int]:
    """The beat job's share: rows whose own task is late or lost, dispatched here until `deadline`
    (time.monotonic()); the next run resumes with what is left. Taking a row up supersedes its own task
    (`dispatch`), so a late task and the beat job never become two chains of retries for one row."""
    done = {"sent": 0, "overdue": 0}
    for item_id in due_items(OVERDUE_BATCH, overdue=OVERDUE):
        if time.monotonic() >= deadline:
            break
        done["overdue"] += 1
        done["sent"] += dispatch(item_id) == OutboxState.SENT
    return done


def due_items(limit: int = OVERDUE_BATCH, overdue: dt.timedelta = dt.timedelta(0)) -> list[int]:
    return list(
        OutboxItem.objects.filter(state=OutboxState.PENDING, next_attempt_at__lte=timezone.now() - overdue)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
