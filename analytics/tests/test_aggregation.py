from __future__ import annotations

import datetime as dt
import threading
import uuid
from decimal import Decimal

from django.db import connection
from django_tenants.utils import schema_context

from analytics.models import DailyAggregate, WidgetVisitDay
from analytics.services.aggregation import compute_day, compute_yesterday_if_due, daily_rows
from analytics.services.visitors import record_widget_visit
from analytics.tests.conftest import conversation_at, kl, lead_for
from conftest import host_client
from conversations.models import Channel
from leads.models import ConsentStatus, Lead, LeadConversation
from properties.models import Property

NOV_20 = dt.date(2026, 11, 20)


def test_a_message_at_2330_kuala_lumpur_counts_on_that_local_date(world, in_a):
    conversation_at(kl(2026, 11, 20, 23, 30))  # 15:30 UTC on the 20th
    conversation_at(kl(2026, 11, 21, 0, 30))  # 16:30 UTC on the 20th, but the 21st in Kuala Lumpur
    assert compute_day(NOV_20).total_inquiries == 1
    assert compute_day(dt.date(2026, 11, 21)).total_inquiries == 1


def test_the_same_instants_fall_on_other_dates_in_another_timezone(world, in_a):
    conversation_at(kl(2026, 11, 20, 23, 30))
    conversation_at(kl(2026, 11, 21, 0, 30))
    new_york = Property.objects.get(pk=world.a.pk)
    new_york.timezone = "America/New_York"  # both instants are the morning of the 20th there
    assert compute_day(NOV_20, new_york).total_inquiries == 2
    assert compute_day(dt.date(2026, 11, 21), new_york).total_inquiries == 0


def _figures(aggregate: DailyAggregate) -> dict[str, object]:
    return {f.name: getattr(aggregate, f.name) for f in DailyAggregate._meta.fields if f.name not in {"computed_at"}}


def test_a_recomputed_day_is_identical(world, in_a):
    for hour, channel in [(9, Channel.WHATSAPP), (21, Channel.WEB), (23, Channel.EMAIL)]:
        conversation = conversation_at(
            kl(2026, 11, 20, hour),
            channel,
            after_hours=hour >= 21,
            handoff_after=60 if hour == 23 else None,
            staff_after=200 if hour == 23 else None,
        )
        lead_for(conversation, "450.00", after_hours=hour >= 21, created=kl(2026, 11, 20, hour, 5))
    first = _figures(compute_day(NOV_20))
    second = _figures(compute_day(NOV_20))
    assert first == second
    assert DailyAggregate.objects.filter(date=NOV_20).count() == 1
    assert first["total_inquiries"] == 3
    assert (first["whatsapp_inquiries"], first["web_inquiries"], first["email_inquiries"]) == (1, 1, 1)
    assert first["after_hours_inquiries"] == 2 and first["after_hours_leads"] == 2
    assert first["estimated_revenue_recovered"] == Decimal("900.00")
    assert first["handoffs"] == 1 and first["resolved_by_ai"] == 2


def test_a_conversation_waiting_for_the_guests_consent_is_not_resolved_by_the_ai(world, in_a):
    """An e-mail enquiry asked "Shall I pass this to our reservations team? (YES / NO)" and not answered yet."""
    waiting = conversation_at(kl(2026, 11, 20, 22), Channel.EMAIL, ai_after=2)
    lead_for(waiting, "450.00", after_hours=True, created=kl(2026, 11, 20, 22, 1), consent_status=ConsentStatus.ASKED)
    declined = conversation_at(kl(2026, 11, 20, 23), Channel.EMAIL, ai_after=2)
    lead_for(
        declined, "450.00", after_hours=True, created=kl(2026, 11, 20, 23, 1), consent_status=ConsentStatus.DECLINED
    )
    linked = conversation_at(kl(2026, 11, 20, 21), Channel.WHATSAPP, ai_after=2)  # the lead began on the first
    LeadConversation.objects.create(lead=Lead.objects.get(conversation=waiting), conversation=linked)
    assert compute_day(NOV_20).resolved_by_ai == 1  # the declined one: the guest's NO closed it


