"""Which property an inbound event belongs to, looked up in the public schema and cached briefly.

The webhook answers within milliseconds, so a routing hit is kept in process for a short while;
only hits are cached, so a newly added number routes at once. A removed number keeps routing
for at most `TTL` seconds.
"""

from __future__ import annotations

import time

from django_tenants.utils import schema_context

from properties.models import EmailBinding, WhatsAppBinding

TTL = 30.0
_cache: dict[tuple[str, str], tuple[float, str]] = {}


def _cached(kind: str, key: str) -> str | None:
    hit = _cache.get((kind, key))
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    return None


def _remember(kind: str, key: str, schema: str) -> str:
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[(kind, key)] = (time.monotonic() + TTL, schema)
    return schema


def whatsapp_schema(phone_number_id: str) -> str | None:
    if hit := _cached("wa", phone_number_id):
        return hit
    with schema_context("public"):
        schema = (
            WhatsAppBinding.objects.filter(phone_number_id=phone_number_id, is_active=True)
            .values_list("property__schema_name", flat=True)
            .first()
        )
    return _remember("wa", phone_number_id, schema) if schema else None


def cached_whatsapp_schema(phone_number_id: str) -> str | None:
    """A recent hit only (the ASGI fast path looks misses up on its own connection pool)."""
    return _cached("wa", phone_number_id)


def remember_whatsapp_schema(phone_number_id: str, schema: str) -> str:
    return _remember("wa", phone_number_id, schema)


def email_schema(address: str) -> str | None:
    address = address.lower()
    if hit := _cached("email", address):
        return hit
    with schema_context("public"):
        schema = (
            EmailBinding.objects.filter(address=address, is_active=True)
            .values_list("property__schema_name", flat=True)
            .first()
        )
    return _remember("email", address, schema) if schema else None


def whatsapp_binding(phone_number_id: str) -> WhatsAppBinding | None:
    with schema_context("public"):
        return WhatsAppBinding.objects.filter(phone_number_id=phone_number_id).first()


def email_binding(schema_name: str, address: str = "") -> EmailBinding | None:
    """The property's sending address: the one the guest wrote to, else its first active one."""
    with schema_context("public"):
        bindings = EmailBinding.objects.filter(property__schema_name=schema_name, is_active=True).order_by("pk")
        if address:
            exact = bindings.filter(address=address.lower()).first()
            if exact is not None:
                return exact
        return bindings.first()


def clear_cache() -> None:
    _cache.clear()
