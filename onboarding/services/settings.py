"""A property's settings, gathered from the apps that own them, read and written as one.

Each concern ("section") has a form (validation), `load` (its current values, in the API's
shape) and `save` (writes what the form cleaned). `update_settings` validates every section
given before writing any, then writes them all in one transaction inside the property's schema
and audits what changed: a PUT with one bad value saves nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_tenants.utils import schema_context

from analytics.models import ReportSettings
from conversations.models import ChannelSettings, HandoffSettings, WhatsAppTemplate
from core import audit
from leads.models import LeadSettings, RoomRate
from leads.services.catalogue import knowledge_rates
from leads.tasks import rescore_leads
from onboarding import forms as section_forms
from privacy.models import RetentionSettings
from properties.models import WEEKDAYS, Property, User, WidgetKey
from properties.services import rotate_widget_key


class SettingsInvalid(ValidationError):
    """Errors per section and field: {"section": {"field": ["message", …]}}."""

    def __init__(self, errors: dict[str, dict[str, list[str]]]) -> None:
        super().__init__("Some settings are not valid; nothing was saved.")
        self.errors = errors


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    form: Callable[..., forms.Form]
    load: Callable[[Property], dict[str, Any]]
    save: Callable[[Property, dict[str, Any]], None]


# --- Loading and saving, per owner -------------------------------------------------------------


def _load_hours(property_: Property) -> dict[str, Any]:
    hours = property_.operating_hours or {}
    return {"timezone": property_.timezone, **{day: hours.get(day, []) for day in WEEKDAYS}}


def _save_hours(property_: Property, data: dict[str, Any]) -> None:
    property_.timezone = data["timezone"]
    property_.operating_hours = {day: data[day] for day in WEEKDAYS}
    property_.full_clean()
    property_.save(update_fields=["timezone", "operating_hours", "updated_at"])


def _load_greetings(property_: Property) -> dict[str, Any]:

    row = ChannelSettings.current()
    texts = row.greeting_texts or {}
    return {"enabled": row.greeting_enabled, **{code: texts.get(code, "") for code, _ in section_forms.LANGUAGES}}


def _save_greetings(property_: Property, data: dict[str, Any]) -> None:

    row = ChannelSettings.current()
    row.greeting_enabled = data["enabled"]
    row.greeting_texts = {
        **(row.greeting_texts or {}),
        **{code: data[code].strip() for code, _ in section_forms.LANGUAGES if data[code].strip()},
    }
    row.save(update_fields=["greeting_enabled", "greeting_texts"])


def _load_buffering(property_: Property) -> dict[str, Any]:

    return {"window_seconds": ChannelSettings.current().buffer_window_seconds}


def _save_buffering(property_: Property, data: dict[str, Any]) -> None:

    ChannelSettings.update_current(buffer_window_seconds=data["window_seconds"])


def _load_assistant(property_: Property) -> dict[str, Any]:

    row = ChannelSettings.current()
    return {"tone": row.ai_tone, "instructions": row.ai_instructions}


def _save_assistant(property_: Property, data: dict[str, Any]) -> None:

    ChannelSettings.update_current(ai_tone=data["tone"], ai_instructions=data["instructions"].strip())


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _load_leads(property_: Property) -> dict[str, Any]:

    row = LeadSettings.current()
    return {
        "qualified_threshold": row.qualified_threshold,
        "review_below_confidence": row.review_below_confidence,
        "urgency_days": row.urgency_days,
        "currency": row.currency,
        "default_room_rate": _money(row.default_room_rate),
        "event_rate_per_guest": _money(row.event_rate_per_guest),
        "fb_rate_per_cover": _money(row.fb_rate_per_cover),
        "room_rates": [
            {"name": r.name, "nightly_rate": _money(r.nightly_rate), "aliases": r.aliases}
            for r in RoomRate.objects.order_by("name")
        ],
    }


def _save_leads(property_: Property, data: dict[str, Any]) -> None:

    row = LeadSettings.current()
    for field in (
        "qualified_threshold",
        "review_below_confidence",
        "urgency_days",
        "currency",
        "default_room_rate",
        "event_rate_per_guest",
        "fb_rate_per_cover",
    ):
        setattr(row, field, data[field])
    row.full_clean()
    row.save()
    names = [r["name"] for r in data["room_rates"]]
    RoomRate.objects.exclude(name__in=names).delete()
    for rate in data["room_rates"]:
        RoomRate.objects.update_or_create(
            name=rate["name"], defaults={"nightly_rate": rate["nightly_rate"], "aliases": rate["aliases"]}
        )
    # Open leads are re-scored with the new thresholds and rates, as when saved in the tenant admin.
    transaction.on_commit(rescore_leads.delay)


def _load_handoff(property_: Property) -> dict[str, Any]:

    return {"alert_after_seconds": HandoffSettings.current().alert_after_seconds}


def _save_handoff(property_: Property, data: dict[str, Any]) -> None:

    HandoffSettings.objects.filter(pk=HandoffSettings.current().pk).update(
        alert_after_seconds=data["alert_after_seconds"]
    )


def _load_notifications(property_: Property) -> dict[str, Any]:

    report = ReportSettings.current()
    return {
        "notification_email": property_.notification_email,
        "report_enabled": report.enabled,
        "report_send_at": report.send_at.strftime("%H:%M"),
    }


def _save_notifications(property_: Property, data: dict[str, Any]) -> None:

    property_.notification_email = data["notification_email"].lower()
    property_.save(update_fields=["notification_email", "updated_at"])
    ReportSettings.update_current(enabled=data["report_enabled"], send_at=data["report_send_at"])


RETENTION_FIELDS = ("conversation_days", "lead_days", "greeting_state_days")


def retention_form(*args: Any, **kwargs: Any) -> forms.Form:
    """A form of privacy.RetentionSettings' own fields, so its validators (ranges) are the ones applied."""

    form_class = forms.modelform_factory(RetentionSettings, fields=RETENTION_FIELDS)
    return form_class(*args, **kwargs)


