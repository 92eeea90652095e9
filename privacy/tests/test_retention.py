"""Retention: what is past a property's settings goes, counted, logged and audited; nothing else does."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django_tenants.utils import schema_context

from conversations.models import (
    Conversation,
    GreetingState,
    Guest,
    InboundEvent,
    MediaAttachment,
    Message,
    MessageRole,
    SessionState,
)
from leads.models import Lead
from privacy.models import AuditEvent, RetentionSettings
from privacy.services.retention import purge_expired, purge_if_due

NOW = dt.datetime(2026, 11, 20, 20, 0, tzinfo=dt.UTC)  # 04:00 on the 21st in Kuala Lumpur


def _conversation(days_ago: int, phone: str) -> Conversation:
    at = NOW - dt.timedelta(days=days_ago)
    guest = Guest.objects.create(phone=phone, first_seen_at=at, last_seen_at=at)
    conversation = Conversation.objects.create(guest=guest, channel="whatsapp", started_at=at, last_message_at=at)
    message = Message.objects.create(
        conversation=conversation, role=MessageRole.GUEST, content="hello", channel="whatsapp", created_at=at
    )
    InboundEvent.objects.create(
        channel="whatsapp", kind="message", provider_id=f"wamid.{phone}", payload={"sender_id": phone},
        message=message, received_at=at, state="processed",
    )  # fmt: skip
    SessionState.objects.create(conversation=conversation, history=[{"role": "guest", "content": "hello"}])
    return conversation


@pytest.fixture
def old_and_new(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    storages._storages.pop("default", None)  # the storage reads MEDIA_ROOT when first built
    with schema_context(world.a.schema_name):
        old = _conversation(100, "+60111000001")
        recent = _conversation(10, "+60111000002")
        name = storages["default"].save("alpha/media/old.pdf", ContentFile(b"old file"))
        MediaAttachment.objects.create(message=old.messages.get(), kind="document", storage_name=name)
        stale_lead = Lead.objects.create(guest=recent.guest, conversation=recent, source_channel="whatsapp")
        live_lead = Lead.objects.create(guest=old.guest, conversation=old, source_channel="whatsapp")
        Lead.objects.filter(pk=stale_lead.pk).update(updated_at=NOW - dt.timedelta(days=400))
        Lead.objects.filter(pk=live_lead.pk).update(updated_at=NOW - dt.timedelta(days=100))
        GreetingState.objects.create(contact="+60111000001", thread_id="n1", last_greeted_on=dt.date(2026, 10, 1))
        GreetingState.objects.create(contact="+60111000002", thread_id="n1", last_greeted_on=dt.date(2026, 11, 15))
    with schema_context(world.b.schema_name):
        b_old = _conversation(100, "+60111000003")
    yield {"old": old, "recent": recent, "stale_lead": stale_lead, "live_lead": live_lead, "file": name, "b": b_old}
    storages._storages.pop("default", None)


def test_it_deletes_what_is_past_retention_and_nothing_else(world, old_and_new, caplog):
    caplog.set_level(logging.INFO, logger="privacy.services.retention")
    with schema_context(world.a.schema_name), pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())  # run file deletion now
        counts = purge_expired(NOW)
        assert counts["conversations.Conversation"] == 1 and counts["conversations.Message"] == 1
        assert counts["conversations.InboundEvent"] == 1 and counts["leads.Lead"] == 1
        assert counts["conversations.GreetingState"] == 1 and counts["conversations.SessionState"] == 1
        mine = [old_and_new["old"].pk, old_and_new["recent"].pk]
        assert list(Conversation.objects.filter(pk__in=mine).values_list("pk", flat=True)) == [mine[1]]
        # The old conversation's lead is younger than 365 days: it stays, and so does its guest.
        leads = [old_and_new["stale_lead"].pk, old_and_new["live_lead"].pk]
        assert list(Lead.objects.filter(pk__in=leads).values_list("pk", flat=True)) == [leads[1]]
        assert Guest.objects.filter(pk=old_and_new["old"].guest_id).exists()
        assert not GreetingState.objects.filter(contact="+60111000001", thread_id="n1").exists()
        assert GreetingState.objects.filter(contact="+60111000002", thread_id="n1").exists()
        assert not InboundEvent.objects.filter(provider_id="wamid.+60111000001").exists()
    assert not storages["default"].exists(old_and_new["file"])
    with schema_context(world.b.schema_name):  # another property's data is never touched
        assert Conversation.objects.filter(pk=old_and_new["b"].pk).exists()
    event = AuditEvent.objects.filter(action="retention.purge", property=world.a).latest("pk")
    assert event.details["deleted"]["conversations.Conversation"] == 1 and event.actor is None
    assert "+6011" not in str(event.details)
    logged = [r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == "retention_purged"]
    assert logged and logged[0]["deleted"] == counts


def test_shorter_settings_delete_more(world, old_and_new):
    with schema_context(world.a.schema_name):
        RetentionSettings.objects.update_or_create(pk=1, defaults={"conversation_days": 7})
        counts = purge_expired(NOW)
        mine = [old_and_new["old"].pk, old_and_new["recent"].pk]
        assert counts["conversations.Conversation"] >= 2 and not Conversation.objects.filter(pk__in=mine).exists()


def test_the_nightly_job_runs_once_per_local_date_from_three_oclock(world, old_and_new):
    with schema_context(world.a.schema_name):
        before_three = dt.datetime(2026, 11, 20, 18, 30, tzinfo=dt.UTC)  # 02:30 in Kuala Lumpur
        with time_machine.travel(before_three, tick=False):
            assert purge_if_due() is None
            assert Conversation.objects.filter(pk=old_and_new["old"].pk).exists()
        with time_machine.travel(NOW, tick=False):
            assert purge_if_due()["conversations.Conversation"] == 1
            assert purge_if_due() is None  # same local date: already done
            assert RetentionSettings.current().last_purged_on == dt.date(2026, 11, 21)
        with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
            assert purge_if_due() is not None


def test_the_beat_schedule_sends_the_job_to_every_property(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-purge-expired"]
    assert entry["task"] == "privacy.tasks.purge_expired" and "tenant_schemas" not in entry.get("options", {})
