"""System checks: production refuses to start without its own field-encryption and blind-index keys."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from core import crypto


@register()
def encryption_keys_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    if settings.PRODUCTION and not settings.FIELD_ENCRYPTION_KEYS:
        errors.append(
            Error(
                "FIELD_ENCRYPTION_KEYS is not set: guest data would be encrypted with a key derived from SECRET_KEY.",
                hint="Generate one with cryptography's Fernet.generate_key(); see README, Privacy (PDPA).",
                id="privacy.E001",
            )
        )
    if settings.PRODUCTION and not settings.BLIND_INDEX_KEY:
        errors.append(
            Error(
                "BLIND_INDEX_KEY is not set.",
                hint="Any 32+ random bytes, e.g. `openssl rand -hex 32`.",
                id="privacy.E002",
            )
        )
    try:
        crypto.fernet()
    except Exception as exc:  # a malformed key: say so at start, not at the first guest message
        errors.append(Error(f"FIELD_ENCRYPTION_KEYS is not usable: {exc}", id="privacy.E003"))
    return errors
