"""Public schema: the property (tenant), its domains, staff accounts and memberships, channel bindings."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import zoneinfo
from typing import Any

import phonenumbers
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django_tenants.models import DomainMixin, TenantMixin

from core import settings_cache

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def default_operating_hours() -> dict[str, list[list[str]]]:
    return {day: [["09:00", "18:00"]] for day in WEEKDAYS}


_DAY_END = "24:00"  # a range may close at midnight: "18:00-24:00"


def _segments(opens: str, closes: str) -> tuple[tuple[str, str], tuple[str, str] | None]:
    """A range as its part on its own day and its part after midnight (overnight: "22:00-06:00")."""
    if closes > opens:
        return (opens, closes), None
    return (opens, _DAY_END), ("00:00", closes)


def validate_operating_hours(value: Any) -> None:
    """Hours are {weekday: [[HH:MM, HH:MM], …]}; ranges must be well formed and not overlap.

    A range that closes earlier than it opens runs past midnight into the next day ("22:00-06:00");
    several ranges make split hours ("07:00-12:00", "14:00-23:00"). Overlaps are refused, including
    an overnight range running into the next day's first range.
    """
    if not isinstance(value, dict):
        raise ValidationError("Operating hours must be an object keyed by weekday (mon … sun).")
    unknown = set(value) - set(WEEKDAYS)
    if unknown:
        raise ValidationError(f"Unknown weekday(s): {', '.join(sorted(unknown))}. Use mon … sun.")
    spill: dict[str, tuple[str, str]] = {}  # day → the part of the previous day's overnight range
    for day, ranges in value.items():
        if not isinstance(ranges, list):
            raise ValidationError(f"{day}: expected a list of [open, close] pairs.")
        parsed: list[tuple[str, str]] = []
        for pair in ranges:
            if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
                raise ValidationError(f'{day}: each range must be ["HH:MM", "HH:MM"].')
            opens, closes = pair
            if not (_HH_MM.match(opens) and (_HH_MM.match(closes) or closes == _DAY_END)):
                raise ValidationError(f"{day}: {opens}–{closes} is not in HH:MM 24-hour form.")
            if opens == closes:
                raise ValidationError(f"{day}: {opens}–{closes} opens and closes at the same time.")
            own, after_midnight = _segments(opens, closes)
            parsed.append(own)
            if after_midnight is not None:
                spill[WEEKDAYS[(WEEKDAYS.index(day) + 1) % 7]] = after_midnight
        parsed.sort()
        for (_, first_close), (second_open, _) in zip(parsed, parsed[1:], strict=False):
            if second_open < first_close:
                raise ValidationError(f"{day}: ranges overlap at {second_open}.")
    for day, (_, closes) in spill.items():
        for pair in value.get(day) or []:
            own, _ = _segments(*pair)
            if own[0] < closes:
                before = WEEKDAYS[(WEEKDAYS.index(day) - 1) % 7]
                raise ValidationError(f"{day}: {pair[0]}–{pair[1]} overlaps {before}'s hours running to {closes}.")


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA timezone (e.g. Asia/Kuala_Lumpur).")


def validate_country(value: str) -> None:
    """The default region every local phone number a guest types is read in ("012-345 6789"): one the phone library
    does not know ("UK": Britain's code is GB) lost every such number from the leads, silently."""
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(f"{value!r} is not a two-letter ISO 3166 country code (e.g. MY, SG, GB).")


class PlanTier(models.TextChoices):
    STARTER = "starter", "Starter"
    PROFESSIONAL = "professional", "Professional"
    ENTERPRISE = "enterprise", "Enterprise"


slug_validator = RegexValidator(
    r"^[a-z][a-z0-9-]{1,40}$", "Use 2–41 lowercase letters, digits and hyphens, starting with a letter."
)


class Property(TenantMixin):
    """A hotel. Its conversations, knowledge, leads and analytics live in its own schema."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=41, unique=True, validators=[slug_validator])
    timezone = models.CharField(max_length=64, default="Asia/Kuala_Lumpur", validators=[validate_timezone])
    operating_hours = models.JSONField(default=default_operating_hours, validators=[validate_operating_hours])
    notification_email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    country = models.CharField(
        max_length=2,
        default="MY",
        validators=[validate_country],
        help_text="ISO 3166 country code; the default region for phone numbers.",
    )
    plan = models.CharField(max_length=16, choices=PlanTier.choices, default=PlanTier.STARTER)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        verbose_name_plural = "properties"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        # What a guest turn reads of the property is cached per process: drop it in every process.
        settings_cache.changed(self.schema_name)

    @staticmethod
    def schema_name_for(slug: str) -> str:
        return slug.replace("-", "_")

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def local_now(self, now: dt.datetime | None = None) -> dt.datetime:
        return (now or timezone.now()).astimezone(self.tzinfo)

    def is_open_at(self, moment: dt.datetime) -> bool:
        """Whether `moment` (aware) falls inside the property's operating hours, in its own timezone."""
        local = moment.astimezone(self.tzinfo)
        clock = local.strftime("%H:%M")
        today = self.operating_hours.get(WEEKDAYS[local.weekday()], [])
        yesterday = self.operating_hours.get(WEEKDAYS[(local.weekday() - 1) % 7], [])
        for opens, closes in today:
            own, _ = _segments(opens, closes)
            if own[0] <= clock < own[1]:
                return True
        # Yesterday's overnight range (e.g. 22:00–06:00) still open in the small hours of today.
        return any(closes < opens and clock < closes for opens, closes in yesterday)


class Domain(DomainMixin):
    pass


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A staff account (hotel staff) or a platform admin (superuser). Logs in with e-mail."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("e-mail address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()  # type: ignore[misc]

    def __str__(self) -> str:
        return self.email


class Role(models.TextChoices):
    MANAGER = "manager", "Manager"
    AGENT = "agent", "Agent"
    VIEWER = "viewer", "Viewer (read-only)"


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "property"], name="one_membership_per_property")]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} at {self.property}"


