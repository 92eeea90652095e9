"""Model fields that store their value encrypted (Fernet) and hand plaintext to Python code.

The stored token is random for each write, so the database can't compare encrypted values: an
equality filter on one of these fields raises, except against "" (empty stays empty, unencrypted,
so "has no e-mail" queries still work). Look rows up through their blind-index column instead.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull

from privacy.services import crypto


class _EncryptedExact(Exact):
    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            raise FieldError(
                f"{self.lhs.field.model.__name__}.{self.lhs.field.name} is encrypted: filter on its blind index."
            )
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """Text encrypted at rest. Plaintext rows from before encryption are read as they are."""

    def get_lookup(self, lookup_name: str) -> Any:
        # Only "is it empty / null": anything else would compare random tokens and silently match nothing.
        return {"exact": _EncryptedExact, "isnull": IsNull}.get(lookup_name)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return value
        return crypto.decrypt_or_plain(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        if crypto.is_token(value):  # already encrypted (a copy of a stored value)
            return value
        return crypto.encrypt_text(str(value))


class EncryptedCharField(EncryptedTextField):
    """An encrypted value with a maximum *plaintext* length, checked in forms and model validation.

    Stored as text: a token is about 2× + 60 characters of its plaintext.
    """

    def __init__(self, *args: Any, max_length: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_length = max_length
        if max_length is not None:
            from django.core.validators import MaxLengthValidator

            self.validators.append(MaxLengthValidator(max_length))

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        if self.max_length is not None:
            kwargs["max_length"] = self.max_length
        return name, path, args, kwargs

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        defaults = {"form_class": forms.CharField, "max_length": self.max_length, "widget": forms.TextInput}
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


class EncryptedJSONField(models.TextField):
    """A JSON document encrypted as a whole (raw webhook payloads, session state, metadata).

    Reads give back the decoded object. Key lookups (`payload__x`) can't run in SQL: read the row.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def get_lookup(self, lookup_name: str) -> Any:
        return IsNull if lookup_name == "isnull" else None

    def get_transform(self, name: str) -> Any:
        return None

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        if crypto.is_token(value):
            return crypto.decrypt_json(value)
        return json.loads(value)  # a row from before encryption (the column held JSON)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            if crypto.is_token(value):
                return crypto.decrypt_json(value)
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return crypto.encrypt_json(value)

    def value_to_string(self, obj: Any) -> str:
        return json.dumps(self.value_from_object(obj), default=str)

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        return models.Field.formfield(self, **{"form_class": forms.JSONField, **kwargs})
