"""Field encryption, key rotation, the blind index, the production check and log masking."""

from __future__ import annotations

import base64
import json
import logging

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context

from conversations.models import Guest, GuestIdentity
from core import crypto
from core.logging import structured_formatter
from leads.models import Lead
from privacy.checks import encryption_keys_check


@pytest.fixture
def keys(settings):
    """Fresh keys for the test; the session's derived keys come back afterwards."""

    def use(*fernet_keys: str, index_key: str = "test-index-key") -> None:
        settings.FIELD_ENCRYPTION_KEYS = list(fernet_keys)
        settings.BLIND_INDEX_KEY = index_key
        crypto.reset_keys()

    yield use
    crypto.reset_keys()


def _raw(schema: str, table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{schema}"."{table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


def test_values_are_stored_as_tokens_and_read_back_as_plaintext(world):
    with schema_context(world.a.schema_name):
        guest = Guest.objects.create(name="Siti Aminah", phone="+60123456700", email="siti@guest.example")
        stored = {c: _raw(world.a.schema_name, "conversations_guest", c, guest.pk) for c in ("name", "phone", "email")}
        assert all(value.startswith("gAAAAA") for value in stored.values())
        assert "Siti" not in str(stored) and "60123456700" not in str(stored)
        again = Guest.objects.get(pk=guest.pk)
        assert (again.name, again.phone, again.email) == ("Siti Aminah", "+60123456700", "siti@guest.example")
        assert len(again.phone_index) == 64 and again.phone_index != again.email_index


def test_every_form_of_a_number_and_an_address_finds_the_same_row(world):
    with schema_context(world.a.schema_name):
        guest = Guest.objects.create(phone="+60123456701", email="Mixed.Case@Guest.Example")
        GuestIdentity.objects.create(guest=guest, channel="whatsapp", external_id="60123456701")
        for form in ("+60123456701", "60123456701", "0123456701", "+60 12-345 6701", "012-345 6701"):
            assert list(Guest.objects.filter(phone=form)) == [guest], form
            assert GuestIdentity.objects.get(external_id=form).guest == guest
        assert Guest.objects.get(email="mixed.case@guest.example") == guest
        assert Guest.objects.filter(email__iexact="MIXED.CASE@GUEST.EXAMPLE").count() == 1
        assert Guest.objects.filter(phone__in=["+60999999999", "0123456701"]).count() == 1
        assert not Guest.objects.filter(pk=guest.pk, email="").exists()
        assert not Guest.objects.filter(phone="+60999999999").exists()


def test_the_identity_index_is_unique_per_channel(world):
    from django.db import IntegrityError, transaction

    with schema_context(world.a.schema_name):
        GuestIdentity.objects.create(guest=Guest.objects.create(), channel="whatsapp", external_id="+60123456702")
        with pytest.raises(IntegrityError), transaction.atomic():
            GuestIdentity.objects.create(guest=Guest.objects.create(), channel="whatsapp", external_id="60123456702")


def test_lookups_that_cannot_work_on_ciphertext_raise_instead_of_matching_nothing(world):
    with schema_context(world.a.schema_name):
        with pytest.raises(FieldError):
            list(Guest.objects.filter(phone__contains="0123"))
        with pytest.raises(FieldError):
            list(Guest.objects.filter(name="Siti"))  # names have no index
        with pytest.raises(FieldError):
            list(Lead.objects.filter(extraction__phone="x"))


def test_a_key_rotation_keeps_every_value_readable(world, keys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    # Rows other tests committed are under the session's derived key: it stays in the ring until rotated.
    session_key = base64.urlsafe_b64encode(crypto._derived("field-encryption")).decode()
    keys(old, session_key)
    with schema_context(world.a.schema_name):
        guest = Guest.objects.create(phone="+60123456703", name="Rotated")
        index = Guest.objects.get(pk=guest.pk).phone_index
        keys(new, old, session_key)  # the new key first: it encrypts; the old ones still decrypt
        assert Guest.objects.get(pk=guest.pk).name == "Rotated"
    call_command("rotate_field_keys")
    keys(new)  # the old key dropped after the rotation
    with schema_context(world.a.schema_name):
        assert Guest.objects.get(pk=guest.pk).name == "Rotated"
        assert Guest.objects.get(phone="+60123456703").phone_index == index  # same index key: same index
        token = _raw(world.a.schema_name, "conversations_guest", "name", guest.pk)
        with pytest.raises(InvalidToken):  # the row is no longer under the old key
            Fernet(old.encode()).decrypt(token.encode())


def test_the_blind_index_depends_on_its_own_key(keys):
    keys(Fernet.generate_key().decode(), index_key="one")
    first = crypto.phone_index("+60123456704")
    keys(Fernet.generate_key().decode(), index_key="two")
    assert crypto.phone_index("+60123456704") != first
    assert crypto.phone_index("0123456704") == crypto.phone_index("60123456704") == crypto.contact_index("+60123456704")


def test_production_refuses_to_start_without_keys(settings):
    settings.PRODUCTION = True
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.BLIND_INDEX_KEY = ""
    crypto.reset_keys()
    try:
        ids = {error.id for error in encryption_keys_check()}
        assert {"privacy.E001", "privacy.E002"} <= ids
        settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
        settings.BLIND_INDEX_KEY = "k" * 32
        crypto.reset_keys()
        assert encryption_keys_check() == []
        settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
        crypto.reset_keys()
        assert {error.id for error in encryption_keys_check()} == {"privacy.E003"}
    finally:
        settings.PRODUCTION = False
        crypto.reset_keys()


def test_log_lines_never_carry_a_phone_number_or_an_address():
    formatter = structured_formatter(json=True)
    record = logging.LogRecord(
        "conversations",
        logging.WARNING,
        __file__,
        1,
        "guest %s wrote from %s",
        ("ali@guest.example", "+60 12-345 6789"),
        None,
    )
    fields = json.loads(formatter.format(record))
    # The time stamp's microseconds may hold any four digits (a CI run saw "…24.678906Z"): not a phone number.
    assert fields.pop("timestamp")
    line = json.dumps(fields)
    assert "ali@guest.example" not in line and "6789" not in line and "<email>" in line and "<phone>" in line
    try:
        raise ValueError("bad recipient 60123456789")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "send failed", (), sys.exc_info())
    assert "60123456789" not in formatter.format(record)


def test_the_data_migration_encrypts_rows_written_in_plaintext_and_fills_their_index(world):
    from django.apps import apps

    from core.migration_ops import encrypt_rows

    schema = world.a.schema_name
    with schema_context(schema):
        with connection.cursor() as cursor:  # a row as the app wrote it before encryption
            cursor.execute(
                f'INSERT INTO "{schema}".conversations_guest (name, phone, email, phone_index, email_index, language, '
                "consent_text, first_seen_at, last_seen_at) VALUES ('Old Row', '+60123456705', 'old@guest.example', "
                "'', '', 'en', '', now(), now()) RETURNING id"
            )
            pk = cursor.fetchone()[0]
        assert Guest.objects.get(pk=pk).name == "Old Row"  # plaintext is still read before the migration
        encrypt_rows("conversations", {"Guest": ["name", "phone", "email"]})(apps, None)
        assert _raw(schema, "conversations_guest", "phone", pk).startswith("gAAAAA")
        assert Guest.objects.get(phone="0123456705").pk == pk and Guest.objects.get(email="old@guest.example").pk == pk


def test_a_lone_surrogate_never_reaches_the_encryption_whatever_door_missed_it(world) -> None:
    token = crypto.encrypt_text("room 12\ud800 please")
    assert crypto.decrypt_text(token) == "room 12\ufffd please"
    assert crypto.blind_index("email", "a\udc00@example.com") == crypto.blind_index("email", "a\ufffd@example.com")
    with schema_context(world.a.schema_name):
        guest = Guest.objects.create(name="Aisyah \ud83d")
        guest.refresh_from_db()
        assert guest.name == "Aisyah \ufffd"
