"""Data-migration helper: re-save existing rows so their PII is encrypted and their blind index filled.

Used from the conversations, leads and analytics migrations that switch fields to `core.fields`. Historical
models keep the real field classes (their `deconstruct` path), so saving a row read as plaintext
writes it back encrypted, with its index computed in `pre_save`. Runs once per schema, as every
tenant migration does. Not reversible: the old plaintext columns are gone by design.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import migrations


def encrypt_rows(app_label: str, spec: dict[str, list[str]]) -> Callable[[Any, Any], None]:
    def forwards(apps: Any, schema_editor: Any) -> None:
        for model_name, fields in spec.items():
            model = apps.get_model(app_label, model_name)
            for row in model.objects.all().iterator(chunk_size=500):
                to_save = list(fields)
                for field_name in fields:
                    field = model._meta.get_field(field_name)
                    if getattr(field, "index_field", ""):
                        to_save.append(field.index_field)
                row.save(update_fields=to_save)

    return forwards


def encrypt_rows_operation(app_label: str, spec: dict[str, list[str]]) -> migrations.RunPython:
    return migrations.RunPython(encrypt_rows(app_label, spec), migrations.RunPython.noop, elidable=False)
