"""NormalizedMessage <-> JSON, so an inbound event row carries exactly what the worker will ingest."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from messaging.base import Media, NormalizedMessage


def dump(message: NormalizedMessage) -> dict[str, Any]:
    data = dataclasses.asdict(message)
    data["timestamp"] = message.timestamp.isoformat()
    data["media"] = [dataclasses.asdict(m) for m in message.media]
    return data


def load(data: dict[str, Any]) -> NormalizedMessage:
    fields = {f.name for f in dataclasses.fields(NormalizedMessage)}
    values = {k: v for k, v in data.items() if k in fields}
    values["timestamp"] = dt.datetime.fromisoformat(values["timestamp"])
    values["media"] = tuple(Media(**m) for m in values.get("media") or ())
    return NormalizedMessage(**values)