def _load_retention(property_: Property) -> dict[str, Any]:

    row = RetentionSettings.current()
    return {field: getattr(row, field) for field in RETENTION_FIELDS}


def _save_retention(property_: Property, data: dict[str, Any]) -> None:

    row = RetentionSettings.current()
    for field in RETENTION_FIELDS:
        setattr(row, field, data[field])
    row.save()


def usable_keys(property_: Property) -> list[WidgetKey]:
    now = timezone.now()
    return [k for k in WidgetKey.objects.filter(property=property_).order_by("id") if k.is_usable(now)]


def rotate_property_key(
    property_: Property, key_id: int, *, actor: User, request: HttpRequest | None = None
) -> tuple[WidgetKey, WidgetKey] | None:
    """Rotate the property's usable widget key `key_id` (`rotate_widget_key`: the old one keeps working for
    24 hours), audited; returns (the old key as it now stands, the new one), or None for no such key.

    A key already being replaced (it has an end) is refused, as the page offers no button for it: a second click or a
    retried request minted another live key each time. Checked under the key's row lock, so two at once make one."""
    with transaction.atomic():
        key = WidgetKey.objects.select_for_update().filter(pk=key_id, property=property_).first()
        if key is None or not key.is_usable():
            return None
        if key.expires_at is not None:
            raise ValidationError(
                {"widget_key": "This key is already being replaced (it stops within a day): rotate its successor."}
            )
        new = rotate_widget_key(key, actor=actor)
    audit.By(actor, property_, request).record(
        "settings.widget_key_rotated", "widget_key", key.pk, {"new_key_id": new.pk}
    )
    key.refresh_from_db()
    return key, new


def widget_form(*args: Any, property_: Property, **kwargs: Any) -> forms.Form:
    return section_forms.WidgetForm(*args, keys=usable_keys(property_), **kwargs)


