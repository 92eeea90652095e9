"""Onboarding: a property from nothing to live, step by step; each step validates and saves on its own.

Steps: details (and timezone) → hours → channels (WhatsApp + test message, inbound e-mail, widget key
and origins) → knowledge (upload with preview) → try questions → go live. The checklist reads the
real state (bindings, embedded knowledge) as well as what the wizard recorded, so it stays true
when something is changed elsewhere (the admin, the settings page). Channels bound before going
live stay inactive, so no guest reaches a half-configured assistant; going live activates them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django_tenants.utils import schema_context

from conversations import engine
from core import audit, settings_cache
from knowledge.models import EmbeddingStatus, IngestionJob, KnowledgeItem
from knowledge.services.parsers import IngestError, ParsedItem
from knowledge.services.upload import Preview, confirm_upload, preview_or_receive, summary
from messaging.base import OutboundMessage
from messaging.whatsapp import errors as whatsapp_errors
from messaging.whatsapp.adapter import WhatsAppAdapter
from onboarding.fields import OriginsField
from onboarding.forms import TimezoneField
from onboarding.models import OnboardingProgress
from onboarding.services import bindings
from onboarding.services.settings import update_settings
from properties.models import (
    EmailBinding,
    PendingEmailBinding,
    PlanTier,
    Property,
    User,
    WhatsAppBinding,
    WidgetKey,
    slug_validator,
)
from properties.services import NewProperty, create_property

STEPS = ("details", "hours", "channels", "knowledge", "try", "live")
STEP_TITLES = {
    "details": "Property details",
    "hours": "Operating hours",
    "channels": "Channels",
    "knowledge": "Knowledge",
    "try": "Try questions",
    "live": "Go live",
}
_DIGITS = re.compile(r"^\d{5,64}$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,32}$")


class DetailsForm(forms.Form):
    name = forms.CharField(max_length=200)
    timezone = TimezoneField()
    country = forms.CharField(max_length=2, min_length=2, help_text="ISO 3166 code, e.g. MY.")
    notification_email = forms.EmailField(help_text="Handoff alerts and the daily report go here.")
    website = forms.URLField(required=False, assume_scheme="https")

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].upper()
        if not country.isalpha():
            raise ValidationError("Use a two-letter ISO 3166 code, e.g. MY.")
        return country


class NewPropertyForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.CharField(
        max_length=41,
        validators=[slug_validator],
        # Written out, not as "{slug}.<base domain>": a browser takes "<base domain>" for a tag and shows "{slug}.."
        help_text=f"Its address: grand-hotel → grand-hotel.{settings.BASE_DOMAIN}. Lowercase letters, digits, hyphens.",
    )
    timezone = TimezoneField(initial="Asia/Kuala_Lumpur")
    country = forms.CharField(max_length=2, min_length=2, initial="MY")
    notification_email = forms.EmailField(required=False)
    website = forms.URLField(required=False, assume_scheme="https")
    plan = forms.ChoiceField(choices=PlanTier.choices, initial=PlanTier.STARTER)

    def clean_country(self) -> str:
        return self.cleaned_data["country"].upper()


class WhatsAppForm(forms.Form):
    phone_number_id = forms.CharField(label="Phone number id", max_length=64, help_text="From Meta's WhatsApp Manager.")
    display_phone_number = forms.CharField(max_length=32, help_text="As guests see it, e.g. +60 12-345 6789.")
    access_token = forms.CharField(max_length=1000, widget=forms.PasswordInput(render_value=False))
    waba_id = forms.CharField(label="WhatsApp Business account id", max_length=64, required=False)

    def clean_phone_number_id(self) -> str:
        value = self.cleaned_data["phone_number_id"].strip()
        if not _DIGITS.match(value):
            raise ValidationError("Meta's phone number id is a number (digits only).")
        return value

    def clean_display_phone_number(self) -> str:
        value = self.cleaned_data["display_phone_number"].strip()
        if not _PHONE.match(value):
            raise ValidationError("Enter the number as guests dial it, e.g. +60 12-345 6789.")
        return value


class TestMessageForm(forms.Form):
    to = forms.CharField(label="Your WhatsApp number", max_length=32, help_text="With country code, e.g. +60123456789.")

    def clean_to(self) -> str:
        digits = re.sub(r"[^0-9]", "", self.cleaned_data["to"])
        if not 6 <= len(digits) <= 15:
            raise ValidationError("Enter a phone number with its country code, e.g. +60123456789.")
        return f"+{digits}"


class EmailForm(forms.Form):
    address = forms.EmailField(label="Inbound e-mail address", help_text="Guests' mail to this address is answered.")
    from_name = forms.CharField(max_length=200, required=False)


class WidgetOriginsForm(forms.Form):
    allowed_origins = OriginsField(help_text="The hotel website's origins, one per line, e.g. https://hotel.example.")


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    step: str
    done: bool
    required: bool


def start(property_: Property) -> OnboardingProgress:
    """A property created for onboarding (the API, the new-property page) starts not live."""
    progress, _ = OnboardingProgress.objects.get_or_create(property=property_)
    return progress


def create_for_onboarding(spec: NewProperty, *, actor: User, request: HttpRequest | None = None) -> Property:
    """A platform admin's new property (the API, the new-property page): created, not live, audited.
    A spec the property service refuses raises its `ValidationError`."""
    property_ = create_property(spec)
    start(property_)
    audit.By(actor, property_, request).record("property.created", "property", property_.pk)
    return property_


def progress_of(property_: Property) -> OnboardingProgress:
    """Its progress. A property made before or outside the wizard (`manage.py create_property`,
    `seed_demo`) was already serving guests: it counts as live, so a channel bound through the wizard
    later is switched on at once rather than silently left off."""
    progress, _ = OnboardingProgress.objects.get_or_create(
        property=property_, defaults={"live_at": property_.created_at or timezone.now()}
    )
    return progress


def _progress_row(property_: Property) -> QuerySet[OnboardingProgress]:
    """Its progress row as a queryset, to lock or to update in place (made first if the property has none)."""
    return OnboardingProgress.objects.filter(pk=progress_of(property_).pk)


def is_live(property_: Property) -> bool:
    """Read through `progress_of`, the one place that decides what a property without a progress row is:
    asking before the row exists must give the answer the report gives afterwards."""
    return progress_of(property_).live_at is not None


def _embedded_knowledge(property_: Property) -> int:
    with schema_context(property_.schema_name):
        return KnowledgeItem.objects.filter(is_active=True, embedding_status=EmbeddingStatus.READY).count()


def checklist(property_: Property) -> list[ChecklistItem]:
    progress = progress_of(property_)
    done = set(progress.completed_steps)
    wa = WhatsAppBinding.objects.filter(property=property_).exists()
    widget = any(k.allowed_origins for k in WidgetKey.objects.filter(property=property_, expires_at__isnull=True))
    email = EmailBinding.objects.filter(property=property_).exists()
    return [
        ChecklistItem("details", "Property details and timezone", "details", "details" in done, True),
        ChecklistItem("hours", "Operating hours", "hours", "hours" in done, True),
        ChecklistItem(
            "channel", "At least one channel (widget, WhatsApp or e-mail)", "channels", wa or widget or email, True
        ),
        ChecklistItem("widget", "Widget key with its allowed origins", "channels", widget, False),
        ChecklistItem("whatsapp", "WhatsApp number connected", "channels", wa, False),
        # A bound number must have proved it can send before guests are promised answers on it.
        ChecklistItem(
            "whatsapp_test", "WhatsApp test message sent", "channels", progress.whatsapp_tested_at is not None, wa
        ),
        ChecklistItem("email", "Inbound e-mail address", "channels", email, False),
        ChecklistItem(
            "knowledge", "Knowledge uploaded and embedded", "knowledge", _embedded_knowledge(property_) > 0, True
        ),
        ChecklistItem("try", "A question tried against the knowledge", "try", progress.questions_tried > 0, True),
        ChecklistItem("live", "Live", "live", progress.live_at is not None, True),
    ]


def missing(property_: Property) -> list[ChecklistItem]:
    """What stands between the property and going live; nothing once it is live (it already serves guests)."""
    if is_live(property_):
        return []
    return [item for item in checklist(property_) if item.required and not item.done and item.key != "live"]


def next_step(property_: Property) -> str:
    left = missing(property_)
    return left[0].step if left else "live"


def report(property_: Property) -> dict[str, Any]:
    items = checklist(property_)
    progress = progress_of(property_)
    return {
        "property_id": property_.pk,
        "live": progress.live_at is not None,
        "live_at": progress.live_at.isoformat() if progress.live_at else None,
        "next_step": next_step(property_),
        "checklist": [asdict(item) for item in items],
        "missing": [item.key for item in missing(property_)],
    }


def _mark(property_: Property, step: str) -> None:
    with transaction.atomic():
        progress = _progress_row(property_).select_for_update().get()
        if step not in progress.completed_steps:
            progress.completed_steps = [*progress.completed_steps, step]
            progress.save(update_fields=["completed_steps", "updated_at"])


def _form_or_raise(form: forms.Form) -> dict[str, Any]:
    if not form.is_valid():
        raise ValidationError({field: list(messages) for field, messages in form.errors.items()})
    return form.cleaned_data


# --- Steps ---------------------------------------------------------------------------------------


def save_details(property_: Property, data: Any, *, actor: User, request: HttpRequest | None = None) -> Property:
    cleaned = _form_or_raise(DetailsForm(data))
    with transaction.atomic():
        property_ = Property.objects.select_for_update().get(pk=property_.pk)
        for field, value in cleaned.items():
            setattr(property_, field, value.lower() if field == "notification_email" else value)
        property_.full_clean()
        property_.save()
        audit.By(actor, property_, request).record(
            "onboarding.details", "property", property_.pk, {"fields": sorted(cleaned)}
        )
        _mark(property_, "details")
    return property_


def save_hours(property_: Property, data: Any, *, actor: User, request: HttpRequest | None = None) -> None:
    """The hours step is the settings page's hours form; the timezone stays the one of the details step."""
    values = {key: data.get(key) for key in data}
    values.setdefault("timezone", property_.timezone)
    update_settings(property_, {"hours": values}, actor=actor, request=request, partial=False)
    _mark(property_, "hours")


