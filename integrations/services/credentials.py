"""Integration credentials (public schema): create, rotate, and find the secrets a request may be signed with.

Secrets are kept encrypted at rest with the field-encryption keys (`core.crypto`):
an HMAC needs the secret itself, so it cannot be hashed like a password. The plain secret leaves
this module only in the `IssuedCredential` returned by `create`/`rotate`, to be shown once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from core import audit, crypto
from integrations.models import IntegrationCredential, generate_secret
from properties.models import Property, User


@dataclass(frozen=True)
class IssuedCredential:
    credential: IntegrationCredential
    secret: str  # shown to the person once; never stored or logged in the clear


def _sealed(secret: str) -> str:
    return crypto.encrypt_text(secret)


def _opened(stored: str) -> str:
    return crypto.decrypt_text(stored) if crypto.is_token(stored) else stored


def create(
    property_: Property, *, label: str = "", actor: User | None = None, request: HttpRequest | None = None
) -> IssuedCredential:
    secret = generate_secret()
    with transaction.atomic():
        credential = IntegrationCredential.objects.create(property=property_, label=label, secret=_sealed(secret))
        audit.By(actor, property_, request).record(
            "integration.credential_created", "integration_credential", credential.key_id, {"label": label}
        )
    return IssuedCredential(credential, secret)


def rotate(
    credential: IntegrationCredential,
    *,
    grace: dt.timedelta | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> IssuedCredential:
    """A new secret under the same key id; the old one stays valid for `grace` (default INTEGRATION_ROTATION_GRACE)."""
    grace = dt.timedelta(seconds=settings.INTEGRATION_ROTATION_GRACE) if grace is None else grace
    secret = generate_secret()
    now = timezone.now()
    with transaction.atomic():
        locked = IntegrationCredential.objects.select_for_update().get(pk=credential.pk)
        locked.previous_secret = locked.secret if grace.total_seconds() > 0 else ""
        locked.previous_valid_until = now + grace if grace.total_seconds() > 0 else None
        locked.secret = _sealed(secret)
        locked.rotated_at = now
        locked.save(update_fields=["previous_secret", "previous_valid_until", "secret", "rotated_at"])
        audit.By(actor, locked.property, request).record(
            "integration.credential_rotated",
            "integration_credential",
            locked.key_id,
            {"grace_seconds": int(grace.total_seconds())},
        )
    return IssuedCredential(locked, secret)


def candidate_secrets(property_: Property, now: dt.datetime | None = None) -> list[tuple[IntegrationCredential, str]]:
    """Every (credential, plain secret) that may sign a request for this property right now."""
    now = now or timezone.now()
    pairs: list[tuple[IntegrationCredential, str]] = []
    for credential in IntegrationCredential.objects.filter(property=property_, is_active=True):
        for stored in credential.secrets_valid_at(now):
            pairs.append((credential, _opened(stored)))
    return pairs


def mark_used(credential: IntegrationCredential) -> None:
    IntegrationCredential.objects.filter(pk=credential.pk).update(last_used_at=timezone.now())