def _load_widget(property_: Property) -> dict[str, Any]:
    return {
        "keys": [
            {
                "id": k.pk,
                "public_key": k.public_key,
                "allowed_origins": list(k.allowed_origins),
                "expires_at": k.expires_at.isoformat() if k.expires_at else None,
            }
            for k in usable_keys(property_)
        ]
    }


def _save_widget(property_: Property, data: dict[str, Any]) -> None:
    for name, origins in data.items():
        key_id = int(name.removeprefix("key_"))
        # Filtered on the property: a key id of another property changes nothing.
        WidgetKey.objects.filter(pk=key_id, property=property_).update(allowed_origins=origins)


def _load_templates(property_: Property) -> dict[str, Any]:

    return {
        "templates": [
            {"name": t.name, "language": t.language, "purpose": t.purpose, "approved": t.is_approved}
            for t in WhatsAppTemplate.objects.order_by("name", "language")
        ]
    }


def _save_templates(property_: Property, data: dict[str, Any]) -> None:

    keep = {(t["name"], t["language"]) for t in data["templates"]}
    for row in WhatsAppTemplate.objects.all():
        if (row.name, row.language) not in keep:
            row.delete()
    for t in data["templates"]:
        # Components (Meta's parameters) are kept: the settings page edits only what staff decide.
        WhatsAppTemplate.objects.update_or_create(
            name=t["name"], language=t["language"], defaults={"purpose": t["purpose"], "is_approved": t["approved"]}
        )


SECTIONS: dict[str, Section] = {
    s.name: s
    for s in [
        Section("hours", "Operating hours and timezone", section_forms.HoursForm, _load_hours, _save_hours),
        Section("greetings", "Greetings", section_forms.GreetingsForm, _load_greetings, _save_greetings),
        Section("buffering", "Buffering window", section_forms.BufferingForm, _load_buffering, _save_buffering),
        Section("assistant", "AI tone and instructions", section_forms.AssistantForm, _load_assistant, _save_assistant),
        Section("leads", "Lead thresholds and room rates", section_forms.LeadsForm, _load_leads, _save_leads),
        Section("handoff", "Handoff e-mail delay", section_forms.HandoffForm, _load_handoff, _save_handoff),
        Section(
            "notifications",
            "Notification address and report time",
            section_forms.NotificationsForm,
            _load_notifications,
            _save_notifications,
        ),
        Section("retention", "Retention periods", retention_form, _load_retention, _save_retention),
        Section("widget", "Widget keys and allowed origins", widget_form, _load_widget, _save_widget),
        Section("templates", "WhatsApp templates", section_forms.TemplatesForm, _load_templates, _save_templates),
    ]
}


def _form_data(name: str, values: Any) -> Any:
    """The API's section shape → form data (the widget section nests its keys)."""
    if name == "widget" and isinstance(values, dict) and isinstance(values.get("keys"), list):
        return {
            f"key_{k.get('id')}": k.get("allowed_origins", [])
            for k in values["keys"]
            if isinstance(k, dict) and str(k.get("id", "")).isdigit()
        } | {"_ids": [k.get("id") for k in values["keys"] if isinstance(k, dict)]}
    return values


def build_form(name: str, property_: Property, data: Any = None) -> forms.Form:
    """The section's form: bound to `data`, or unbound showing the current values (in the form's own field names)."""
    section = SECTIONS[name]
    kwargs: dict[str, Any] = {"property_": property_} if name == "widget" else {}
    if data is None:
        initial = _form_data(name, section.load(property_))
        initial.pop("_ids", None)
        return section.form(initial=initial, **kwargs)
    return section.form(data, **kwargs)