def save_whatsapp(
    property_: Property, data: Any, *, actor: User, request: HttpRequest | None = None
) -> WhatsAppBinding:
    """Bind a number once Meta confirms the token may use it (onboarding/services/bindings.py)."""
    cleaned = _form_or_raise(WhatsAppForm(data))
    bindings.verify_whatsapp_number(property_, cleaned["phone_number_id"], cleaned["access_token"])
    with transaction.atomic():
        if (
            WhatsAppBinding.objects.filter(phone_number_id=cleaned["phone_number_id"])
            .exclude(property=property_)
            .exists()
        ):  # bound elsewhere while Meta was asked
            raise ValidationError({"phone_number_id": bindings.NUMBER_UNVERIFIED})
        binding, created = WhatsAppBinding.objects.update_or_create(
            property=property_,
            phone_number_id=cleaned["phone_number_id"],
            defaults={
                "display_phone_number": cleaned["display_phone_number"],
                "access_token": cleaned["access_token"],
                "waba_id": cleaned["waba_id"],
                "is_active": is_live(property_),
            },
        )
        # A new number or token has not been tested yet.
        _progress_row(property_).update(whatsapp_tested_at=None)
        audit.By(actor, property_, request).record(
            "onboarding.whatsapp_bound", "whatsapp_binding", binding.pk, {"created": created}
        )
    return binding


