"""Operations on properties, staff and channel bindings (public schema)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from properties.models import Domain, Membership, Property, Role, User


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


def add_member(user: User, property_: Property, role: str = Role.AGENT) -> Membership:
    membership, _ = Membership.objects.update_or_create(user=user, property=property_, defaults={"role": role})
    return membership


def membership_of(user: User, property_: Property) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, property=property_).first()


def properties_of(user: User) -> list[Property]:
    """The properties a user may act on: all of them for platform admins, else their memberships."""
    if user.is_superuser:
        return list(Property.objects.exclude(schema_name="public"))
    return list(Property.objects.filter(memberships__user=user))
