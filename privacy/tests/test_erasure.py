"""The right to deletion through its three doors: API (managers and platform admins only), admin action, command."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from analytics.models import GMReport
from analytics.services.report import build_report
from analytics.tests.conftest import conversation_at, lead_for
from conftest import api_client, host_client
from conversations.models import (
    Conversation,
    GreetingState,
    Guest,
    GuestIdentity,
    InboundEvent,
    MediaAttachment,
    Message,
    MessageRole,
)
from conversations.unanswered import Unanswered
from gaps.models import Gap
from gaps.services.recording import record_unanswered
from leads.models import Lead
from privacy.models import AuditEvent
from privacy.services import audit
from privacy.services.erasure import ErasureRequestError, erase_guest

PHONE = "+60123450001"


def _guest_in(property_, phone: str = PHONE, email: str = "aina@guest.example", file_name: str = ""):
    with schema_context(property_.schema_name):
        guest = Guest.objects.create(name="Aina", phone=phone, email=email)
        GuestIdentity.objects.create(guest=guest, channel="whatsapp", external_id=phone)
        conversation = Conversation.objects.create(guest=guest, channel="whatsapp", channel_id="n1")
        message = Message.objects.create(
            conversation=conversation, role=MessageRole.GUEST, content="hi", channel="whatsapp"
        )
        InboundEvent.objects.create(channel="whatsapp", kind="message", provider_id=f"w-{phone}",
                                    payload={"sender_id": phone}, message=message)  # fmt: skip
        # An event never linked to a message (e.g. still pending) is found by its encrypted payload.
        InboundEvent.objects.create(channel="whatsapp", kind="message", provider_id=f"p-{phone}",
                                    payload={"sender_id": phone.lstrip("+")})  # fmt: skip
        GreetingState.objects.create(contact=phone, thread_id="n1", last_greeted_on="2026-11-01")
        Lead.objects.create(guest=guest, conversation=conversation, source_channel="whatsapp", phone=phone)
        if file_name:
            MediaAttachment.objects.create(message=message, kind="document", storage_name=file_name)
        return guest


def _erase(user, property_, **body):
    return api_client(user).post(
        f"/api/v1/properties/{property_.pk}/guests/erase", body, content_type="application/json"
    )


def test_a_manager_erases_a_guest_everywhere_in_one_call(world, media, django_capture_on_commit_callbacks):
    name = media.save("alpha/media/id-card.png", ContentFile(b"png"))
    guest = _guest_in(world.a, file_name=name)
    with django_capture_on_commit_callbacks(execute=True):  # files go once the erasure has committed
        response = _erase(world.manager_a, world.a, phone="012-345 0001")  # the local form of the same number
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["guests"] == 1 and body["files"] == 1
    assert body["deleted"]["conversations.InboundEvent"] == 2 and body["deleted"]["leads.Lead"] == 1
    with schema_context(world.a.schema_name):
        assert not Guest.objects.filter(pk=guest.pk).exists()
        assert not InboundEvent.objects.filter(provider_id__in=[f"w-{PHONE}", f"p-{PHONE}"]).exists()
        assert (
            not GreetingState.objects.filter(contact=PHONE).exists() and not Lead.objects.filter(phone=PHONE).exists()
        )
    assert not media.exists(name)
    event = AuditEvent.objects.get(pk=body["audit_event"])
    assert (event.action, event.property_id, event.actor_id) == ("guest.erased", world.a.pk, world.manager_a.pk)
    assert "0001" not in str(event.details) and "aina" not in str(event.details).lower()


def test_staff_of_b_get_404_agents_and_viewers_of_a_get_403_and_nothing_is_deleted(world):
    guest = _guest_in(world.a)
    assert _erase(world.manager_b, world.a, phone=PHONE).status_code == 404
    assert _erase(world.agent_a, world.a, phone=PHONE).status_code == 403
    assert _erase(world.viewer_a, world.a, phone=PHONE).status_code == 403
    assert host_client(None).post(
        f"/api/v1/properties/{world.a.pk}/guests/erase", {"phone": PHONE}, content_type="application/json"
    ).status_code in (401, 403)
    # B's manager erasing "the same number" in B's own property touches nothing of A.
    assert _erase(world.manager_b, world.b, phone=PHONE).json()["guests"] == 0
    with schema_context(world.a.schema_name):
        assert Guest.objects.filter(pk=guest.pk).exists()
    assert not AuditEvent.objects.filter(action="guest.erased", property=world.a).exists()


@pytest.mark.parametrize("body", [{}, {"phone": ""}, {"phone": "call me"}, {"email": "not-an-address"}])
def test_bad_input_is_a_400_and_changes_nothing(world, body):
    guest = _guest_in(world.a)
    response = _erase(world.manager_a, world.a, **body)
    assert response.status_code == 400
    with schema_context(world.a.schema_name):
        assert Guest.objects.filter(pk=guest.pk).exists()


def test_a_platform_admin_may_erase_in_any_property(world):
    _guest_in(world.b, phone="+60123450002")
    response = _erase(world.platform_admin, world.b, phone="+60123450002")
    assert response.status_code == 200 and response.json()["guests"] == 1


def test_a_failure_half_way_leaves_everything_as_it_was(world, media, monkeypatch):
    name = media.save("alpha/media/kept.png", ContentFile(b"png"))
    guest = _guest_in(world.a, file_name=name)

    def broken(*args, **kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit, "record", broken)  # fails after every delete has run
    with pytest.raises(RuntimeError):
        erase_guest(PHONE, property=world.a)
    with schema_context(world.a.schema_name):
        assert Guest.objects.filter(pk=guest.pk).exists() and Message.objects.filter(conversation__guest=guest).exists()
        assert Lead.objects.filter(guest=guest).exists()
        assert InboundEvent.objects.filter(provider_id__in=[f"w-{PHONE}", f"p-{PHONE}"]).count() == 2
    assert media.exists(name)


def test_a_file_another_guest_still_uses_is_kept(world, media):
    name = media.save("alpha/media/shared.png", ContentFile(b"same bytes"))
    _guest_in(world.a, file_name=name)
    _guest_in(world.a, phone="+60123450003", email="other@guest.example", file_name=name)
    result = erase_guest(PHONE, property=world.a)
    assert result.files == [] and media.exists(name)


def test_the_command_erases_by_email_and_refuses_bad_input(world, capsys):
    _guest_in(world.a, phone="+60123450004", email="cmd@guest.example")
    call_command("erase_guest", "--property", "alpha", "--email", "CMD@guest.example")
    assert "Erased 1 guest record(s) of alpha" in capsys.readouterr().out
    with schema_context(world.a.schema_name):
        assert not Guest.objects.filter(email="cmd@guest.example").exists()
    with pytest.raises(CommandError):
        call_command("erase_guest", "--property", "alpha")
    with pytest.raises(CommandError):
        call_command("erase_guest", "--property", "nowhere", "--phone", PHONE)


def test_the_tenant_admin_action_erases_the_selected_guests(world):
    guest = _guest_in(world.a)
    client = host_client(world.a, world.manager_a)
    response = client.post(
        "/admin/conversations/guest/", {"action": "erase_guests", "_selected_action": [guest.pk]}, follow=True
    )
    assert response.status_code == 200 and b"Erased 1 guest" in response.content
    with schema_context(world.a.schema_name):
        assert not Guest.objects.filter(pk=guest.pk).exists()
    assert AuditEvent.objects.filter(action="guest.erased", actor=world.manager_a, property=world.a).exists()


def test_erasing_without_any_contact_is_refused_by_the_service(world):
    with pytest.raises(ErasureRequestError):
        erase_guest(property=world.a)


def test_bs_manager_cannot_erase_as_guest_through_bs_admin(world):
    guest = _guest_in(world.a, phone="+60123450005", email="iso@guest.example")
    client = host_client(world.b, world.manager_b)
    client.post("/admin/conversations/guest/", {"action": "erase_guests", "_selected_action": [guest.pk]}, follow=True)
    with schema_context(world.a.schema_name):
        assert Guest.objects.filter(pk=guest.pk).exists() and Lead.objects.filter(guest=guest).exists()
    assert not AuditEvent.objects.filter(action="guest.erased", property=world.a).exists()
    # And on A's host B's manager is not let in at all.
    response = host_client(world.a, world.manager_b).post(
        "/admin/conversations/guest/", {"action": "erase_guests", "_selected_action": [guest.pk]}
    )
    assert response.status_code in (302, 403, 404)
    with schema_context(world.a.schema_name):
        assert Guest.objects.filter(pk=guest.pk).exists()


def _stored_report_with(property_, leads: list[tuple[str, str]]) -> dt.date:
    """A sent GM report of yesterday (the hotel's day) listing these (name, phone) after-hours leads."""
    with schema_context(property_.schema_name):
        night = timezone.localtime(timezone=property_.tzinfo).replace(hour=23, minute=30) - dt.timedelta(days=1)
        for name, phone in leads:
            conversation = conversation_at(night, after_hours=True)
            lead_for(conversation, "500.00", after_hours=True, created=night, guest_name=name, phone=phone)
        GMReport.objects.filter(report_date=night.date()).delete()  # one report a day
        build_report(night.date()).save()
        return night.date()


def test_an_erased_guest_leaves_the_gms_stored_reports_and_others_stay(world):
    # Two guests of the same (common) name; only the one with this number asked to be erased.
    day = _stored_report_with(world.a, [("Ahmad O'Neil", PHONE), ("Ahmad O'Neil", "+60123459999")])
    _stored_report_with(world.b, [("Ahmad O'Neil", PHONE)])  # B's guest with the same number is another person
    assert _erase(world.manager_a, world.a, phone=PHONE).json()["reports"] == 1
    with schema_context(world.a.schema_name):
        report = GMReport.objects.get(report_date=day)
        shown = host_client(world.a, world.manager_a).get(f"/analytics/reports/{report.pk}/").content.decode()
        for part in (report.html, report.text, shown):
            assert "0123450001" not in part.replace(" ", "") and "+60123459999" in part
            assert part.count("Ahmad O") == 1 and "(a guest erased at their request)" in part
    with schema_context(world.b.schema_name):
        assert PHONE in GMReport.objects.get(report_date=day).html  # B's report is B's: untouched


def test_a_stored_report_row_goes_by_any_contact_the_lead_holds_at_the_erasure(world):
    # The report listed the guest by e-mail (no number yet); the number came later, and the erasure asks by it.
    with schema_context(world.a.schema_name):
        night = timezone.localtime(timezone=world.a.tzinfo).replace(hour=23, minute=30) - dt.timedelta(days=1)
        conversation = conversation_at(night, after_hours=True)
        lead = lead_for(conversation, "500.00", after_hours=True, created=night, guest_name="Siti Aminah")
        lead.email = "siti@guest.example"
        lead.save()
        GMReport.objects.filter(report_date=night.date()).delete()
        build_report(night.date()).save()
        assert "siti@guest.example" in GMReport.objects.get(report_date=night.date()).text
        lead.phone = PHONE
        lead.save()
    assert _erase(world.manager_a, world.a, phone=PHONE).json()["reports"] == 1
    with schema_context(world.a.schema_name):
        report = GMReport.objects.get(report_date=night.date())
        for part in (report.html, report.text):
            assert "siti@guest.example" not in part and "Siti Aminah" not in part


@pytest.mark.parametrize("written", ["+60 12-345 0001", "012-345 0001", "(012) 345-0001", "0123450001"])
def test_the_admin_finds_a_guest_by_the_number_as_people_write_it(world, written):
    # Before an erasure a platform admin looks the guest up: a number with spaces found nobody.
    guest = _guest_in(world.a)
    _guest_in(world.a, phone="+60123450009", email="other@guest.example")
    admin_a = host_client(world.a, world.platform_admin)
    for path, row in [("conversations/guest", guest.pk), ("leads/lead", None), ("conversations/conversation", None)]:
        page = admin_a.get(f"/admin/{path}/", {"q": written}).content.decode()
        assert "1 result" in page, (path, written)
        if row:
            assert f"/admin/{path}/{row}/change/" in page
    # B's admin pages, the same number: B's own guests only (none), never A's.
    page_b = host_client(world.b, world.manager_b).get("/admin/conversations/guest/", {"q": written})
    assert page_b.status_code == 200 and "Aina" not in page_b.content.decode()
    assert "/admin/conversations/guest/" + f"{guest.pk}/change/" not in page_b.content.decode()


def _unanswered(guest: Guest, text: str) -> None:
    """The guest asked `text` and the assistant could not answer: recorded as the engine records it."""
    conversation = Conversation.objects.create(guest=guest, channel="whatsapp", channel_id=f"q-{guest.pk}-{text}")
    asked = Message.objects.create(conversation=conversation, role=MessageRole.GUEST, content=text, channel="whatsapp")
    reply = Message.objects.create(conversation=conversation, role=MessageRole.AI, content="Let me check.",
                                   channel="whatsapp")  # fmt: skip
    with transaction.atomic():
        record_unanswered(Unanswered(conversation, reply, (asked,), text, "en", "no_hits", 0.0, timezone.now()))


OWN_WORDS = "Is there a halal steakhouse near you for my daughter's 7th birthday?"


def _stored_report_quoting(property_, *, others: bool) -> GMReport:
    """A stored report of today whose top questions quote Aina's own words (and, in A, two other guests')."""
    aina = _guest_in(property_)
    with schema_context(property_.schema_name):
        Gap.objects.all().delete()  # only this test's questions are the top ones
        _unanswered(aina, OWN_WORDS)
        if others:
            other = Guest.objects.create(name="Ben", phone="+60123459999")
            _unanswered(other, "Can I rent a bicycle for the afternoon?")  # another guest's question
            for guest in (aina, other):  # the same words from two guests: the quote may be the other's
                _unanswered(guest, "Do you have a rooftop pool?")
        GMReport.objects.all().delete()
        report = build_report(timezone.localtime(timezone=property_.tzinfo).date())
        report.save()
        return report


@pytest.mark.parametrize("contact", [{"phone": PHONE}, {"email": "aina@guest.example"}])
def test_an_erased_guests_words_leave_the_top_questions_of_stored_reports(world, contact):
    stored = _stored_report_quoting(world.a, others=True)
    _stored_report_quoting(world.b, others=False)  # B's guest of the same number asked the same: another person
    shown_as = ("Is there a halal steakhouse", "daughter&#x27;s 7th birthday")
    assert all(words in stored.html and words in stored.text for words in shown_as)
    assert _erase(world.manager_a, world.a, **contact).json()["reports"] == 1
    with schema_context(world.a.schema_name):
        report = GMReport.objects.get(pk=stored.pk)
        shown = host_client(world.a, world.manager_a).get(f"/analytics/reports/{report.pk}/").content.decode()
        for part in (report.html, report.text, shown):
            assert "steakhouse" not in part and "birthday" not in part
            assert "(a question of a guest erased at their request)" in part
            # The other guests' questions, and the wording another guest asked too, stay as sent.
            assert "rent a bicycle for the afternoon" in part and "rooftop pool" in part
        assert report.html.count("/gaps/") == stored.html.count("/gaps/")  # every question's count and link stay
    with schema_context(world.b.schema_name):
        assert "steakhouse" in GMReport.objects.get().html  # B's report is B's: untouched