def get_settings(property_: Property) -> dict[str, Any]:
    with schema_context(property_.schema_name):
        return {name: section.load(property_) for name, section in SECTIONS.items()}


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def _validate(
    property_: Property, name: str, values: Any, *, partial: bool
) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    if not isinstance(values, dict):
        return None, {"__all__": ["Expected an object of this section's fields."]}
    data = _form_data(name, values)
    errors: dict[str, list[str]] = {}
    if name == "widget":
        keys = usable_keys(property_)
        known = {k.pk for k in keys}
        ids = data.pop("_ids", []) if isinstance(data, dict) else []
        unknown = [i for i in ids if not (str(i).isdigit() and int(i) in known)]
        if unknown:
            # The same words for another property's key and for no key at all: nothing is learnt.
            errors["keys"] = [f"Unknown widget key id(s): {', '.join(map(str, unknown))}."]
        if partial:
            data = {f"key_{k.pk}": list(k.allowed_origins) for k in keys} | dict(data)
    elif partial:
        # A partial section (an API PUT of one field) keeps the other fields' current values.
        data = {**_json(SECTIONS[name].load(property_)), **data}
    form = build_form(name, property_, data)
    if not form.is_valid():
        errors.update({field: list(messages) for field, messages in form.errors.items()})
    return (None if errors else form.cleaned_data), errors


def _current(property_: Property, name: str) -> dict[str, Any] | None:
    """The section's current state as its form cleans it; None when the stored state does not validate."""
    data, errors = _validate(property_, name, _json(SECTIONS[name].load(property_)), partial=False)
    return None if errors else data


def update_settings(
    property_: Property,
    changes: dict[str, Any],
    *,
    actor: User | None = None,
    request: HttpRequest | None = None,
    partial: bool = True,
) -> dict[str, Any]:
    """Validate every section in `changes`, then save them all in one transaction, audited; else save nothing.

    A section whose values equal its current state is not written at all (no save, no audit, no
    re-scoring of leads): saving a page unchanged changes nothing.

    `partial`: fields a section leaves out keep their values (the API); a page form posts every field
    (an unticked checkbox is simply absent), so it passes `partial=False`.
    Raises `SettingsInvalid` with every error of every section at once.
    """
    unknown = sorted(set(changes) - set(SECTIONS))
    with schema_context(property_.schema_name):
        errors: dict[str, dict[str, list[str]]] = {name: {"__all__": ["Unknown settings section."]} for name in unknown}
        cleaned: dict[str, dict[str, Any]] = {}
        for name, values in changes.items():
            if name in unknown:
                continue
            data, section_errors = _validate(property_, name, values, partial=partial)
            if section_errors:
                errors[name] = section_errors
            elif data != _current(property_, name):
                cleaned[name] = data  # type: ignore[assignment]
        if errors:
            raise SettingsInvalid(errors)
        with transaction.atomic():
            locked = Property.objects.select_for_update().get(pk=property_.pk)
            for name, data in cleaned.items():
                before = SECTIONS[name].load(locked)
                SECTIONS[name].save(locked, data)
                after = SECTIONS[name].load(locked)
                changed = sorted(k for k in after if _json(before.get(k)) != _json(after.get(k)))
                if changed:
                    audit.By(actor, locked, request).record(
                        f"settings.{name}.updated", "settings", name, {"fields": changed}
                    )
        # The caller's object is the one it answers from (the API's GET-shaped reply, the next wizard
        # step): it must show what was just saved, not what was read before.
        property_.refresh_from_db()
        return {name: SECTIONS[name].load(property_) for name in changes if name in SECTIONS}


def suggested_room_rates(property_: Property) -> list[dict[str, str]]:
    """The knowledge base's nightly rates, offered for confirmation while the rate table is empty."""
    with schema_context(property_.schema_name):
        if RoomRate.objects.exists():
            return []
        return [{"name": o.name, "nightly_rate": f"{o.rate:.2f}", "aliases": ""} for o in knowledge_rates()]


def confirm_suggested_room_rates(
    property_: Property, *, actor: User | None = None, request: HttpRequest | None = None
) -> list[dict[str, str]]:
    """Write the suggested rates as the property's room rates (validated, audited, leads re-scored)."""
    rates = suggested_room_rates(property_)
    if rates:
        update_settings(property_, {"leads": {"room_rates": rates}}, actor=actor, request=request)
    return rates
