"""What the audit trail records (admin actions, lead views, takeovers) and who may read it."""

from __future__ import annotations

from django_tenants.utils import schema_context

from conftest import api_client, host_client
from conversations import handoff
from conversations.models import Conversation, Guest
from leads.models import Lead
from privacy.models import AuditEvent
from privacy.services import audit


def _lead_in(property_) -> Lead:
    with schema_context(property_.schema_name):
        guest = Guest.objects.create(name="Lee", phone="+60123999001")
        conversation = Conversation.objects.create(guest=guest, channel="whatsapp")
        return Lead.objects.create(guest=guest, conversation=conversation, source_channel="whatsapp")


def test_lead_views_through_the_api_and_the_dashboard_are_recorded(world):
    lead = _lead_in(world.a)
    client = api_client(world.viewer_a)
    assert client.get(f"/api/v1/properties/{world.a.pk}/leads/{lead.pk}").status_code == 200
    assert client.get(f"/api/v1/properties/{world.a.pk}/leads").status_code == 200
    assert host_client(world.a, world.agent_a).get(f"/leads/{lead.pk}/").status_code == 200
    events = AuditEvent.objects.filter(property=world.a, target_type="leads.lead").order_by("pk")
    assert [(e.action, e.actor_email) for e in events] == [
        ("lead.view", "viewer@alpha.example"),
        ("lead.list", "viewer@alpha.example"),
        ("lead.view", "agent@alpha.example"),
    ]
    assert events[0].target_id == str(lead.pk) and events[1].details["ids"] == [lead.pk]


def test_a_takeover_and_its_release_are_recorded(world):
    with schema_context(world.a.schema_name):
        conversation = Conversation.objects.create(guest=Guest.objects.create(), channel="web")
        handoff.take_over(conversation.pk, user_id=world.agent_a.pk)
        handoff.take_over(conversation.pk, user_id=world.agent_a.pk)  # a second click changes nothing
        handoff.resolve(conversation.pk, user_id=world.manager_a.pk)
    events = AuditEvent.objects.filter(property=world.a, target_id=str(conversation.pk)).order_by("pk")
    assert [(e.action, e.actor_id) for e in events] == [
        ("conversation.takeover", world.agent_a.pk),
        ("conversation.release", world.manager_a.pk),
    ]


def test_tenant_admin_changes_and_deletes_are_recorded_without_the_objects_text(world):
    lead, other = _lead_in(world.a), _lead_in(world.a)
    client = host_client(world.a, world.manager_a)
    with schema_context(world.a.schema_name):
        from privacy.models import RetentionSettings

        RetentionSettings.current()
    response = client.post(
        "/admin/privacy/retentionsettings/1/change/",
        {"conversation_days": 60, "lead_days": 365, "greeting_state_days": 30, "_save": "Save"},
    )
    assert response.status_code == 302
    # A bulk delete: Django logs those with bulk_create (no post_save), the trail still gets each one.
    selected = [lead.pk, other.pk]
    client.post("/admin/leads/lead/", {"action": "delete_selected", "_selected_action": selected, "post": "yes"})
    with schema_context(world.a.schema_name):
        assert not Lead.objects.filter(pk__in=selected).exists()
    change = AuditEvent.objects.get(property=world.a, action="admin.change", target_type="privacy.retentionsettings")
    assert change.details == {"changed_fields": ["Conversation days"]} or "conversation_days" in str(change.details)
    assert change.actor == world.manager_a and change.target_id == "1"
    deletions = AuditEvent.objects.filter(property=world.a, action="admin.delete", target_type="leads.lead")
    assert sorted(int(e.target_id) for e in deletions) == sorted(selected)


def test_only_platform_admins_read_the_trail_and_b_never_sees_a(world):
    audit.record("lead.view", actor=world.manager_a, property=world.a, target_type="leads.lead", target_id="1")
    # Public admin: staff accounts (not superusers) are kept out entirely.
    for user in (world.manager_a, world.manager_b):
        response = host_client(None, user).get("/admin/privacy/auditevent/")
        assert response.status_code in (302, 403) and b"lead.view" not in response.content
    # Tenant admins (of B, and of A itself) have no page for the trail at all.
    assert host_client(world.b, world.manager_b).get("/admin/privacy/auditevent/").status_code == 404
    assert host_client(world.a, world.manager_a).get("/admin/privacy/auditevent/").status_code == 404
    admin_page = host_client(None, world.platform_admin).get("/admin/privacy/auditevent/")
    assert admin_page.status_code == 200 and b"lead.view" in admin_page.content
    # Read-only, even for platform admins.
    event = AuditEvent.objects.latest("pk")
    client = host_client(None, world.platform_admin)
    assert client.post(f"/admin/privacy/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/privacy/auditevent/add/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_public_admin_actions_are_recorded(world):
    client = host_client(None, world.platform_admin)
    response = client.post(f"/admin/properties/property/{world.b.pk}/change/", {})
    # Whatever the form says, a failed save records nothing; a real change through log_actions does:
    from django.contrib.admin.models import CHANGE, LogEntry

    LogEntry.objects.log_actions(
        world.platform_admin.pk, [world.b], CHANGE, change_message=[{"changed": {"fields": ["name"]}}]
    )
    event = AuditEvent.objects.filter(action="admin.change", target_type="properties.property").latest("pk")
    assert event.target_id == str(world.b.pk) and event.details == {"changed_fields": ["name"]}
    assert response.status_code in (200, 302)


def test_the_admin_history_does_not_keep_a_guests_name(world):
    from django.contrib.admin.models import LogEntry

    with schema_context(world.a.schema_name):
        guest = Guest.objects.create(name="Farah Binti", phone="+60123999002")
    client = host_client(world.a, world.manager_a)
    client.post(
        "/admin/conversations/guest/", {"action": "delete_selected", "_selected_action": [guest.pk], "post": "yes"}
    )
    with schema_context(world.a.schema_name):
        entries = list(LogEntry.objects.filter(object_id=str(guest.pk), content_type__model="guest"))
        assert entries and all("Farah" not in e.object_repr and "+6012" not in e.object_repr for e in entries)
