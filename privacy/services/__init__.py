"""Privacy operations: `audit.record` (the recorder behind `core.audit.record`), `erasure.erase_guest`,
`retention.purge_expired`. Field encryption and the blind index are `core.crypto` / `core.fields`."""

from __future__ import annotations

from typing import Any


def erase_guest(*args: Any, **kwargs: Any) -> Any:
    """See `privacy.services.erasure.erase_guest` (imported lazily: it reaches into every tenant app)."""
    from privacy.services.erasure import erase_guest as _erase_guest

    return _erase_guest(*args, **kwargs)
