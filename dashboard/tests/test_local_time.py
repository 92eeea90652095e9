"""Every time a staff page shows is the hotel's own clock: the same instant reads 02:39 in Kuala Lumpur and
19:39 in London (summer time), and the zone is named once on the page."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_context

from analytics.models import GMReport
from conftest import host_client
from conversations import engine
from conversations.models import Conversation, Message, MessageRole
from core.timefmt import duration_words
from leads.models import Lead, LeadStatus, ReviewStatus

pytestmark = pytest.mark.django_db

# 18:39 UTC on 14 July 2026: 02:39 on the 15th in Kuala Lumpur (UTC+8), 19:39 on the 14th in London (BST).
MOMENT = dt.datetime(2026, 7, 14, 18, 39, tzinfo=dt.UTC)
EXPECTED = {
    "Asia/Kuala_Lumpur": {"clock": "02:39", "date": "2026-07-15", "day": "Wed 15 Jul 2026"},
    "Europe/London": {"clock": "19:39", "date": "2026-07-14", "day": "Tue 14 Jul 2026"},
}
PAGES = ["/", "/inbox/list/", "/conversations/{c}/", "/conversations/{c}/live/", "/leads/", "/leads/{l}/",
         "/after-hours/", "/reviews/", "/analytics/?from=2026-07-10&to=2026-07-16",
         "/analytics/reports/{r}/"]  # fmt: skip
CLOCK = re.compile(r"(?<![\d:])([01]?\d|2[0-3]):[0-5]\d(?![\d:])")
ZONE_BADGE = re.compile(r'<span class="zone" id="time-zone"[^>]*>(.*?)</span>', re.S)


def _shown_text(page: str) -> str:
    """What a person reads: no tags, attributes (machine-readable datetimes), scripts or the header's clock."""
    page = ZONE_BADGE.sub(" ", page)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'srcdoc="[^"]*"', " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def zone_restored(world) -> Iterator[None]:
    """The database change rolls back with the test; the shared `world` object must not keep the zone
    either, or a later test (and a real worker reading the database) would disagree about the hotel's day."""
    original = world.a.timezone
    yield
    world.a.timezone = original


def _plant(world, zone: str) -> dict[str, int]:
    world.a.timezone = zone
    world.a.save(update_fields=["timezone"])
    with schema_context(world.a.schema_name):
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        Message.objects.create(
            conversation=conversation, role=MessageRole.GUEST, content="Is the pool open tonight?", channel="web",
            created_at=MOMENT,
        )  # fmt: skip
        Conversation.objects.filter(pk=conversation.pk).update(
            last_message_at=MOMENT, started_at=MOMENT, is_after_hours=True
        )
        lead = Lead.objects.create(
            guest=conversation.guest, conversation=conversation, source_channel="web", guest_name="Timed Guest",
            is_after_hours=True, review_status=ReviewStatus.PENDING, intent="room_booking", status=LeadStatus.NEW,
        )  # fmt: skip
        Lead.objects.filter(pk=lead.pk).update(
            created_at=MOMENT,
            consent_at=MOMENT,
            score_history=[{"at": MOMENT.isoformat(), "reason": "rescore", "score": 40}],
        )
        report = GMReport.objects.create(
            report_date=dt.date(2026, 7, 14), recipient="gm@alpha.example", subject="Alpha: 3 inquiries",
            html="<p>report</p>", text="report", chart_png=b"", sent_at=MOMENT,
        )  # fmt: skip
    return {"c": conversation.pk, "l": lead.pk, "r": report.pk}


@pytest.mark.parametrize("zone", sorted(EXPECTED))
def test_every_staff_page_shows_times_in_the_hotels_zone(world, zone: str, zone_restored: None) -> None:
    ids = _plant(world, zone)
    expected = EXPECTED[zone]
    manager = host_client(world.a, world.manager_a)
    seen_clocks: set[str] = set()
    for page in PAGES:
        url = page.format(**ids)
        body = manager.get(url)
        assert body.status_code == 200, url
        content = body.content.decode()
        if not url.endswith("/live/") and not url.startswith("/inbox/list/"):  # fragments have no header
            badges = ZONE_BADGE.findall(content)
            assert len(badges) == 1 and zone in badges[0], (url, badges)
        clocks = {m.group(0) for m in CLOCK.finditer(_shown_text(content))}
        assert clocks <= {expected["clock"]}, (url, clocks)  # no UTC (18:39) or other zone anywhere
        seen_clocks |= clocks
        if "/leads/" in url or url == "/after-hours/":
            assert expected["date"] in content, url
    assert seen_clocks == {expected["clock"]}
    report_page = manager.get(f"/analytics/reports/{ids['r']}/").content.decode()
    assert f"sent {expected['day']}, {expected['clock']}" in _shown_text(report_page)


def test_durations_read_in_words() -> None:
    assert [duration_words(s) for s in (None, 2.54, 42, 775.785, 3900, 7200, 200000)] == [
        None, "2.5 s", "42 s", "13 min", "1 h 5 min", "2 h", "2 d",
    ]  # fmt: skip
