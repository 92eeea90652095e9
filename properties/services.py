"""Operations on properties, staff and channel bindings (public schema)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from core import settings_cache
from properties.models import WEEKDAYS, Domain, Membership, Property, Role, User, WidgetKey
from properties.permissions import MANAGERS, allows

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewProperty:
    name: str
    slug: str
    timezone: str = "Asia/Kuala_Lumpur"
    country: str = "MY"
    notification_email: str = ""
    website: str = ""
    plan: str = "starter"


def property_host(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def property_origin(slug: str, request: HttpRequest | None = None) -> str:
    """The property's own origin as seen from `request`: same scheme and port (":8000" in development).
    Without a request (a link in an e-mail or a report a task sends), STAFF_URL_TEMPLATE's.

    The port is the one the caller used (the Host header), not the one the server listens on behind a proxy.
    """
    if request is None:
        return settings.STAFF_URL_TEMPLATE.format(host=property_host(slug)).rstrip("/")
    _, colon, port = request.get_host().rpartition(":")
    suffix = f":{port}" if colon and port.isdigit() and port not in ("80", "443") else ""
    return f"{request.scheme}://{property_host(slug)}{suffix}"


def create_property(spec: NewProperty) -> Property:
    """Create a property, its schema (all tenant migrations) and its primary domain.

    Validation runs before anything is written, so a bad slug or timezone leaves nothing behind.
    Schema creation is DDL and cannot share a transaction with a later failure; if the domain
    cannot be written, the property row is removed again.
    """
    property_ = Property(
        schema_name=Property.schema_name_for(spec.slug),
        name=spec.name,
        slug=spec.slug,
        timezone=spec.timezone,
        country=spec.country.upper(),
        notification_email=spec.notification_email,
        website=spec.website,
        plan=spec.plan,
    )
    property_.full_clean()
    host = property_host(spec.slug)
    if Domain.objects.filter(domain=host).exists():
        raise ValidationError({"slug": f"The host {host} is already taken."})
    property_.save()  # creates and migrates the schema
    try:
        with transaction.atomic():
            Domain.objects.create(domain=host, tenant=property_, is_primary=True)
    except Exception:
        property_.delete(force_drop=True)
        raise
    return property_


def current_property() -> Property:
    """The property whose schema the connection is in (a request, a task, or `schema_context`).

    Read from the database every time: a worker's cached tenant object could carry settings
    (hours, timezone) from before a manager changed them.
    """
    if connection.schema_name == "public":
        raise RuntimeError("this operation runs inside a property's schema, not the public one")
    return Property.objects.get(schema_name=connection.schema_name)


def current_property_cached() -> Property:
    """`current_property` for reading on a hot path (a guest turn): from this process's cache until the
    property is saved anywhere (`core.settings_cache`). Shared: never change or save what it returns."""
    return settings_cache.cached(connection.schema_name, "properties.Property", current_property)


def add_member(user: User, property_: Property, role: str = Role.AGENT) -> Membership:
    membership, _ = Membership.objects.update_or_create(user=user, property=property_, defaults={"role": role})
    return membership


def properties_of(user: User) -> list[Property]:
    """The properties a user may act on: all of them for platform admins, else their memberships."""
    if user.is_superuser:
        return list(Property.objects.exclude(schema_name="public"))
    return list(Property.objects.filter(memberships__user=user))


def rotate_widget_key(
    widget_key: WidgetKey, *, overlap: dt.timedelta = dt.timedelta(hours=24), actor: User | None = None
) -> WidgetKey:
    """Issue a new widget key for the same property and origins; the old one keeps working for `overlap`.

    Rotation without downtime: the hotel's website keeps sending the old key until its page is
    updated, so both keys are valid until `now + overlap`; after that the old key is refused
    everywhere widget keys are checked (`WidgetKey.is_usable`: widget API, guest websocket).
    Guest tokens issued under the old key stop working with it too (they carry the key's id).

    `actor` (when given) must be a platform admin or a manager of the key's property; anyone else
    is refused with `PermissionDenied`, so a manager of another property cannot rotate this key.
    A key that is already expired or inactive cannot be rotated (rotate its successor instead).
    The old key row is locked so two concurrent rotations cannot both extend it.
    """
    if overlap < dt.timedelta(0):
        raise ValidationError({"overlap": "The overlap cannot be negative."})
    if actor is not None and not allows(actor, widget_key.property, MANAGERS):
        raise PermissionDenied("Only a manager of this property can rotate its widget key.")
    now = timezone.now()
    with transaction.atomic():
        old = WidgetKey.objects.select_for_update().get(pk=widget_key.pk)
        if not old.is_usable(now):
            raise ValidationError({"widget_key": "This key is already expired or inactive."})
        new = WidgetKey.objects.create(
            property_id=old.property_id, allowed_origins=list(old.allowed_origins), is_active=True
        )
        expires_at = now + overlap
        # A key already due to expire sooner keeps its earlier end: rotation never lengthens a key's life.
        old.expires_at = expires_at if old.expires_at is None else min(old.expires_at, expires_at)
        old.save(update_fields=["expires_at"])
    widget_key.expires_at = old.expires_at
    logger.info(
        "widget key rotated",
        extra={
            "property_id": old.property_id,
            "old_key_id": old.pk,
            "new_key_id": new.pk,
            "actor_id": getattr(actor, "pk", None),
        },
    )
    return new


def staff_name(user: User, *, for_guests: bool = False) -> str:
    """How colleagues address a staff member: the first name, else the e-mail's local part. `for_guests`: only a name
    the person gave ("" without one): an invited account has none, and guests were shown "aina.rahman" or
    "frontdesk2", an address rather than a name."""
    given = user.first_name.strip() or user.get_full_name().strip()
    return given if for_guests else given or user.email.split("@", 1)[0]


def staff_names(user_ids: set[int] | list[int], *, for_guests: bool = False) -> dict[int, str]:
    """Names for many staff ids at once (one query; tenant tables hold user ids, not foreign keys)."""
    wanted = {int(i) for i in user_ids if i}
    users = User.objects.filter(pk__in=wanted) if wanted else []
    return {user.pk: staff_name(user, for_guests=for_guests) for user in users}


def writers_of(property_: Property) -> list[User]:
    """The property's managers and agents: the people a conversation can be assigned to."""
    return list(
        User.objects.filter(
            is_active=True, memberships__property=property_, memberships__role__in=[Role.MANAGER, Role.AGENT]
        ).order_by("first_name", "email")
    )


def next_open(property_: Property, now: dt.datetime) -> dt.datetime | None:
    """The first moment at or after `now` (aware) the front office is open, in the property's zone: `now` itself
    while it is open, the start of its next range otherwise, None for a property with no hours at all.

    A range opens on its own day, an overnight one too ("22:00-06:00" opens at 22:00), so the first start after
    `now` over the coming week is the opening: it is closed until then.
    """
    local = property_.local_now(now)
    if property_.is_open_at(local):
        return local
    for ahead in range(8):  # today to the same weekday next week
        day = local.date() + dt.timedelta(days=ahead)
        for opens, _ in sorted(property_.operating_hours.get(WEEKDAYS[day.weekday()]) or []):
            start = dt.datetime.combine(day, dt.time.fromisoformat(opens), tzinfo=property_.tzinfo)
            if start > local:
                return start
    return None


# How a receptionist says when the team is back, the product's 12-hour clock ("7:00 am", "2:00 petang").
_BACK_AT = {
    "en": {
        "today": "at {clock} today",
        "tomorrow": "from {clock} tomorrow",
        "day": "on {day} from {clock}",
        "week": "next {day} from {clock}",
    },
    "ms": {
        "today": "pada pukul {clock} ini",
        "tomorrow": "esok dari pukul {clock}",
        "day": "pada hari {day} dari pukul {clock}",
        "week": "pada hari {day} depan dari pukul {clock}",
    },
}
_DAY_NAMES = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "ms": ("Isnin", "Selasa", "Rabu", "Khamis", "Jumaat", "Sabtu", "Ahad"),
}
# A property that never opens (no hours at all) still has someone reading the inbox some day.
_NO_HOURS = {"en": "as soon as they can", "ms": "secepat mungkin"}


