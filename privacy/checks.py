"""System checks: production refuses to start without its own field-encryption and blind-index keys."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from core import crypto

# The settings production must set itself: (name, what goes wrong without it, how to make one, check id).
REQUIRED_IN_PRODUCTION = (
    (
        "FIELD_ENCRYPTION_KEYS",
        "FIELD_ENCRYPTION_KEYS is not set: guest data would be encrypted with a key derived from SECRET_KEY.",
        "Generate one with cryptography's Fernet.generate_key(); see README, Privacy (PDPA).",
        "privacy.E001",
    ),
    (
        "BLIND_INDEX_KEY",
        "BLIND_INDEX_KEY is not set.",
        "Any 32+ random bytes, e.g. `openssl rand -hex 32`.",
        "privacy.E002",
    ),
)


@register()
def encryption_keys_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = [
        Error(message, hint=hint, id=check_id)
        for name, message, hint, check_id in REQUIRED_IN_PRODUCTION
        if settings.PRODUCTION and not getattr(settings, name)
    ]
    try:
        crypto.fernet()
    except Exception as exc:  # a malformed key: say so at start, not at the first guest message
        errors.append(Error(f"FIELD_ENCRYPTION_KEYS is not usable: {exc}", id="privacy.E003"))
    return errors