def send_test_message(property_: Property, data: Any, *, actor: User, request: HttpRequest | None = None) -> str:
    """Send a real WhatsApp message from the property's number to `to`; returns Meta's message id.

    Free text first; a number that never wrote to the hotel is outside the 24-hour window, so Meta's
    `hello_world` template (present in every WhatsApp Business account) goes instead.
    """
    to = _form_or_raise(TestMessageForm(data))["to"]
    binding = WhatsAppBinding.objects.filter(property=property_).order_by("-id").first()
    if binding is None:
        raise ValidationError({"to": "Connect the WhatsApp number first."})
    text = f"Test message from {property_.name} on Nocturn AI: your WhatsApp number is connected."
    try:
        with WhatsAppAdapter.from_settings(
            binding.phone_number_id, binding.access_token, schema=property_.schema_name
        ) as adapter:
            try:
                result = adapter.send(OutboundMessage(channel="whatsapp", recipient_id=to, text=text))
            except whatsapp_errors.OutsideWindow:
                result = adapter.send_template(to, "hello_world", "en_US")
    except whatsapp_errors.TokenExpired as exc:
        raise ValidationError(
            {"to": f"Meta refused the access token ({exc}). Paste a valid system-user token."}
        ) from exc
    except whatsapp_errors.Undeliverable as exc:
        raise ValidationError({"to": f"Meta could not deliver to {to}: is it a WhatsApp number? ({exc})"}) from exc
    except whatsapp_errors.WhatsAppError as exc:
        raise ValidationError({"to": f"The test message failed: {exc}"}) from exc
    _progress_row(property_).update(whatsapp_tested_at=timezone.now(), whatsapp_tested_to=to)
    audit.By(actor, property_, request).record("onboarding.whatsapp_tested", "whatsapp_binding", binding.pk)
    return result.provider_message_id


