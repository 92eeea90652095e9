"""One form per settings concern. The API and the pages validate through the same forms.

Each form's field names are the API's keys for that section (`GET/PUT …/settings`), so a message
such as `{"buffering": {"window_seconds": ["…"]}}` points at exactly what to fix.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

from onboarding.fields import DayHoursField, MoneyField, OriginsField, RowsField, parse_money
from properties.models import WEEKDAYS, Role, validate_operating_hours, validate_timezone

LANGUAGES = (("en", "English"), ("ms", "Bahasa Malaysia"))
_TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_TEMPLATE_LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
_PURPOSE = re.compile(r"^[a-z_]{1,32}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class TimezoneField(forms.CharField):
    default_validators = [validate_timezone]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("help_text", "IANA name, e.g. Asia/Kuala_Lumpur.")
        super().__init__(**kwargs)


class HoursForm(forms.Form):
    """Operating hours and timezone: the AI's after-hours note and the after-hours figures follow them."""

    timezone = TimezoneField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in WEEKDAYS:
            self.fields[day] = DayHoursField(
                required=False,
                label=day.capitalize(),
                help_text="e.g. 09:00-18:00; split 07:00-12:00, 14:00-23:00; overnight 22:00-06:00 (empty: closed)",
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for day in WEEKDAYS:
            if day in cleaned:
                try:
                    validate_operating_hours({day: cleaned[day]})
                except ValidationError as exc:
                    self.add_error(day, exc)
        if not self.errors:
            try:  # across days: an overnight range must not run into the next day's hours
                validate_operating_hours({day: cleaned.get(day) or [] for day in WEEKDAYS})
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


class GreetingsForm(forms.Form):
    """The once-a-day greeting on WhatsApp, per language."""

    enabled = forms.BooleanField(required=False)
    en = forms.CharField(label="English", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    ms = forms.CharField(
        label="Bahasa Malaysia", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("enabled"):
            for code, name in LANGUAGES:
                if code in cleaned and not cleaned[code].strip():
                    self.add_error(code, f"Write the greeting in {name}, or turn greetings off.")
        return cleaned


class BufferingForm(forms.Form):
    window_seconds = forms.FloatField(
        label="Buffering window (seconds)",
        validators=[MinValueValidator(0.0), MaxValueValidator(30.0)],
        help_text="Messages a guest sends within this window are answered together (0–30 s).",
    )


class AssistantForm(forms.Form):
    tone = forms.CharField(
        max_length=120, required=False, help_text='e.g. "warm, concise and professional" (empty: that default).'
    )
    instructions = forms.CharField(
        label="Extra instructions",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Added below the guardrails; they cannot override them.",
    )

    def clean_tone(self) -> str:
        tone = " ".join(self.cleaned_data["tone"].split())
        return tone


class LeadsForm(forms.Form):
    """Thresholds of the lead rubric, and the rates a lead's value is estimated from."""

    qualified_threshold = forms.IntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(100)], help_text="Score (0–100) from which a lead counts."
    )
    review_below_confidence = forms.FloatField(
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Confidence (0–1) under which staff review.",
    )
    urgency_days = forms.IntegerField(validators=[MinValueValidator(1), MaxValueValidator(365)])
    currency = forms.CharField(max_length=3, help_text="ISO 4217, e.g. MYR.")
    default_room_rate = MoneyField(
        required=False, help_text="Nightly rate when the room type has none, e.g. 350 or RM 350. Empty: none."
    )
    event_rate_per_guest = MoneyField(required=False, help_text="Per guest, e.g. RM 120. Empty: no event value.")
    fb_rate_per_cover = MoneyField(required=False, help_text="Per cover, e.g. RM 60. Empty: no F&B value.")
    room_rates = RowsField(
        columns=("name", "nightly_rate", "aliases"),
        help_text="One room type per line: name | nightly rate | aliases (comma-separated).",
    )

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if not _CURRENCY.match(currency):
            raise ValidationError("Use a three-letter ISO 4217 code, e.g. MYR.")
        return currency

    def _amount(self, name: str) -> Decimal | None:
        value = self.cleaned_data[name]
        if value == "":
            return None
        return parse_money(value, currency=self.cleaned_data.get("currency"))

    def clean_default_room_rate(self) -> Decimal | None:
        return self._amount("default_room_rate")

    def clean_event_rate_per_guest(self) -> Decimal | None:
        return self._amount("event_rate_per_guest")

    def clean_fb_rate_per_cover(self) -> Decimal | None:
        return self._amount("fb_rate_per_cover")

    def clean_room_rates(self) -> list[dict[str, Any]]:
        rows, errors, seen = [], [], set()
        for number, row in enumerate(self.cleaned_data["room_rates"], start=1):
            name = str(row.get("name") or "").strip()
            where = f"Room {number}" + (f" ({name})" if name else "")
            if not name:
                errors.append(f"{where}: a name is required.")
                continue
            if len(name) > 120:
                errors.append(f"{where}: the name is longer than 120 characters.")
                continue
            if name.lower() in seen:
                errors.append(f"{where}: listed twice.")
                continue
            seen.add(name.lower())
            try:
                rate = parse_money(row.get("nightly_rate", ""), where, self.cleaned_data.get("currency"))
            except ValidationError as exc:
                errors.extend(exc.messages)
                continue
            aliases = row.get("aliases") or ""
            if isinstance(aliases, list):
                aliases = ", ".join(str(a) for a in aliases)
            if len(str(aliases)) > 400:
                errors.append(f"{where}: aliases are longer than 400 characters.")
                continue
            rows.append({"name": name, "nightly_rate": rate, "aliases": str(aliases).strip()})
        if errors:
            raise ValidationError(errors)
        return rows


class HandoffForm(forms.Form):
    alert_after_seconds = forms.IntegerField(
        label="Handoff e-mail delay (seconds)",
        validators=[MinValueValidator(60), MaxValueValidator(86400)],
        help_text="E-mail the notification address if nobody takes over within this time (60 s – 24 h).",
    )


class NotificationsForm(forms.Form):
    notification_email = forms.EmailField(help_text="Handoff alerts and the GM's daily report go here.")
    report_enabled = forms.BooleanField(required=False, label="Send the daily report")
    report_send_at = forms.TimeField(
        label="Report time", input_formats=["%H:%M", "%H:%M:%S"], help_text="HH:MM, the property's local time."
    )


class RetentionForm(forms.Form):
    """Built from privacy.RetentionSettings' own fields and validators (see `retention_form`)."""


class WidgetForm(forms.Form):
    """Allowed origins of each of the property's usable widget keys (one field per key: key_<id>)."""

    def __init__(self, *args: Any, keys: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.keys = list(keys)
        for key in self.keys:
            self.fields[f"key_{key.pk}"] = OriginsField(
                required=False, label=f"{key.public_key} — allowed origins", help_text="One per line."
            )


class TemplatesForm(forms.Form):
    templates = RowsField(
        columns=("name", "language", "purpose", "approved"),
        help_text="One per line: name | language (en, ms, en_US) | purpose (reengage) | approved (yes/no).",
    )

    def clean_templates(self) -> list[dict[str, Any]]:
        rows, errors, seen = [], [], set()
        for number, row in enumerate(self.cleaned_data["templates"], start=1):
            name = str(row.get("name") or "").strip()
            language = str(row.get("language") or "en").strip()
            purpose = str(row.get("purpose") or "reengage").strip()
            approved = row.get("approved", row.get("is_approved", False))
            where = f"Template {number}" + (f" ({name})" if name else "")
            if not _TEMPLATE_NAME.match(name):
                errors.append(f"{where}: the name must be lowercase letters, digits and underscores, as in Meta.")
                continue
            if not _TEMPLATE_LANGUAGE.match(language):
                errors.append(f"{where}: {language!r} is not a language code such as en, ms or en_US.")
                continue
            if not _PURPOSE.match(purpose):
                errors.append(f"{where}: {purpose!r} is not a purpose such as reengage.")
                continue
            if isinstance(approved, str):
                if approved.strip().lower() not in {"", "yes", "no", "true", "false", "1", "0"}:
                    errors.append(f"{where}: approved must be yes or no.")
                    continue
                approved = approved.strip().lower() in {"yes", "true", "1"}
            if (name, language) in seen:
                errors.append(f"{where}: {name} in {language} is listed twice.")
                continue
            seen.add((name, language))
            rows.append({"name": name, "language": language, "purpose": purpose, "approved": bool(approved)})
        if errors:
            raise ValidationError(errors)
        return rows


# --- Staff -------------------------------------------------------------------------------------


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=[(Role.AGENT, "Agent"), (Role.VIEWER, "Viewer (read-only)")])

    def __init__(self, *args: Any, allow_manager: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if allow_manager:
            self.fields["role"].choices = Role.choices


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class AcceptForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, strip=False, required=False)
