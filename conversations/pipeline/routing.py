"""Which property an inbound event belongs to, looked up in the public schema and cached briefly.

The webhook answers within milliseconds, so a routing hit is kept in process for a short while;
only hits are cached, so a newly added number routes at once. A removed number keeps routing
for at most `TTL` seconds.

WhatsApp routing (`phone_number_id` → active binding → the property's schema) serves two doors:
the Django view and the ASGI fast path, which reads on its own pool of async connections. So
`whatsapp_schemas` does no I/O itself: it yields the one query it needs (`Query`) and is sent
the rows; `run` answers it on Django's connection, the fast path on its pool.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection
from django_tenants.utils import schema_context

from properties.models import EmailBinding, WhatsAppBinding

TTL = 30.0
_cache: dict[tuple[str, str], tuple[float, str]] = {}

# Schema-qualified, so it reads the same from any search_path (a tenant's, or a bare pool connection).
WHATSAPP_SQL = (
    "SELECT b.phone_number_id, p.schema_name FROM public.properties_whatsappbinding b "
    "JOIN public.properties_property p ON p.id = b.property_id "
    "WHERE b.phone_number_id = ANY(%s) AND b.is_active"
)

T = TypeVar("T")


@dataclass(frozen=True)
class Query:
    """A read for the caller to run on its connection; the rows are sent back into the lookup."""

    sql: str
    params: list[Any]


Lookup = Generator[Query, list[tuple[Any, ...]], T]


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


def whatsapp_schemas(phone_number_ids: Iterable[str]) -> Lookup[dict[str, str]]:
    """Each number's schema (a number without an active binding is left out): recent hits from the
    cache, the others in one query."""
    found: dict[str, str] = {}
    missing: list[str] = []
    for number in sorted(set(phone_number_ids)):
        if (hit := _cached("wa", number)) is not None:
            found[number] = hit
        else:
            missing.append(number)
    if missing:
        rows = yield Query(WHATSAPP_SQL, [missing])
        found.update({number: _remember("wa", number, schema) for number, schema in rows})
    return found


WABA_SQL = (
    "SELECT DISTINCT b.waba_id, p.schema_name FROM public.properties_whatsappbinding b "
    "JOIN public.properties_property p ON p.id = b.property_id "
    "WHERE b.waba_id = ANY(%s) AND b.waba_id <> '' AND b.is_active"
)


def waba_schemas(waba_ids: Iterable[str]) -> Lookup[dict[str, list[str]]]:
    """The schemas of the properties with a number in each WhatsApp Business account (template news is per
    account); rare enough to go uncached."""
    wanted = sorted(set(waba_ids))
    if not wanted:
        return {}
    found: dict[str, list[str]] = {}
    for waba_id, schema in (yield Query(WABA_SQL, [wanted])):
        found.setdefault(waba_id, []).append(schema)
    return found


def run_query(query: Query) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(query.sql, query.params)
        return cursor.fetchall()


def run(lookup: Lookup[T]) -> T:
    """A lookup answered on Django's connection."""
    try:
        query = next(lookup)
        while True:
            query = lookup.send(run_query(query))
    except StopIteration as done:
        return done.value


def whatsapp_schema(phone_number_id: str) -> str | None:
    return run(whatsapp_schemas([phone_number_id])).get(phone_number_id)


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
