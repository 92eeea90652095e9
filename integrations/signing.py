"""The signature scheme of integration events (Stripe-style).

    X-Nocturn-Signature: t=1764430000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd

`v1` is the lowercase hex HMAC-SHA256, keyed with the credential's secret, of the ASCII decimal
timestamp, a dot and the raw request body exactly as sent: `f"{t}.".encode() + body`. Several
`v1=` entries may be given (while a hotel rotates its secret); one valid entry is enough. A
timestamp more than the tolerance away from our clock, in either direction, is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

HEADER = "X-Nocturn-Signature"
SCHEME = "v1"


class SignatureError(Exception):
    """The request is not signed by a current credential of the property: answer 401."""


@dataclass(frozen=True)
class ParsedSignature:
    timestamp: int
    signatures: tuple[str, ...]


def compute(secret: str, timestamp: int | str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def header_value(secret: str, timestamp: int, body: bytes) -> str:
    """What a hotel system sends (used by our tests and the README's worked example)."""
    return f"t={timestamp},{SCHEME}={compute(secret, timestamp, body)}"


def parse(header: str | None) -> ParsedSignature:
    if not header:
        raise SignatureError(f"missing {HEADER} header")
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if name == "t":
            if not value.isdigit() or len(value) > 12:
                raise SignatureError("the timestamp t= must be a Unix time in seconds")
            timestamp = int(value)
        elif name == SCHEME:
            signatures.append(value.strip().lower())
    if timestamp is None:
        raise SignatureError(f"{HEADER} has no t= timestamp")
    if not signatures:
        raise SignatureError(f"{HEADER} has no {SCHEME}= signature")
    return ParsedSignature(timestamp, tuple(signatures))


def verify(header: str | None, body: bytes, secrets: Iterable[str], *, now: float, tolerance: int) -> tuple[int, str]:
    """(timestamp, the secret that matched) or SignatureError. Every comparison is constant-time."""
    parsed = parse(header)
    if abs(now - parsed.timestamp) > tolerance:
        # Outside the window a captured request could be replayed: refuse it whatever it says.
        raise SignatureError(f"timestamp outside the {tolerance} s tolerance")
    for secret in secrets:
        expected = compute(secret, parsed.timestamp, body)
        # Check every candidate without stopping early, so timing says nothing about which one matched.
        if any([hmac.compare_digest(expected, candidate) for candidate in parsed.signatures]):
            return parsed.timestamp, secret
    raise SignatureError("no valid signature for this property")