_MS_PERIODS = ((1, "tengah malam"), (12, "pagi"), (13, "tengah hari"), (19, "petang"), (24, "malam"))


def _clock(moment: dt.datetime, language: str) -> str:
    hour, minute = moment.hour, moment.minute
    twelve = f"{(hour - 1) % 12 + 1}:{minute:02d}"
    if language == "ms":
        # Malay says the part of the day: tengah malam, pagi until noon, tengah hari, petang, malam from 7 pm.
        period = next(name for upto, name in _MS_PERIODS if hour < upto)
        return f"{twelve} {period}"
    if (hour, minute) == (12, 0):
        return "12:00 noon"
    return f"{twelve} {'am' if hour < 12 else 'pm'}"


def opening_words(opening: dt.datetime, now: dt.datetime, language: str) -> str:
    """When the team is back, as a receptionist says it: "at 8:00 am today", "from 9:00 am tomorrow", "on Monday
    from 9:00 am"; "pada pukul 8:00 pagi ini", "esok dari pukul 9:00 pagi", "pada hari Isnin dari pukul 9:00 pagi".
    Days are counted in the opening's zone (the property's), not the server's."""
    lang = language if language in _BACK_AT else "en"
    ahead = (opening.date() - now.astimezone(opening.tzinfo).date()).days
    forms, clock = _BACK_AT[lang], _clock(opening, lang)
    if ahead <= 0:
        return forms["today"].format(clock=clock)
    if ahead == 1:
        return forms["tomorrow"].format(clock=clock)
    # A week ahead is the same weekday as today: "next Monday", not "on Monday" (today).
    return forms["week" if ahead >= 7 else "day"].format(day=_DAY_NAMES[lang][opening.weekday()], clock=clock)


def team_back(property_: Property, now: dt.datetime, language: str) -> str | None:
    """None while the front office is open at `now`; otherwise when the team is back, in the guest's words."""
    opening = next_open(property_, now)
    if opening is None:
        return _NO_HOURS.get(language, _NO_HOURS["en"])
    if opening <= now:
        return None
    return opening_words(opening, now, language)
