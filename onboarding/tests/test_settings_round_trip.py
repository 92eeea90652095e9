"""Settings that cannot lose data: every section round-trips (load → save unchanged → identical state),
through the API and through the page's own forms; a section nobody changed is never written; changing
one field changes that field only. Plus the bugs that lost data before (issue 19)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from conftest import host_client
from leads.tasks import rescore_leads
from onboarding.models import OnboardingProgress
from onboarding.services.settings import SECTIONS, get_settings, update_settings
from properties.models import WidgetKey
from testsupport.forms import submitted_fields

pytestmark = pytest.mark.django_db

# Only writes count: reads are free. Sessions and login-throttling rows belong to signing in, not to settings.
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
_NOT_SETTINGS = ("django_session", "axes_")


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if _WRITE.match(q["sql"]) and not any(t in q["sql"] for t in _NOT_SETTINGS)
    ]


def CONFIGURED(key: WidgetKey) -> dict[str, Any]:
    """A value in every field of every section, so a lost value would show."""
    return {
        "hours": {
            "timezone": "Asia/Kuala_Lumpur",
            "mon": [["07:00", "12:00"], ["14:00", "23:00"]],
            "tue": [["09:00", "18:00"]],
            "sat": [["22:00", "06:00"]],
        },
        "greetings": {"enabled": True, "en": "Welcome to Alpha!", "ms": "Selamat datang ke Alpha!"},
        "buffering": {"window_seconds": 2.5},
        "assistant": {"tone": "warm and brief", "instructions": "Mention the free parking."},
        "leads": {
            "qualified_threshold": 65,
            "review_below_confidence": 0.45,
            "urgency_days": 10,
            "currency": "MYR",
            "default_room_rate": "300",
            "event_rate_per_guest": "120",
            "fb_rate_per_cover": "60",
            "room_rates": [
                {"name": "Deluxe King", "nightly_rate": "420.50", "aliases": "king, deluxe"},
                {"name": "Family Suite", "nightly_rate": "650", "aliases": ""},
            ],
        },
        "handoff": {"alert_after_seconds": 420},
        "notifications": {"notification_email": "gm@alpha.example", "report_enabled": True, "report_send_at": "07:30"},
        "retention": {"conversation_days": 120, "lead_days": 400, "greeting_state_days": 20},
        "widget": {"keys": [{"id": key.pk, "allowed_origins": ["https://alpha.example", "http://localhost:8000"]}]},
        "templates": {
            "templates": [{"name": "reengage_en", "language": "en", "purpose": "reengage", "approved": True}]
        },
    }


@pytest.fixture
def configured(world: Any) -> Any:
    key = WidgetKey.objects.create(property=world.a, allowed_origins=["https://alpha.example"], is_active=True)
    update_settings(world.a, CONFIGURED(key))
    world.a.refresh_from_db()
    return world


def current(property_: Any) -> dict[str, Any]:
    property_.refresh_from_db()  # the page saved through its own copy of the property
    return get_settings(property_)


def flat(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = json.dumps(value, sort_keys=True, default=str)
    return out


def test_every_section_and_every_api_field_round_trips_unchanged_through_the_api(
    configured: Any, django_capture_on_commit_callbacks: Any
) -> None:
    world = configured
    client = host_client(None, world.manager_a)
    before = client.get(f"/api/v1/properties/{world.a.pk}/settings").json()
    assert set(before) == set(SECTIONS)
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
        response = client.put(
            f"/api/v1/properties/{world.a.pk}/settings", data=json.dumps(before), content_type="application/json"
        )
    assert response.status_code == 200, response.content
    assert response.json() == before
    assert client.get(f"/api/v1/properties/{world.a.pk}/settings").json() == before
    assert writes(queries) == [], "an unchanged section was written"
    assert callbacks == [], "saving nothing new must not re-score leads or announce anything"


def test_every_section_of_the_settings_page_saved_unchanged_leaves_every_value(
    configured: Any, django_capture_on_commit_callbacks: Any
) -> None:
    world = configured
    client = host_client(world.a, world.manager_a)
    before = get_settings(world.a)
    forms = submitted_fields(client.get("/settings/").content.decode())
    assert {f"form-{name}" for name in SECTIONS} <= set(forms)
    # The widget section shows the key's origins (it showed nothing, and saving it erased them).
    key = WidgetKey.objects.get(property=world.a)
    assert dict(forms["form-widget"])[f"key_{key.pk}"] == "https://alpha.example\nhttp://localhost:8000"
    for name in SECTIONS:
        fields = [(k, v) for k, v in forms[f"form-{name}"] if k != "csrfmiddlewaretoken"]
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
            response = client.post(f"/settings/{name}/", _multi(fields))
        assert response.status_code == 302, (name, response.content.decode()[-2000:])
        assert writes(queries) == [], f"saving {name} unchanged wrote to the database"
        assert callbacks == [], name
    assert current(world.a) == before


# One new value per section, written as a manager would type it on the page.
ONE_CHANGE = {
    "hours": ("wed", "10:00-16:00", "hours.wed"),
    "greetings": ("en", "Hello from Alpha!", "greetings.en"),
    "buffering": ("window_seconds", "4", "buffering.window_seconds"),
    "assistant": ("tone", "formal", "assistant.tone"),
    "leads": ("default_room_rate", "RM 650", "leads.default_room_rate"),
    "handoff": ("alert_after_seconds", "900", "handoff.alert_after_seconds"),
    "notifications": ("report_send_at", "09:15", "notifications.report_send_at"),
    "retention": ("lead_days", "500", "retention.lead_days"),
    "widget": (None, "https://alpha.example\nhttps://book.alpha.example", "widget.keys"),
    "templates": (
        "templates",
        "reengage_en | en | reengage | yes\nreengage_ms | ms | reengage | no",
        "templates.templates",
    ),
}


def test_changing_one_field_of_each_section_on_the_page_changes_that_field_only(configured: Any) -> None:
    world = configured
    client = host_client(world.a, world.manager_a)
    key = WidgetKey.objects.get(property=world.a)
    assert set(ONE_CHANGE) == set(SECTIONS)
    for name, (field, value, changed) in ONE_CHANGE.items():
        before = flat(current(world.a))
        forms = submitted_fields(client.get("/settings/").content.decode())
        fields = dict(forms[f"form-{name}"])
        fields[field or f"key_{key.pk}"] = value
        response = client.post(f"/settings/{name}/", fields)
        assert response.status_code == 302, (name, response.content.decode()[-2000:])
        after = flat(current(world.a))
        assert {k for k in after if after[k] != before.get(k)} == {changed}, name
    assert current(world.a)["leads"]["default_room_rate"] == "650.00"


def _multi(fields: list[tuple[str, str]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in fields:
        data.setdefault(key, []).append(value)
    return data


# --- The bugs, each named for the behaviour --------------------------------------------------------


def test_the_settings_page_shows_a_keys_origins_and_saving_it_keeps_them(world: Any) -> None:
    key = WidgetKey.objects.create(property=world.a, allowed_origins=["https://alpha.example"])
    client = host_client(world.a, world.manager_a)
    form = submitted_fields(client.get("/settings/").content.decode())["form-widget"]
    assert dict(form)[f"key_{key.pk}"] == "https://alpha.example"
    assert client.post("/settings/widget/", dict(form)).status_code == 302
    key.refresh_from_db()
    assert key.allowed_origins == ["https://alpha.example"]


def test_the_first_widget_key_of_a_property_made_outside_the_wizard_is_active(world: Any) -> None:
    # `create_property` (manage.py, seed_demo) leaves no progress row: the property already serves guests.
    OnboardingProgress.objects.filter(property=world.a).delete()
    response = host_client(None, world.manager_a).post(
        f"/api/v1/properties/{world.a.pk}/onboard",
        data=json.dumps({"step": "widget", "data": {"allowed_origins": ["https://alpha.example"]}}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    key = WidgetKey.objects.get(public_key=body["widget_key"])
    assert key.is_active, "the property reports itself live, so its key must work"
    assert body["live"] is True and body["missing"] == [] and body["next_step"] == "live"


def test_a_settings_put_answers_with_the_values_it_saved(world: Any) -> None:
    response = host_client(None, world.manager_a).put(
        f"/api/v1/properties/{world.a.pk}/settings",
        data=json.dumps(
            {
                "hours": {"timezone": "Asia/Singapore", "fri": [["10:00", "20:00"]]},
                "notifications": {"notification_email": "night@alpha.example"},
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["hours"]["timezone"] == "Asia/Singapore" and body["hours"]["fri"] == [["10:00", "20:00"]]
    assert body["notifications"]["notification_email"] == "night@alpha.example"


@pytest.mark.parametrize(
    "written, stored",
    [("RM 650", "650.00"), ("RM650", "650.00"), ("MYR 1,200.50", "1200.50"), ("650 MYR", "650.00"), ("650", "650.00")],
)
def test_room_rates_written_with_the_currency_are_accepted(world: Any, written: str, stored: str) -> None:
    saved = update_settings(
        world.a,
        {"leads": {"default_room_rate": written, "room_rates": [{"name": "Deluxe", "nightly_rate": written}]}},
    )
    assert saved["leads"]["default_room_rate"] == stored
    assert saved["leads"]["room_rates"][0]["nightly_rate"] == stored


@pytest.mark.parametrize("written", ["USD 650", "S$650", "650 EUR", "RM 650 MYR", "six hundred", "1,20,0"])
def test_a_rate_in_another_currency_or_not_an_amount_is_refused_with_a_reason(world: Any, written: str) -> None:
    response = host_client(None, world.manager_a).put(
        f"/api/v1/properties/{world.a.pk}/settings",
        data=json.dumps({"leads": {"default_room_rate": written}}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["leads"]["default_room_rate"]
    with schema_context(world.a.schema_name):
        from leads.models import LeadSettings

        assert LeadSettings.current().default_room_rate != Decimal("650")


def test_saving_lead_settings_unchanged_does_not_rescore_the_leads(
    configured: Any, django_capture_on_commit_callbacks: Any
) -> None:
    world = configured
    leads = get_settings(world.a)["leads"]
    with django_capture_on_commit_callbacks() as callbacks:
        update_settings(world.a, {"leads": leads})
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        update_settings(world.a, {"leads": {**leads, "qualified_threshold": 70}})
    # A real change re-scores, once, on commit (beside it, the workers' settings cache is told of the change).
    assert callbacks.count(rescore_leads.delay) == 1
