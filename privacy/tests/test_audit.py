"""The audit trail: one public table, written from any schema, without guest PII; platform admins only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django_tenants.utils import schema_context

from privacy.models import AuditEvent, RetentionSettings
from privacy.services import audit


def _tables_in(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


def test_the_audit_table_is_public_only_and_retention_settings_tenant_only(world):
    assert "privacy_auditevent" in _tables_in("public")
    assert "privacy_retentionsettings" not in _tables_in("public")
    for schema in (world.a.schema_name, world.b.schema_name):
        assert "privacy_auditevent" not in _tables_in(schema)
        assert "privacy_retentionsettings" in _tables_in(schema)


def test_record_from_a_property_schema_lands_in_the_public_trail_with_its_property(world):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    request.user = world.manager_a
    with schema_context(world.a.schema_name):
        event = audit.record("lead.view", target_type="leads.lead", target_id="42", request=request)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.actor_email, stored.property_id) == (
        world.manager_a.pk,
        "manager@alpha.example",
        world.a.pk,
    )
    assert (stored.action, stored.target_type, stored.target_id, stored.ip) == (
        "lead.view",
        "leads.lead",
        "42",
        "203.0.113.9",
    )


def test_record_masks_contact_data_a_caller_put_in_details_by_mistake(world):
    event = audit.record("guest.erased", details={"note": "asked by +60 12-345 6789 / ali@example.com", "rows": 3})
    assert event.details == {"note": "asked by <phone> / <email>", "rows": 3}


def test_a_system_event_has_no_actor(world):
    event = audit.record("retention.purge", property=world.b, details={"messages": 0})
    assert event.actor is None and event.actor_email == "" and event.property == world.b


def test_retention_settings_current_creates_the_default_row_once(world):
    with schema_context(world.a.schema_name):
        first = RetentionSettings.current()
        assert (first.conversation_days, first.lead_days, first.greeting_state_days) == (90, 365, 30)
        assert RetentionSettings.current().pk == first.pk and RetentionSettings.objects.count() == 1


@pytest.mark.parametrize("field,value", [("conversation_days", 1), ("lead_days", 5000), ("greeting_state_days", 0)])
def test_retention_settings_refuse_out_of_range_values(world, field, value):
    from django.core.exceptions import ValidationError

    with schema_context(world.a.schema_name):
        settings_ = RetentionSettings.current()
        setattr(settings_, field, value)
        with pytest.raises(ValidationError):
            settings_.full_clean()


def test_the_seam_other_apps_call_writes_the_row_in_the_callers_transaction(world):
    # conversations, leads and integrations sit below privacy: they call core.audit.record, and the
    # recorder privacy registered at start-up writes the AuditEvent.
    from django.db import transaction

    from core import audit as audit_seam
    from core.audit import AuditAction

    with schema_context(world.a.schema_name):
        event = audit_seam.record(
            AuditAction.TAKEOVER, actor=world.agent_a, target_type="conversations.conversation", target_id="7"
        )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.actor_id, stored.property_id, stored.target_id) == (
        "conversation.takeover",
        world.agent_a.pk,
        world.a.pk,
        "7",
    )

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        rolled_back = audit_seam.record(AuditAction.LEAD_VIEW, property=world.a, target_id="8")
        raise Rollback
    assert not AuditEvent.objects.filter(pk=rolled_back.pk).exists()  # rolled back with the caller
