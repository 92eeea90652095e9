"""The GM's daily report shows the top questions we could not answer, and gaps opened and closed that day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from analytics.services.report import build_report
from gaps.services.inbox import dismiss_gap

pytestmark = pytest.mark.django_db


def test_the_report_lists_the_most_asked_gaps_with_a_link_to_the_inbox(world, ask_unanswered, settings) -> None:
    settings.STAFF_URL_TEMPLATE = "https://{host}"
    with schema_context(world.b.schema_name):
        ask_unanswered("is there a helipad")  # B's: never in A's report
    with schema_context(world.a.schema_name):
        ask_unanswered("can I rent a bike")
        bike = ask_unanswered("bicycle hire? call me on +60 12-345 6789")
        umbrella = ask_unanswered("can I borrow an umbrella")
        dismiss_gap(umbrella.pk, user=world.manager_a, reason="not_a_question")
        today = timezone.localtime(timezone.now(), world.a.tzinfo).date()
        report = build_report(today)
    assert "Top questions we could not answer" in report.html and "Top questions we could not answer" in report.text
    link = f"https://alpha.{settings.BASE_DOMAIN}/gaps/{bike.pk}/"
    assert f'<a href="{link}">' in report.html and "2×" in report.html
    assert "helipad" not in report.html and "umbrella" not in report.html  # B's, and a closed one
    assert "345 6789" not in report.html  # the guest's contact details are masked in an e-mail
    assert "New unanswered questions: 2 (week before: 0" in report.text
    assert "Unanswered questions closed: 1 (week before: 0" in report.text


def test_a_day_without_gaps_says_so(world) -> None:
    with schema_context(world.a.schema_name):
        report = build_report(dt.date(2026, 1, 5))
    assert "None: the assistant had an answer for every question." in report.text
