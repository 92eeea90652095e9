"""Retention: each night, per property, delete what is older than its `RetentionSettings`.

- conversations idle (no message) for `conversation_days`: with their messages, session state,
  handoffs, outbox rows, media rows and files, and the raw inbound events behind them; inbound
  events older than that whatever they link to; guests left with nothing (no conversation, no
  lead) and unseen for as long;
- leads not updated for `lead_days` (a lead outlives its conversation until then);
- greeting state of contacts not greeted for `greeting_state_days`.

What is deleted is counted, logged and recorded as one audit event per run. Files and Redis
sessions go once the transaction has committed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter

import structlog
from django.core.files.storage import storages
from django.db import connection, transaction
from django.utils import timezone

from conversations import sessions
from conversations.models import Conversation, GreetingState, Guest, InboundEvent, MediaAttachment
from core.audit import AuditAction
from leads.models import Lead
from privacy.models import RetentionSettings
from privacy.services import audit
from properties.services import current_property

log = structlog.get_logger(__name__)

PURGE_LOCAL_HOUR = 3  # the quietest hour of a hotel's night


def purge_expired(now: dt.datetime | None = None) -> dict[str, int]:
    """Delete what is past the active property's retention; returns rows deleted per table."""
    now = now or timezone.now()
    property_ = current_property()
    policy = RetentionSettings.current()
    conversations_before = now - dt.timedelta(days=policy.conversation_days)
    leads_before = now - dt.timedelta(days=policy.lead_days)
    greeted_before = property_.local_now(now).date() - dt.timedelta(days=policy.greeting_state_days)
    deleted: Counter[str] = Counter()

    def count(outcome: tuple[int, dict[str, int]]) -> None:
        deleted.update({label: n for label, n in outcome[1].items() if n})

    with transaction.atomic():
        expired = Conversation.objects.filter(last_message_at__lt=conversations_before)
        conversation_ids = list(expired.values_list("pk", flat=True))
        files = set(
            MediaAttachment.objects.filter(message__conversation_id__in=conversation_ids)
            .exclude(storage_name="")
            .values_list("storage_name", flat=True)
        )
        count(
            InboundEvent.objects.filter(message__conversation_id__in=conversation_ids).delete()
        )  # before their messages: the link is SET_NULL and the payload would stay
        count(InboundEvent.objects.filter(received_at__lt=conversations_before).delete())
        count(Lead.objects.filter(updated_at__lt=leads_before).delete())
        count(expired.delete())
        idle_guests = Guest.objects.filter(
            last_seen_at__lt=conversations_before, conversations__isnull=True, leads__isnull=True
        ).values_list("pk", flat=True)
        count(Guest.objects.filter(pk__in=list(idle_guests)).delete())
        count(GreetingState.objects.filter(last_greeted_on__lt=greeted_before).delete())
        files -= set(MediaAttachment.objects.filter(storage_name__in=files).values_list("storage_name", flat=True))
        counts = dict(sorted(deleted.items()))
        audit.record(
            AuditAction.RETENTION_PURGE,
            property=property_,
            details={
                "deleted": counts,
                "files": len(files),
                "policy_days": {
                    "conversations": policy.conversation_days,
                    "leads": policy.lead_days,
                    "greeting_state": policy.greeting_state_days,
                },
            },
        )
        schema = connection.schema_name

        def after_commit() -> None:
            storage = storages["default"]
            for name in files:
                with contextlib.suppress(FileNotFoundError):
                    storage.delete(name)
            for conversation_id in conversation_ids:
                sessions.forget(conversation_id)

        transaction.on_commit(after_commit)
    log.info("retention_purged", schema=schema, deleted=counts, files=len(files))
    return counts


def purge_if_due(now: dt.datetime | None = None) -> dict[str, int] | None:
    """The nightly job's step for one property: once per local date, from 03:00 its time (catches up later)."""
    now = now or timezone.now()
    local = current_property().local_now(now)
    if local.hour < PURGE_LOCAL_HOUR:
        return None
    with transaction.atomic():
        policy = RetentionSettings.current()
        policy = RetentionSettings.objects.select_for_update().get(pk=policy.pk)
        if policy.last_purged_on is not None and policy.last_purged_on >= local.date():
            return None
        counts = purge_expired(now)
        RetentionSettings.objects.filter(pk=policy.pk).update(last_purged_on=local.date())
    return counts
