"""The widget's visit door: key + origin checked, counted once per visitor session, in its own property."""

from __future__ import annotations

import time
import uuid

from django.test import Client
from django_tenants.utils import schema_context

from analytics.models import WidgetVisitDay
from conftest import host_client
from properties.models import WidgetKey


def _post(key: str, visitor: str, origin: str = "https://alpha.example"):
    return host_client(None).post(
        "/api/v1/widget/visits",
        {"key": key, "visitor_id": visitor},
        content_type="application/json",
        HTTP_ORIGIN=origin,
    )


def _visitors(property_) -> int:
    with schema_context(property_.schema_name):
        day = property_.local_now().date()
        return WidgetVisitDay.objects.filter(date=day).values_list("visitors", flat=True).first() or 0


def test_a_visitor_session_is_counted_once_in_its_own_property(world):
    key = WidgetKey.objects.create(property=world.a, allowed_origins=["https://alpha.example"])
    visitor = uuid.uuid4().hex
    before_a, before_b = _visitors(world.a), _visitors(world.b)
    assert _post(key.public_key, visitor).json() == {"counted": True}
    assert _post(key.public_key, visitor).json() == {"counted": False}
    assert _visitors(world.a) == before_a + 1
    assert _visitors(world.b) == before_b


def test_a_foreign_origin_or_unknown_key_counts_nothing(world):
    key = WidgetKey.objects.create(property=world.a, allowed_origins=["https://alpha.example"])
    before = _visitors(world.a)
    assert _post(key.public_key, uuid.uuid4().hex, origin="https://evil.example").status_code == 403
    assert _post("pk_unknown", uuid.uuid4().hex).status_code == 403
    assert _post(key.public_key, "x").status_code == 400
    assert _visitors(world.a) == before


def test_a_visit_flood_from_one_ip_inflates_nothing_and_silences_no_guest(world, settings):
    """Issue 18: 100 anonymous visit posts made every guest's start 429 and inflated the count."""
    settings.WIDGET_VISITS_PER_IP = 5
    key = WidgetKey.objects.create(property=world.a, allowed_origins=["https://alpha.example"])
    before = _visitors(world.a)
    started_at = time.monotonic()
    flood = [_post(key.public_key, uuid.uuid4().hex).status_code for _ in range(100)]
    refilled = (time.monotonic() - started_at) * 5 / 60  # the bucket refills 5 a minute while the flood runs
    assert 5 <= flood.count(200) <= 5 + refilled + 1 and set(flood) == {200, 429}
    assert _visitors(world.a) == before + flood.count(200)
    guest = Client(HTTP_HOST="localhost", HTTP_ORIGIN="https://alpha.example", REMOTE_ADDR="198.51.100.7")
    started = guest.post(
        "/api/v1/conversations",
        {"key": key.public_key, "consent": True, "consent_text": "I accept."},
        content_type="application/json",
    )
    assert started.status_code == 201
    visit = guest.post(
        "/api/v1/widget/visits",
        {"key": key.public_key, "visitor_id": uuid.uuid4().hex},
        content_type="application/json",
    )
    assert visit.json() == {"counted": True}