def save_email(
    property_: Property, data: Any, *, actor: User, request: HttpRequest | None = None
) -> EmailBinding | PendingEmailBinding:
    """An address in the property's own inbound subdomain binds now; any other waits for its mailed link."""
    cleaned = _form_or_raise(EmailForm(data))
    address = cleaned["address"].lower()
    from_name = cleaned["from_name"] or property_.name
    if not bindings.is_own_address(property_, address):
        return request_email_verification(property_, address, from_name, actor=actor, request=request)
    return _bind_email(property_, address, from_name, actor=actor, request=request)


def request_email_verification(
    property_: Property, address: str, from_name: str, *, actor: User, request: HttpRequest | None = None
) -> PendingEmailBinding:
    """Store the address as pending and mail its link (the wizard, the settings page's resend)."""
    with transaction.atomic():
        pending = bindings.request_verification(property_, address, from_name, request, requested_by=actor)
        audit.By(actor, property_, request).record("onboarding.email_verification_sent", "email_binding", "")
    return pending


def cancel_email_verification(
    property_: Property, pending: PendingEmailBinding, *, actor: User, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        bindings.cancel_verification(pending)
        audit.By(actor, property_, request).record("onboarding.email_verification_cancelled", "email_binding", "")


def confirm_email(
    property_: Property, token: str, *, actor: User | None, request: HttpRequest | None = None
) -> EmailBinding:
    """Bind the address a mailed link vouches for (whoever opens it proved they read that mailbox); the
    pending address becomes the binding."""
    with transaction.atomic():
        pending = bindings.read_confirmation(property_, token)
        binding = _bind_email(property_, pending.address, pending.from_name, actor=actor, request=request)
        pending.delete()
    return binding


def _bind_email(
    property_: Property, address: str, from_name: str, *, actor: User | None, request: HttpRequest | None
) -> EmailBinding:
    with transaction.atomic():
        if bindings.taken_elsewhere(property_, address):
            # Only reachable for an own-subdomain address bound by the platform admin elsewhere.
            raise ValidationError({"address": bindings.ADDRESS_UNVERIFIED})
        binding, _ = EmailBinding.objects.update_or_create(
            property=property_,
            address=address,
            defaults={"from_name": from_name, "is_active": is_live(property_)},
        )
        audit.By(actor, property_, request).record("onboarding.email_bound", "email_binding", binding.pk)
    return binding


def widget_key_of(property_: Property) -> WidgetKey | None:
    """The key the wizard shows: the newest one not on its way out (rotation sets an expiry)."""
    return WidgetKey.objects.filter(property=property_, expires_at__isnull=True).order_by("-id").first()


def save_widget(property_: Property, data: Any, *, actor: User, request: HttpRequest | None = None) -> WidgetKey:
    origins = _form_or_raise(WidgetOriginsForm(data))["allowed_origins"]
    if not origins:
        raise ValidationError({"allowed_origins": "Add at least one origin: the widget works only on these sites."})
    with transaction.atomic():
        key = widget_key_of(property_)
        if key is None:
            key = WidgetKey.objects.create(property=property_, allowed_origins=origins, is_active=is_live(property_))
        else:
            key.allowed_origins = origins
            key.save(update_fields=["allowed_origins"])
        audit.By(actor, property_, request).record(
            "onboarding.widget_origins", "widget_key", key.pk, {"origins": len(origins)}
        )
    return key


def snippet(key: WidgetKey, api_base: str) -> str:
    return f'<script src="{api_base}/widget.js" data-key="{key.public_key}" async></script>'


def try_question(property_: Property, question: str) -> Any:
    """The engine's own answer to `question` from this property's knowledge; nothing of a guest is stored."""
    question = question.strip()
    if not question:
        raise ValidationError({"question": "Ask a question."})
    if len(question) > 500:
        raise ValidationError({"question": "Keep the question under 500 characters."})
    with schema_context(property_.schema_name):
        result = engine.answer(question, property_=property_)
    _progress_row(property_).update(questions_tried=F("questions_tried") + 1)
    return result


def knowledge_preview(
    property_: Property,
    name: str,
    data: bytes,
    *,
    category: str = "",
    language: str = "",
    actor: User,
    request: HttpRequest | None = None,
) -> Preview | IngestionJob:
    """A small text file: what saving it would do (create / update / unchanged), nothing written. Any other
    file (a document, a large file) is read by the worker: its job comes back, for the page to show."""
    try:
        with schema_context(property_.schema_name):
            result = preview_or_receive(name, data, category=category, language=language, requested_by=actor.email)
    except IngestError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    if isinstance(result, IngestionJob):
        _knowledge_uploaded(property_, name, {"job_id": result.pk, "read_by": "worker"}, actor, request)
    return result


def _knowledge_uploaded(
    property_: Property, source: str, details: dict[str, Any], actor: User, request: HttpRequest | None
) -> None:
    audit.By(actor, property_, request).record("onboarding.knowledge", "knowledge", source[:100], details)
    _mark(property_, "knowledge")


def knowledge_save(
    property_: Property,
    items: Sequence[ParsedItem] | Sequence[Mapping[str, Any]],
    source: str,
    *,
    actor: User,
    request: HttpRequest | None = None,
) -> dict[str, Any]:
    """Save previewed items through the knowledge app's upload flow; a small upload is embedded now."""
    with schema_context(property_.schema_name):
        try:
            job = confirm_upload(items, source=source, requested_by=actor.email)
        except IngestError as exc:
            raise ValidationError({"file": f"Nothing was saved: {exc}"}) from exc
    counts = {
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "embedded": job.embedded_count,
        "failed": job.failed_count,
    }
    _knowledge_uploaded(property_, source, counts, actor, request)
    return {**counts, "job_id": job.pk, "status": job.status, "summary": summary(job)}


def go_live(property_: Property, *, actor: User, request: HttpRequest | None = None) -> OnboardingProgress:
    left = missing(property_)
    if left:
        raise ValidationError({"live": [f"Still to do: {item.label}." for item in left]})
    with transaction.atomic():
        progress = _progress_row(property_).select_for_update().get()
        if progress.live_at is None:
            progress.live_at = timezone.now()
            progress.completed_steps = list(dict.fromkeys([*progress.completed_steps, "live"]))
            progress.save(update_fields=["live_at", "completed_steps", "updated_at"])
            WidgetKey.objects.filter(property=property_, expires_at__isnull=True).update(is_active=True)
            WhatsAppBinding.objects.filter(property=property_).update(is_active=True)
            EmailBinding.objects.filter(property=property_).update(is_active=True)
            Property.objects.filter(pk=property_.pk).update(is_active=True)
            settings_cache.changed(property_.schema_name)
            audit.By(actor, property_, request).record("onboarding.live", "property", property_.pk)
    return progress
