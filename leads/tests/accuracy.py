"""Per-field accuracy of the offline extraction on the fixture conversations.

    .venv/bin/python -m leads.tests.accuracy

A field counts as right when the extracted value equals the expected one, "none" included (not
inventing a value is part of being right). "found" is recall on the fields that have a value.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from leads.services.extraction import extract
from leads.services.schema import ExtractionContext, RoomOption

FIXTURE = Path(__file__).parent / "fixtures" / "extraction_cases.json"
FIELDS = ["name", "phone", "email", "intent", "check_in", "check_out", "nights", "adults", "children", "rooms",
          "group_size", "room_type", "event_date"]  # fmt: skip


def load() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def context(data: dict[str, Any]) -> ExtractionContext:
    rooms = tuple(RoomOption(r["name"], tuple(r["aliases"]), r["rate"]) for r in data["rooms"])
    return ExtractionContext(dt.datetime.fromisoformat(data["reference"]), data["timezone"], data["country"], rooms)


CTX = context(load())  # the fixture's hotel: "now" is 23 November 2026 (a Monday), 22:30 in Kuala Lumpur


def fields(*messages: str, ctx: ExtractionContext = CTX) -> dict[str, Any]:
    """What the offline extraction reads from a guest's `messages`, said in that order (the fields it found)."""
    return extract(list(messages), ctx).fields.known_fields()


def expected_of(case: dict[str, Any]) -> dict[str, Any]:
    return {name: case["expected"].get(name, "general" if name == "intent" else None) for name in FIELDS}


def extracted_of(case: dict[str, Any], ctx: ExtractionContext) -> dict[str, Any]:
    # The fixture's fields only: special requests (free text, never asked for) are measured by
    # leads/tests/test_special_requests.py and the dialogue set, not by this conversation fixture.
    fields = extract(case["messages"], ctx).fields.model_dump(mode="json")
    return {name: fields[name] for name in FIELDS}


def accuracy(cases: list[dict[str, Any]], ctx: ExtractionContext) -> dict[str, dict[str, float | int]]:
    table: dict[str, dict[str, float | int]] = {}
    results = [(expected_of(case), extracted_of(case, ctx)) for case in cases]
    for name in FIELDS:
        right = sum(1 for expected, got in results if expected[name] == got[name])
        with_value = [(e, g) for e, g in results if e[name] not in (None, "general")]
        found = sum(1 for e, g in with_value if e[name] == g[name])
        table[name] = {
            "accuracy": round(right / len(results), 3),
            "cases_with_value": len(with_value),
            "found": round(found / len(with_value), 3) if with_value else 1.0,
        }
    return table


def report() -> str:
    data = load()
    ctx = context(data)
    lines = []
    sets = (("tuning set", data["cases"]), ("holdout (never tuned on)", data["holdout"]))
    for label, cases in sets:
        lines.append(f"{label}: {len(cases)} conversations")
        lines.append(f"  {'field':<11} {'accuracy':>8} {'found':>6} {'n':>3}")
        for name, row in accuracy(cases, ctx).items():
            lines.append(f"  {name:<11} {row['accuracy']:>8.3f} {row['found']:>6.3f} {row['cases_with_value']:>3}")
    for case in data["known_misses"]:
        got, expected = extracted_of(case, ctx), expected_of(case)
        wrong = {name: (got[name], expected[name]) for name in FIELDS if got[name] != expected[name]}
        lines.append(f"known miss {case['id']}: {wrong} — {case['why']}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