def test_bot_and_staff_first_response_times_are_kept_apart(world, in_a):
    # The AI answers in 2 s; the conversation is handed off at 10 s; a person answers at 130 s.
    conversation_at(kl(2026, 11, 20, 22), ai_after=2, handoff_after=10, staff_after=130)
    conversation_at(kl(2026, 11, 20, 10), ai_after=4)
    aggregate = compute_day(NOV_20)
    assert aggregate.ai_first_response_count == 2
    assert aggregate.ai_first_response_avg_seconds == 3.0
    assert aggregate.staff_first_response_count == 1
    # From the handoff, not from the guest's first message, and never the bot's 2 s.
    assert aggregate.staff_first_response_avg_seconds == 120.0


def test_a_handoff_nobody_answered_has_no_staff_time(world, in_a):
    conversation_at(kl(2026, 11, 20, 22), ai_after=2, handoff_after=10)
    aggregate = compute_day(NOV_20)
    assert aggregate.handoffs == 1
    assert aggregate.staff_first_response_count == 0 and aggregate.staff_first_response_avg_seconds is None


def test_figures_of_a_never_reach_b(world):
    with schema_context(world.a.schema_name):
        conversation_at(kl(2026, 11, 20, 22), after_hours=True)
        compute_day(NOV_20)
    with schema_context(world.b.schema_name):
        assert not DailyAggregate.objects.filter(date=NOV_20).exists()
        assert compute_day(NOV_20).total_inquiries == 0


def test_the_nightly_step_computes_local_yesterday_once(world, in_a, freeze_now):
    conversation_at(kl(2026, 11, 20, 23, 30))
    freeze_now(kl(2026, 11, 21, 0, 5))  # five minutes after local midnight
    assert compute_yesterday_if_due().date == NOV_20
    assert compute_yesterday_if_due() is None
    assert DailyAggregate.objects.get(date=NOV_20).total_inquiries == 1


def test_only_today_is_live_when_finished_days_have_no_nightly_row(world, in_a, freeze_now):
    """A new property's first week has no nightly rows: its finished days are computed on request, final."""
    freeze_now(kl(2026, 11, 25, 16, 0))
    conversation_at(kl(2026, 11, 23, 22), after_hours=True)
    rows = daily_rows(dt.date(2026, 11, 22), dt.date(2026, 11, 25))
    assert [(row.date.day, row.total_inquiries, row.live) for row in rows] == [
        (22, 0, False),
        (23, 1, False),
        (24, 0, False),
        (25, 0, True),
    ]
    page = host_client(world.a, world.manager_a).get("/analytics/?from=2026-11-22&to=2026-11-25").content.decode()
    assert page.count("(live)") == 1 and "Wed 25 Nov (live)" in page


def test_a_widget_visitor_is_counted_once_per_local_day(world, in_a, freeze_now):
    first, second = uuid.uuid4().hex, uuid.uuid4().hex  # the "seen" marks outlive a test run in Redis
    freeze_now(kl(2026, 11, 20, 23, 50))
    assert record_widget_visit(first) is True
    assert record_widget_visit(first) is False
    assert record_widget_visit(second) is True
    freeze_now(kl(2026, 11, 21, 0, 10))
    assert record_widget_visit(first) is True  # a new local day
    assert WidgetVisitDay.objects.get(date=NOV_20).visitors == 2
    assert compute_day(NOV_20).widget_visitors == 2


def test_concurrent_widget_visits_are_all_counted(committed_db):
    world = committed_db
    day = world.a.local_now().date()
    with schema_context(world.a.schema_name):
        before = WidgetVisitDay.objects.filter(date=day).values_list("visitors", flat=True).first() or 0
    errors: list[BaseException] = []

    def visit(index: int) -> None:
        try:
            with schema_context(world.a.schema_name):
                record_widget_visit(f"concurrent-{index}-{uuid.uuid4().hex}")
        except BaseException as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=visit, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    with schema_context(world.a.schema_name):
        assert WidgetVisitDay.objects.get(date=day).visitors == before + 12
