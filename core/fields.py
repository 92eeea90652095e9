"""Model fields that store their value encrypted (Fernet) and hand plaintext to Python code.

A stored token is random for each write, so the database can't compare encrypted values. A field
declared with a blind index (`index="phone" | "email" | "contact"`, `index_field="phone_index"`)
keeps a keyed HMAC of its normalised value in a sibling column, filled on every save, and its
`exact` / `iexact` / `in` lookups are compiled against that column: `Guest.objects.filter(phone=
"+60 12-345 6789")` and `GuestIdentity.objects.filter(external_id=wa_id)` keep working unchanged,
indexed and unique where the column is. Any other lookup (contains, startswith …) raises: it
would compare random tokens and silently match nothing. Empty values stay empty and unencrypted,
so "has no e-mail" filters still work.

`queryset.update(phone=…)` bypasses `pre_save` and would leave the index stale: update through
`save()` (with the index field in `update_fields`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import FieldError
from django.core.validators import MaxLengthValidator, validate_email
from django.db import models
from django.db.models.lookups import IsNull, Lookup

from core import crypto

INDEXES: dict[str, Callable[[str], str]] = {
    "phone": lambda value: crypto.phone_index(value, crypto.current_region()),
    "email": crypto.email_index,
    "contact": crypto.contact_index,
}


def _index_sql(lookup: Lookup, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
    field = lookup.lhs.target
    if not field.index_field:
        raise FieldError(f"{field.model.__name__}.{field.name} is encrypted and has no blind index to filter on.")
    index_field = field.model._meta.get_field(field.index_field)
    return compiler.compile(index_field.get_col(lookup.lhs.alias))


class BlindIndexExact(Lookup):
    lookup_name = "exact"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if self.rhs in ("", None):  # "no value": the encrypted column itself is empty
            lhs, params = compiler.compile(self.lhs)
            return f"{lhs} = ''", params
        lhs, params = _index_sql(self, compiler, connection)
        return f"{lhs} = %s", [*params, self.lhs.target.index_of(str(self.rhs))]


class BlindIndexIExact(BlindIndexExact):
    lookup_name = "iexact"  # the index is over the normalised (lower-cased, E.164) value already


class BlindIndexIn(Lookup):
    lookup_name = "in"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        values = [self.lhs.target.index_of(str(v)) for v in self.rhs if v not in ("", None)]
        if not values:
            return "FALSE", []
        lhs, params = _index_sql(self, compiler, connection)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


class EncryptedTextField(models.TextField):
    """Text encrypted at rest. Plaintext rows from before encryption are read as they are."""

    def __init__(self, *args: Any, index: str = "", index_field: str = "", **kwargs: Any) -> None:
        if bool(index) != bool(index_field) or (index and index not in INDEXES):
            raise ValueError("give both index (phone | email | contact) and index_field, or neither")
        self.index = index
        self.index_field = index_field
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        if self.index:
            kwargs.update(index=self.index, index_field=self.index_field)
        return name, path, args, kwargs

    def index_of(self, value: str) -> str:
        return INDEXES[self.index](value) if self.index else ""

    def get_lookup(self, lookup_name: str) -> Any:
        return {"exact": BlindIndexExact, "iexact": BlindIndexIExact, "in": BlindIndexIn, "isnull": IsNull}.get(
            lookup_name
        )

    def get_transform(self, name: str) -> Any:
        return None

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if self.index_field:
            # The index column is declared after this one, so the INSERT/UPDATE reads the fresh value.
            setattr(model_instance, self.index_field, self.index_of(value or ""))
        return value

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
            self.validators.append(MaxLengthValidator(max_length))

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        if self.max_length is not None:
            kwargs["max_length"] = self.max_length
        return name, path, args, kwargs

    def formfield(self, **kwargs: Any) -> Any:
        defaults = {"form_class": forms.CharField, "max_length": self.max_length, "widget": forms.TextInput}
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


# A person's contact details as a guest and a lead hold them: encrypted, found by phone number or e-mail
# through a blind index in the sibling column the field names (`phone_index`, `email_index`).


def contact_phone(help_text: str = "") -> EncryptedCharField:
    """An optional phone number (E.164), indexed in `phone_index` (a `blind_index()` of the same model)."""
    return EncryptedCharField(max_length=32, blank=True, index="phone", index_field="phone_index", help_text=help_text)


def contact_email() -> EncryptedCharField:
    """An optional e-mail address, indexed in `email_index` (a `blind_index()` of the same model)."""
    return EncryptedCharField(
        max_length=254, blank=True, validators=[validate_email], index="email", index_field="email_index"
    )


def blind_index() -> models.CharField:
    """The column holding a contact field's keyed HMAC: filled on save, searched for equality, never shown."""
    return models.CharField(max_length=64, blank=True, db_index=True, editable=False)


class EncryptedJSONField(models.TextField):
    """A JSON document encrypted as a whole (raw webhook payloads, session state, handoff context).

    Reads give back the decoded object. Key lookups (`payload__x`) can't run in SQL: read the row.
    """

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
        return models.Field.formfield(self, **{"form_class": forms.JSONField, **kwargs})


class PartlyEncryptedJSONField(models.JSONField):
    """JSON whose listed top-level keys are encrypted (each value becomes a token string).

    For documents queried by their other keys in SQL (`Message.metadata__reply_to`) that also carry
    contact data under one key (`metadata["channel"]`: the wa_id, the sender's address).
    """

    def __init__(self, *args: Any, encrypted_keys: tuple[str, ...] = (), **kwargs: Any) -> None:
        self.encrypted_keys = tuple(encrypted_keys)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["encrypted_keys"] = self.encrypted_keys
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        value = super().from_db_value(value, expression, connection)
        if isinstance(value, dict):
            for key in self.encrypted_keys:
                item = value.get(key)
                if isinstance(item, str) and crypto.is_token(item):
                    value[key] = crypto.decrypt_json(item)
        return value

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, dict) and any(value.get(k) not in (None, "", {}, []) for k in self.encrypted_keys):
            value = dict(value)
            for key in self.encrypted_keys:
                item = value.get(key)
                if item not in (None, "", {}, []) and not (isinstance(item, str) and crypto.is_token(item)):
                    value[key] = crypto.encrypt_json(item)
        return super().get_prep_value(value)
