"""Leads from conversations: one per conversation, one open lead per guest across channels, review, consent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from conversations.models import Channel, Guest, Message
from core import compiled
from leads import models as lead_models
from leads.models import ConsentStatus, Lead, LeadConversation, LeadReview, LeadSettings, ReviewStatus
from leads.services import leads as leads_service
from leads.services.leads import (
    LeadChanges,
    LeadError,
    lead_for_conversation,
    mark_handed_over,
    record_consent,
    record_review,
    rescore_open_leads,
    rubric_agreement_rate,
    update_lead,
    upsert_lead_for_conversation,
)
from leads.tests.conftest import EVENING, MORNING, add_guest_message, conversation_with

NOW = EVENING + dt.timedelta(minutes=10)
BOOKING = "Hi, my name is Sarah Lim. I'd like to book a Deluxe King from 15-17 Dec for 2 adults."


def test_a_booking_conversation_becomes_a_scored_lead_with_a_decimal_value(world, in_a, rooms):
    conversation = conversation_with([BOOKING], phone="+60123456789")
    lead = upsert_lead_for_conversation(conversation, now=NOW)
    assert lead is not None and lead.intent == "room_booking"
    assert (lead.guest_name, lead.phone, lead.check_in, lead.nights) == ("Sarah Lim", "+60123456789",
                                                                      dt.date(2026, 12, 15), 2)  # fmt: skip
    assert lead.is_after_hours and lead.priority == "high" and lead.source_channel == Channel.WHATSAPP
    # dates 20 + length 10 + contact 15 + name 5 + room 10 + party 10 + after-hours 5 + booking 15 = 90 (not urgent)
    assert lead.lead_score == 90 and lead.is_qualified
    assert lead.estimated_value == Decimal("630.00")  # 350 × 2 nights × 0.90
    assert lead.rubric_breakdown["urgency"]["met"] is False
    assert lead.extraction["source"] == "rules"


def test_upserting_twice_changes_nothing_and_keeps_one_lead_per_conversation(world, in_a, rooms):
    conversation = conversation_with([BOOKING])
    first = upsert_lead_for_conversation(conversation, now=NOW)
    again = upsert_lead_for_conversation(conversation, now=NOW)
    assert first.pk == again.pk and Lead.objects.count() == 1
    assert again.lead_score == first.lead_score and again.estimated_value == first.estimated_value
    with pytest.raises(IntegrityError), transaction.atomic():
        LeadConversation.objects.create(lead=first, conversation=conversation)


def test_small_talk_does_not_open_a_lead(world, in_a):
    assert upsert_lead_for_conversation(conversation_with(["What time is breakfast?"]), now=NOW) is None
    assert Lead.objects.count() == 0


def test_the_same_guest_on_whatsapp_and_email_has_one_open_lead_read_as_one_story(world, in_a, rooms):
    whatsapp = conversation_with(["Nak tempah bilik keluarga 20hb Disember, 2 malam"], phone="+60123456789")
    lead = upsert_lead_for_conversation(whatsapp, now=NOW)
    # A different Guest row (e-mail identity) who gives the same phone number in the mail.
    mail = "Hello, following up my WhatsApp. 2 adults 1 child. Phone 012-345 6789\n\nRegards,\nAmir Hamzah"
    email = conversation_with([mail], channel=Channel.EMAIL, email="amir@example.com")
    merged = upsert_lead_for_conversation(email, now=NOW)
    assert merged.pk == lead.pk and Lead.objects.count() == 1
    assert sorted(merged.conversations.values_list("pk", flat=True)) == sorted([whatsapp.pk, email.pk])
    assert (merged.guest_name, merged.adults, merged.children) == ("Amir Hamzah", 2, 1)
    assert merged.room_type == "Family Suite"
    assert merged.check_in == dt.date(2026, 12, 20) and merged.email == "amir@example.com"


def test_a_guest_matched_by_email_joins_the_open_lead_and_a_closed_lead_starts_a_new_one(world, in_a):
    first = conversation_with(["Can I book a room for 5 Dec? my email is lee@example.com"])
    lead = upsert_lead_for_conversation(first, now=NOW)
    second = conversation_with(["Booking a room 5 Dec, 2 nights"], channel=Channel.EMAIL, email="LEE@example.com")
    assert upsert_lead_for_conversation(second, now=NOW).pk == lead.pk
    update_lead(lead.pk, LeadChanges(status="lost"))
    third = conversation_with(["Book a room for 9 Dec please"], channel=Channel.EMAIL, email="lee@example.com")
    assert upsert_lead_for_conversation(third, now=NOW).pk != lead.pk


def test_a_later_message_updates_the_lead_and_in_hours_leads_are_not_after_hours(world, in_a, rooms):
    conversation = conversation_with(["Do you have a room on 15 Dec?"], at=MORNING)
    lead = upsert_lead_for_conversation(conversation, now=MORNING)
    assert not lead.is_after_hours and lead.nights is None
    add_guest_message(conversation, "3 nights, deluxe king, 2 adults", at=MORNING + dt.timedelta(minutes=5))
    lead = upsert_lead_for_conversation(conversation, now=MORNING + dt.timedelta(minutes=6))
    assert (lead.nights, lead.room_type, lead.adults) == (3, "Deluxe King", 2)


def test_status_changes_follow_the_allowed_transitions(world, in_a):
    lead = upsert_lead_for_conversation(conversation_with([BOOKING]), now=NOW)
    update_lead(lead.pk, LeadChanges(status="converted", notes="Paid deposit"))
    with pytest.raises(LeadError, match="cannot become"):
        update_lead(lead.pk, LeadChanges(status="new", notes="should not be saved"))
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.notes == "Paid deposit"


def test_low_confidence_goes_to_review_and_verdicts_give_the_agreement_rate(world, in_a, manager_a):
    vague = conversation_with(["a room or maybe dinner? minggu depan. I'm Sam."])
    lead = upsert_lead_for_conversation(vague, now=NOW)
    assert lead.confidence < 0.5 and lead.review_status == ReviewStatus.PENDING
    clear = upsert_lead_for_conversation(conversation_with([BOOKING]), now=NOW)
    assert clear.review_status == ReviewStatus.NOT_NEEDED
    record_review(clear.pk, manager_a, "agree")
    record_review(lead.pk, manager_a, "disagree", {"intent": "room_booking", "nights": 2}, "a room, not dinner")
    lead.refresh_from_db()
    assert lead.review_status == ReviewStatus.REVIEWED and lead.intent == "room_booking" and lead.nights == 2
    assert {"intent", "nights"} <= set(lead.locked_fields)
    assert rubric_agreement_rate() == {"reviewed": 2, "agreed": 1, "rate": 0.5}
    # the reviewer changes their mind on the second lead: only the latest verdict per lead counts
    record_review(lead.pk, manager_a, "agree")
    assert rubric_agreement_rate()["rate"] == 1.0
    # re-extraction never overwrites what a person corrected
    upsert_lead_for_conversation(vague, now=NOW)
    lead.refresh_from_db()
    assert lead.intent == "room_booking" and lead.nights == 2


def test_an_invalid_correction_is_refused_and_nothing_is_written(world, in_a, manager_a):
    lead = upsert_lead_for_conversation(conversation_with([BOOKING]), now=NOW)
    with pytest.raises(LeadError, match="phone"):
        record_review(lead.pk, manager_a, "disagree", {"phone": "not a phone", "nights": 4})
    with pytest.raises(LeadError, match="Unknown field"):
        record_review(lead.pk, manager_a, "disagree", {"lead_score": 100})
    lead.refresh_from_db()
    assert LeadReview.objects.count() == 0 and lead.nights == 2 and lead.locked_fields == []


def test_no_lead_is_handed_over_without_a_recorded_yes_and_a_no_is_respected(world, in_a):
    lead = upsert_lead_for_conversation(conversation_with([BOOKING]), now=NOW)
    with pytest.raises(LeadError, match="No recorded YES"):
        mark_handed_over(lead.pk)
    record_consent(lead.pk, given=False)
    with pytest.raises(LeadError, match="said NO"):
        record_consent(lead.pk, given=True)
    with pytest.raises(LeadError):
        mark_handed_over(lead.pk)
    lead.refresh_from_db()
    assert lead.consent_status == ConsentStatus.DECLINED and lead.handed_over_at is None
    # The database refuses it too, whatever code path tries.
    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.filter(pk=lead.pk).update(handed_over_at=NOW)


def test_a_yes_allows_the_handover_once(world, in_a):
    lead = upsert_lead_for_conversation(conversation_with([BOOKING], phone="+60123456789"), now=NOW)
    record_consent(lead.pk, given=True, at=NOW)
    handed = mark_handed_over(lead.pk, at=NOW)
    assert handed.handed_over_at == NOW and mark_handed_over(lead.pk).handed_over_at == NOW


def test_thresholds_are_per_property(world):
    from django_tenants.utils import schema_context

    with schema_context(world.b.schema_name):
        settings = LeadSettings.current()
        settings.qualified_threshold = 95
        settings.save()
        lead_b = upsert_lead_for_conversation(conversation_with([BOOKING]), now=NOW)
    with schema_context(world.a.schema_name):
        lead_a = upsert_lead_for_conversation(conversation_with([BOOKING], guest=Guest.objects.create()), now=NOW)
    assert lead_a.is_qualified and not lead_b.is_qualified


def test_rescoring_applies_new_thresholds_and_rates_to_open_leads_only(world, in_a, rooms):
    open_lead = upsert_lead_for_conversation(conversation_with([BOOKING]), now=NOW)
    closed = upsert_lead_for_conversation(conversation_with([BOOKING]), now=NOW)
    update_lead(closed.pk, LeadChanges(status="converted"))
    assert open_lead.lead_score == 75 and open_lead.is_qualified  # no contact given: 90 − 15
    assert open_lead.estimated_value == Decimal("525.00")
    settings = LeadSettings.current()
    settings.qualified_threshold = 80
    settings.save()
    rooms[0].nightly_rate = Decimal("400.00")
    rooms[0].save()
    assert rescore_open_leads(now=NOW) == 1
    open_lead.refresh_from_db()
    closed.refresh_from_db()
    assert not open_lead.is_qualified and open_lead.estimated_value == Decimal("600.00")  # 400 × 2 × 0.75
    assert closed.is_qualified and closed.estimated_value == Decimal("525.00")


def test_a_conversations_lead_is_read_with_its_statement_compiled_once_as_the_orm_writes_it(world, in_a, rooms):
    conversation = conversation_with([BOOKING])
    lead = upsert_lead_for_conversation(conversation, now=NOW)
    orm = Lead.objects.filter(conversation_links__conversation_id=conversation.pk).first()
    found = lead_for_conversation(conversation.pk)
    assert found is not None and found.pk == lead.pk == orm.pk
    assert {f.attname: getattr(found, f.attname) for f in Lead._meta.concrete_fields} == {
        f.attname: getattr(orm, f.attname) for f in Lead._meta.concrete_fields
    }  # every field, the encrypted ones decrypted
    assert lead_for_conversation(conversation_with(["What time is breakfast?"]).pk) is None
    with CaptureQueriesContext(connection) as ours:
        lead_for_conversation(conversation.pk)
    with CaptureQueriesContext(connection) as theirs:
        Lead.objects.filter(conversation_links__conversation_id=conversation.pk).first()
    assert [q["sql"] for q in ours.captured_queries] == [q["sql"] for q in theirs.captured_queries]


def test_the_upsert_reads_the_linked_leads_id_with_the_orms_statement_and_no_join(world, in_a, rooms):
    # upsert_lead_for_conversation reads which lead a conversation is linked to on every turn; the lead itself is
    # read again under its lock, so the id is all it takes (the join decrypted the whole lead for nothing).
    conversation = conversation_with([BOOKING])
    lead = upsert_lead_for_conversation(conversation, now=NOW)
    assert compiled.value(leads_service._linked_lead_id, conversation.pk) == lead.pk
    assert compiled.value(leads_service._linked_lead_id, conversation_with(["What time is breakfast?"]).pk) is None
    with CaptureQueriesContext(connection) as ours:
        compiled.value(leads_service._linked_lead_id, conversation.pk)
    with CaptureQueriesContext(connection) as theirs:
        LeadConversation.objects.filter(conversation_id=conversation.pk).values_list("lead_id", flat=True).first()
    assert [q["sql"] for q in ours.captured_queries] == [q["sql"] for q in theirs.captured_queries]
    assert "JOIN" not in ours.captured_queries[0]["sql"]
    add_guest_message(conversation, "Actually make it 3 adults please.")
    again = upsert_lead_for_conversation(conversation, now=NOW)  # the linked lead, updated
    assert again.pk == lead.pk and again.adults == 3 and Lead.objects.count() == 1


def _orm_open_lead(guest_id: int) -> Lead | None:
    return (
        Lead.objects.select_for_update()
        .filter(status__in=lead_models.OPEN_STATUSES)
        .filter(
            Q(guest=guest_id) | Q(guest__phone__in=set()) | Q(phone__in=set()) | Q(guest__email__in=set())
            | Q(email__in=set())
        )
        .order_by("created_at", "id")
        .first()
    )  # fmt: skip


def test_the_open_lead_of_a_guest_without_contact_is_the_orms_read_compiled_once(world, in_a, rooms):
    # Without a phone or e-mail the ORM's OR is the guest's own open lead alone (its empty `__in` parts are FALSE,
    # behind a join to the guest that matches nothing more): the same lead, oldest first, locked, in one statement
    # without the join. A closed lead is not found; a guest with a phone takes the ORM's path.
    conversation = conversation_with([BOOKING], channel=Channel.WEB)
    lead = upsert_lead_for_conversation(conversation, now=NOW)
    older = Lead.objects.create(guest=conversation.guest, source_channel=Channel.WEB)
    Lead.objects.filter(pk=older.pk).update(created_at=lead.created_at - dt.timedelta(days=1))
    guest_id = conversation.guest_id
    with transaction.atomic():
        for guest in (guest_id, guest_id + 1000):
            assert leads_service._open_lead(guest, set(), set()) == _orm_open_lead(guest)
        assert leads_service._open_lead(guest_id, set(), set()).pk == older.pk
        with CaptureQueriesContext(connection) as ours:
            leads_service._open_lead(guest_id, set(), set())
        [sql] = [q["sql"] for q in ours.captured_queries]
        assert sql.endswith("FOR UPDATE") and "JOIN" not in sql
    Lead.objects.filter(pk__in=[lead.pk, older.pk]).update(status=lead_models.LeadStatus.LOST)
    with transaction.atomic():
        assert leads_service._open_lead(guest_id, set(), set()) is None is _orm_open_lead(guest_id)
        assert leads_service._open_lead(guest_id, {"+60123456789"}, set()) is None  # the ORM's path


def test_the_compiled_open_lead_read_finds_each_propertys_own_lead(world):
    found = {}
    for schema in ("alpha", "bravo", "alpha"):  # compiled under the first, run under each
        with schema_context(schema):
            if schema not in found:
                conversation = conversation_with([BOOKING], channel=Channel.WEB)
                found[schema] = (conversation.guest_id, upsert_lead_for_conversation(conversation, now=NOW).pk)
            guest_id, lead_id = found[schema]
            with transaction.atomic():
                assert leads_service._open_lead(guest_id, set(), set()).pk == lead_id


def test_a_compiled_read_refuses_a_statement_that_does_not_hold_its_value_exactly_once(world, in_a):
    with pytest.raises(ValueError, match="once"):
        compiled.first(_twice, 1)


def _twice(value: int):
    return Lead.objects.filter(pk=value, conversation_links__conversation_id=value)


def test_one_conversations_guest_texts_are_the_orms_rows_compiled_once(world, in_a):
    conversation = conversation_with([BOOKING, "", "And a baby cot please."])
    last = Message.objects.filter(conversation=conversation).order_by("-id").first()  # the cot
    Message.objects.filter(pk=last.pk).update(metadata={leads_service.HINT_KEY: "cot"})
    other = conversation_with(["What time is breakfast?"])
    ours = leads_service._guest_texts([conversation.pk])
    theirs = leads_service._guest_texts([conversation.pk, conversation.pk])  # the ORM's path (several conversations)
    assert ours == theirs and [t.text for t in ours] == [BOOKING, "And a baby cot please.\ncot"]
    assert [t.text for t in leads_service._guest_texts([other.pk])] == ["What time is breakfast?"]
    with CaptureQueriesContext(connection) as mine:
        compiled.rows(leads_service._one_conversations_guest_messages, conversation.pk)
    with CaptureQueriesContext(connection) as orm:
        list(leads_service._one_conversations_guest_messages(conversation.pk))
    assert [q["sql"] for q in mine.captured_queries] == [q["sql"] for q in orm.captured_queries]
