"""Field encryption at rest (Fernet, rotated with MultiFernet) and a keyed blind index for lookups.

Keys come from the environment: `FIELD_ENCRYPTION_KEYS` (Fernet keys, comma-separated, newest
first: the first encrypts, every one decrypts, so a new key can be put in front and old rows
re-encrypted with `manage.py rotate_field_keys` at leisure) and `BLIND_INDEX_KEY` (HMAC-SHA256 key,
separate so that a leaked encryption key does not also let anyone confirm a guessed number, and
the other way round). Outside production both default to keys derived from SECRET_KEY, so a
development database stays readable across restarts; production refuses to start without them
(the privacy app's system checks).

The blind index is HMAC-SHA256 over the *normalised* value (E.164 phone, lower-cased e-mail), so
"+60 12-345 6789", "60123456789" (a WhatsApp wa_id) and "012-345 6789" in Malaysia all find the
same guest. It is deterministic by design (that is what makes lookups work) and keyed so that a
dump alone cannot be brute-forced over the phone-number space.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from typing import Any

import phonenumbers
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from core.inputs import clean_text

TOKEN_PREFIX = "gAAAAA"  # every Fernet token (version byte 0x80) starts with this in base64


def _derived(purpose: str) -> bytes:
    return hashlib.sha256(f"nocturn:{purpose}:{settings.SECRET_KEY}".encode()).digest()


@functools.cache
def fernet() -> MultiFernet:
    keys = [key.strip() for key in settings.FIELD_ENCRYPTION_KEYS if key.strip()]
    if not keys:
        if settings.PRODUCTION:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when NOCTURN_ENV=production.")
        keys = [base64.urlsafe_b64encode(_derived("field-encryption")).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


@functools.cache
def _index_key() -> bytes:
    if settings.BLIND_INDEX_KEY:
        return settings.BLIND_INDEX_KEY.encode()
    if settings.PRODUCTION:
        raise ImproperlyConfigured("BLIND_INDEX_KEY must be set when NOCTURN_ENV=production.")
    return _derived("blind-index")


def reset_keys() -> None:
    """Forget the cached keys (tests that change the settings; a rotation within one process)."""
    fernet.cache_clear()
    _index_key.cache_clear()


def encrypt_text(value: str) -> str:
    # The last line of the input boundary: a lone surrogate cannot be encoded (UnicodeEncodeError,
    # a 500 from any door that missed it), so it is stored as U+FFFD and the rest of the text kept.
    return fernet().encrypt(_encodable(value)).decode()


def _encodable(value: str) -> bytes:
    return clean_text(value, surrogates="replace").encode()


def decrypt_text(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()


def is_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


def rotate_token(token: str) -> str:
    """Re-encrypt under the newest key (MultiFernet.rotate keeps the original timestamp)."""
    return fernet().rotate(token.encode()).decode()


# What `json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)` builds for every call, built once.
_JSON = json.JSONEncoder(separators=(",", ":"), sort_keys=True, default=str)


def encrypt_json(value: Any) -> str:
    return encrypt_text(_JSON.encode(value))


def decrypt_json(token: str) -> Any:
    return json.loads(decrypt_text(token))


# --- Normalisation and the blind index -------------------------------------------------------


def normalize_phone(value: str, region: str = "MY") -> str:
    """E.164 (+60123456789); a bare digit string with a country code (a WhatsApp wa_id) is international.

    Anything that does not parse as a phone number is returned as its digits with a leading +,
    so the index stays deterministic for odd inputs instead of failing a guest's message.
    """
    raw = (value or "").strip()
    if not raw:
        return ""
    candidates = [raw]
    if raw[0] != "+" and raw[0] != "0" and raw.replace(" ", "").isdigit():
        candidates.insert(0, "+" + raw.replace(" ", ""))  # wa_id: country code without the +
    for candidate in candidates:
        try:
            parsed = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    digits = "".join(ch for ch in raw if ch.isdigit())
    return f"+{digits}" if digits else raw.lower()


def normalize_email(value: str) -> str:
    return (value or "").strip().lower()


def blind_index(kind: str, normalized: str) -> str:
    """HMAC-SHA256 hex of `kind:value`; the kind keeps a phone and an e-mail from ever colliding."""
    if not normalized:
        return ""
    return hmac.new(_index_key(), _encodable(f"{kind}:{normalized}"), hashlib.sha256).hexdigest()


def phone_index(value: str, region: str = "MY") -> str:
    return blind_index("phone", normalize_phone(value, region))


def email_index(value: str) -> str:
    return blind_index("email", normalize_email(value))


def identity_index(channel: str, external_id: str) -> str:
    """Index of a channel identity: a WhatsApp wa_id as a phone, an e-mail as an e-mail, others verbatim."""
    if channel == "whatsapp":
        return phone_index(external_id)
    if channel == "email":
        return email_index(external_id)
    return blind_index(f"id:{channel}", external_id)


def pseudonym(value: str) -> str:
    """A short keyed hash for log lines and cache keys that must name a contact without naming it."""
    return blind_index("pseudonym", value)[:16]


def decrypt_or_plain(value: str) -> str:
    """Rows written before encryption hold plaintext until the data migration has run on them."""
    if not value or not is_token(value):
        return value
    try:
        return decrypt_text(value)
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored value could not be decrypted with any FIELD_ENCRYPTION_KEYS: was a key dropped too early?"
        ) from exc


def contact_index(value: str, region: str | None = None) -> str:
    """Index of a contact whatever its channel: an e-mail by its address, a number (a wa_id) as a phone.

    Channel-independent on purpose, so the same person's WhatsApp identity, their guest row and a
    lead they left all share one index value and a lookup by either form finds them all.
    """
    value = (value or "").strip()
    if not value:
        return ""
    if "@" in value:
        return email_index(value)
    compact = value.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
    if compact.lstrip("+").isdigit():
        return phone_index(value, region or current_region())
    return blind_index("id", value)


def current_region() -> str:
    """The active property's country, the default region for numbers written without +country code."""
    return getattr(getattr(connection, "tenant", None), "country", None) or "MY"
