"""core.audit: every app records through one seam; with no recorder registered, nothing is dropped silently."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from core import audit


def test_recording_without_a_recorder_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "_recorder", None)
    with pytest.raises(ImproperlyConfigured, match="No audit recorder"):
        audit.record(audit.AuditAction.LEAD_VIEW, target_type="leads.lead", target_id="1")


def test_record_hands_every_argument_to_the_registered_recorder(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr(audit, "_recorder", None)
    audit.register_recorder(lambda action, **kwargs: calls.append((action, kwargs)) or "event")
    assert audit.record("lead.list", target_type="leads.lead", details={"rows": 3}) == "event"
    assert calls == [
        (
            "lead.list",
            {
                "actor": None,
                "property": None,
                "target_type": "leads.lead",
                "target_id": "",
                "details": {"rows": 3},
                "request": None,
            },
        )
    ]


def test_by_records_its_actor_property_and_request_with_each_event(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr(audit, "_recorder", None)
    audit.register_recorder(lambda action, **kwargs: calls.append((action, kwargs)) or "event")
    actor, property_, request = object(), object(), object()
    by = audit.By(actor, property_, request)  # type: ignore[arg-type]
    assert by.record("staff.invited", "invitation", 7, {"role": "agent"}) == "event"
    by.record("onboarding.live", "property")
    assert calls == [
        (
            "staff.invited",
            {
                "actor": actor,
                "property": property_,
                "target_type": "invitation",
                "target_id": 7,
                "details": {"role": "agent"},
                "request": request,
            },
        ),
        (
            "onboarding.live",
            {
                "actor": actor,
                "property": property_,
                "target_type": "property",
                "target_id": "",
                "details": None,
                "request": request,
            },
        ),
    ]
