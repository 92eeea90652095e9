"""`manage.py rotate_field_keys`: re-encrypt every encrypted value under the newest key, re-index them.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), deploy, run
this command, then drop the old keys. Also recomputes every blind index (after a BLIND_INDEX_KEY
change, lookups miss until it has run). Idempotent; one transaction per model and schema.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import get_tenant_model, schema_context

from core import crypto
from core.fields import EncryptedJSONField, EncryptedTextField, PartlyEncryptedJSONField

ENCRYPTED = (EncryptedTextField, EncryptedJSONField, PartlyEncryptedJSONField)


def encrypted_models() -> list[tuple[Any, list[str]]]:
    found = []
    for model in apps.get_models():
        fields: list[str] = []
        for field in model._meta.concrete_fields:
            if isinstance(field, ENCRYPTED):
                fields.append(field.name)
                if getattr(field, "index_field", ""):
                    fields.append(field.index_field)
        if fields:
            found.append((model, fields))
    return found


def rotate_schema() -> int:
    rows = 0
    for model, fields in encrypted_models():
        with transaction.atomic():
            for row in model.objects.select_for_update().iterator(chunk_size=500):
                row.save(update_fields=fields)
                rows += 1
    return rows


class Command(BaseCommand):
    help = "Re-encrypt guest data under the newest FIELD_ENCRYPTION_KEYS key and recompute blind indexes."

    def handle(self, *args: Any, **options: Any) -> None:
        crypto.reset_keys()
        for tenant in get_tenant_model().objects.exclude(schema_name="public").order_by("schema_name"):
            with schema_context(tenant.schema_name):
                self.stdout.write(f"{tenant.schema_name}: {rotate_schema()} row(s) re-encrypted")
