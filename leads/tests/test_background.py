"""Committed-data tests: the lead built by the guest turn on a real worker, and two channels racing for one lead."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from conversations.models import Channel, Guest
from conversations.pipeline.tasks import buffered_turn
from leads.models import Lead
from leads.services.leads import upsert_lead_for_conversation
from leads.tests.conftest import conversation_with
from testsupport.wait import wait_until

pytestmark = pytest.mark.e2e


def _cleanup(schema: str, *guest_ids: int) -> None:
    with schema_context(schema):
        Guest.objects.filter(pk__in=guest_ids).delete()  # cascades to conversations, messages, leads


def test_the_guest_turn_builds_the_lead_in_the_schema_it_was_sent_from(committed_db, celery_worker):
    world = committed_db
    name = "Worker " + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:6]).title()  # letters only
    with schema_context(world.a.schema_name):
        conversation = conversation_with([f"Book a room on 15 Dec for 2 nights. My name is {name}"])
        message_id = conversation.messages.get().pk
    try:
        # The same ids sent from B's schema find nothing there and create nothing.
        with schema_context(world.b.schema_name):
            assert buffered_turn.delay(conversation.pk, message_id).get(timeout=60) is None
            assert not [lead for lead in Lead.objects.all() if lead.guest_name == name]  # names are encrypted
        with schema_context(world.a.schema_name):
            # The turn answers in lead capture, and the lead step extracts and scores the lead.
            assert buffered_turn.delay(conversation.pk, message_id).get(timeout=60) is not None
            assert buffered_turn.delay(conversation.pk, message_id).get(timeout=60) is None  # idempotent
            [lead] = Lead.objects.filter(conversation_links__conversation=conversation)
            assert (lead.guest_name, lead.nights, lead.intent) == (name, 2, "room_booking")
    finally:
        _cleanup(world.a.schema_name, conversation.guest_id)


def test_whatsapp_and_email_arriving_together_open_one_lead(committed_db):
    world = committed_db
    phone = "+6012" + str(uuid.uuid4().int)[:7]
    local = "0" + phone[3:]
    with schema_context(world.a.schema_name):
        whatsapp = conversation_with(["Nak tempah bilik 20hb Disember"], phone=phone)
        email = conversation_with([f"Booking a room for 20 Dec. Call me on {local}"], channel=Channel.EMAIL,
                                  email=f"{uuid.uuid4().hex[:8]}@example.com")  # fmt: skip
    start = threading.Barrier(2, timeout=20)
    results: dict[str, int] = {}
    errors: list[BaseException] = []

    def upsert(label: str, conversation) -> None:
        try:
            with schema_context(world.a.schema_name):
                start.wait()
                results[label] = upsert_lead_for_conversation(conversation).pk
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=upsert, args=(label, c)) for label, c in (("wa", whatsapp), ("mail", email))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        assert results["wa"] == results["mail"]
        with schema_context(world.a.schema_name):
            assert Lead.objects.filter(conversation_links__conversation__in=[whatsapp, email]).distinct().count() == 1
    finally:
        _cleanup(world.a.schema_name, whatsapp.guest_id, email.guest_id)


def test_a_new_lead_is_announced_live_to_its_propertys_staff_only(committed_db, daphne):
    from properties.tests.test_realtime import receive_events, staff_sockets_of_a_and_b

    world = committed_db
    name = "Live " + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:6]).title()
    with staff_sockets_of_a_and_b(daphne, world) as (ws_a, ws_b):
        with schema_context(world.a.schema_name):
            conversation = conversation_with([f"Book a room for 15 Dec, 2 nights. My name is {name}"])
        try:
            with schema_context(world.a.schema_name):
                lead = upsert_lead_for_conversation(conversation)
            created = [e for e in receive_events(ws_a, 3) if e["event"] == "lead.created"]
            assert [e["payload"]["id"] for e in created] == [lead.pk]
            assert created[0]["payload"]["guest_name"] == name
            assert receive_events(ws_b, 1) == []
        finally:
            _cleanup(world.a.schema_name, conversation.guest_id)


def test_a_new_threshold_saved_in_the_admin_re_scores_open_leads_on_the_worker(committed_db, celery_worker):

    from conftest import host_client
    from leads.models import LeadSettings

    world = committed_db
    with schema_context(world.a.schema_name):
        conversation = conversation_with(["Book a room on 15 Dec for 2 nights, 2 adults. Call 012-345 6789"])
        lead = upsert_lead_for_conversation(conversation)
        settings = LeadSettings.current()
    try:
        assert lead.is_qualified and lead.lead_score < 100
        form = {
            "qualified_threshold": lead.lead_score + 1, "review_below_confidence": "0.5", "urgency_days": 14,
            "currency": "MYR", "default_room_rate": "", "event_rate_per_guest": "", "fb_rate_per_cover": "",
        }  # fmt: skip
        response = host_client(world.a, world.manager_a).post(f"/admin/leads/leadsettings/{settings.pk}/change/", form)
        assert response.status_code == 302, response.content[:500]
        with schema_context(world.a.schema_name):
            wait_until(lambda: not Lead.objects.get(pk=lead.pk).is_qualified, timeout=30, interval=0.2)
            assert not Lead.objects.get(pk=lead.pk).is_qualified
    finally:
        with schema_context(world.a.schema_name):
            LeadSettings.objects.all().delete()
        _cleanup(world.a.schema_name, conversation.guest_id)