class WhatsAppBinding(models.Model):
    """A WhatsApp Business phone number of a property; inbound webhooks route by phone_number_id."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="whatsapp_bindings")
    phone_number_id = models.CharField(max_length=64, unique=True)
    display_phone_number = models.CharField(max_length=32)
    waba_id = models.CharField("WhatsApp Business account id", max_length=64, blank=True)
    access_token = models.TextField(blank=True, help_text="System-user token used to send from this number.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.display_phone_number} ({self.property})"


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class EmailBinding(models.Model):
    """An inbound address of a property; inbound mail routes by recipient."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="email_bindings")
    address = models.EmailField(unique=True)
    from_name = models.CharField(max_length=200, blank=True, help_text="Sender name on replies.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.address

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.address = self.address.lower()
        super().save(*args, **kwargs)


class PendingEmailBinding(models.Model):
    """An inbound address a property asked for, waiting for the link mailed to it (issue 18): shown on the
    settings page until it is confirmed (then an EmailBinding), cancelled, or past `expires_at` (dropped).

    One is stored for every request, also for an address another property holds (no mail goes there):
    the asking property sees the same "waiting for confirmation" either way, so it learns nothing.
    `nonce` is in the mailed link: a resend (new nonce) or a cancellation makes older links worthless.
    """

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="pending_email_bindings")
    address = models.EmailField()
    from_name = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(
        "properties.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    nonce = models.CharField(max_length=32, default=new_nonce)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["property", "address"], name="pending_email_binding_unique_per_property")
        ]
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.address} (pending)"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.address = self.address.lower()
        super().save(*args, **kwargs)


def generate_widget_key() -> str:
    return f"pk_{secrets.token_urlsafe(24)}"


class WidgetKey(models.Model):
    """A public key embedded in the hotel website's widget <script> tag, with its allowed origins."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="widget_keys")
    public_key = models.CharField(max_length=64, unique=True, default=generate_widget_key)
    allowed_origins = models.JSONField(default=list, blank=True, help_text='e.g. ["https://hotel.example"]')
    is_active = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Set during a rotation window.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.public_key[:12]}… ({self.property})"

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        return self.is_active and (self.expires_at is None or self.expires_at > (now or timezone.now()))

    def allows_origin(self, origin: str | None) -> bool:
        return bool(origin) and origin.rstrip("/") in {o.rstrip("/") for o in self.allowed_origins}
