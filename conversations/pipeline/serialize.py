"""NormalizedMessage <-> JSON, so an inbound event row carries exactly what the worker will ingest."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from messaging.base import Media, NormalizedMessage

_FIELDS = tuple(f.name for f in dataclasses.fields(NormalizedMessage))
_MEDIA_FIELDS = tuple(f.name for f in dataclasses.fields(Media))


def dump(message: NormalizedMessage) -> dict[str, Any]:
    """The message as JSON-ready values: what `dataclasses.asdict` gave, without its deep copy.

    The copy cost more CPU than the rest of the webhook's parse; the result is only serialised
    (the event row's encrypted payload), so `extra` is a shallow copy of the message's own dict.
    """
    data = {name: getattr(message, name) for name in _FIELDS}
    data["timestamp"] = message.timestamp.isoformat()
    data["media"] = [{name: getattr(m, name) for name in _MEDIA_FIELDS} for m in message.media]
    data["extra"] = dict(message.extra)
    return data


def load(data: dict[str, Any]) -> NormalizedMessage:
    fields = {f.name for f in dataclasses.fields(NormalizedMessage)}
    values = {k: v for k, v in data.items() if k in fields}
    values["timestamp"] = dt.datetime.fromisoformat(values["timestamp"])
    values["media"] = tuple(Media(**m) for m in values.get("media") or ())
    return NormalizedMessage(**values)
