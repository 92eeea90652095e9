"""A pending inbound address is stored (issue 18): address, who asked, when, until when; the settings page shows
it as "waiting for confirmation — sent to …" with resend and cancel; its link turns it into the binding;
past its expiry it is dropped. Another property's address is stored and shown the same way (no mail is
sent there), so a squatter learns nothing; property B can neither see nor touch A's pending addresses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from conftest import host_client
from onboarding.services import bindings
from onboarding.tests.test_bindings import ask_address, confirmation_mails, link_in  # noqa: F401 (an autouse fixture)
from properties.models import EmailBinding, PendingEmailBinding

pytestmark = pytest.mark.django_db

SETTINGS = "/settings/"


def path_of(link: str) -> str:
    return "/" + link.split("//", 1)[1].split("/", 1)[1]


def test_an_address_waits_on_the_settings_page_until_its_link_binds_it(world: Any, django_capture_on_commit_callbacks):
    ask_address(world, world.a, "Desk@Alpha-Hotel.example", django_capture_on_commit_callbacks)
    pending = PendingEmailBinding.objects.get(property=world.a)
    assert pending.address == "desk@alpha-hotel.example" and pending.requested_by == world.manager_a
    hours = (pending.expires_at - pending.requested_at).total_seconds() / 3600
    assert round(hours) == settings.EMAIL_BINDING_LINK_HOURS
    page = host_client(world.a, world.manager_a).get(SETTINGS).content.decode()
    assert "Waiting for confirmation — sent to <strong>desk@alpha-hotel.example</strong>" in page
    assert world.manager_a.email in page
    done = host_client(world.a).post(path_of(link_in(mail.outbox[-1])))
    assert done.status_code == 200 and b"is connected" in done.content
    assert EmailBinding.objects.get(address="desk@alpha-hotel.example").property_id == world.a.pk
    assert not PendingEmailBinding.objects.exists()
    page = host_client(world.a, world.manager_a).get(SETTINGS).content.decode()
    assert "Waiting for confirmation" not in page and "desk@alpha-hotel.example" in page


def test_resend_sends_a_new_link_and_the_old_one_stops_working(world: Any, django_capture_on_commit_callbacks):
    ask_address(world, world.a, "desk@alpha-hotel.example", django_capture_on_commit_callbacks)
    old_link = path_of(link_in(mail.outbox[-1]))
    pending = PendingEmailBinding.objects.get()
    manager = host_client(world.a, world.manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        resent = manager.post(f"/settings/email-addresses/{pending.pk}/resend/")
    assert resent.status_code == 302 and len(mail.outbox) == 2 and mail.outbox[-1].to == ["desk@alpha-hotel.example"]
    refused = host_client(world.a).post(old_link)
    assert refused.status_code == 404 and bindings.ADDRESS_UNVERIFIED.encode() in refused.content
    assert host_client(world.a).post(path_of(link_in(mail.outbox[-1]))).status_code == 200
    assert EmailBinding.objects.filter(address="desk@alpha-hotel.example", property=world.a).exists()


def test_cancel_drops_it_and_its_link(world: Any, django_capture_on_commit_callbacks):
    ask_address(world, world.a, "desk@alpha-hotel.example", django_capture_on_commit_callbacks)
    link = path_of(link_in(mail.outbox[-1]))
    pending = PendingEmailBinding.objects.get()
    cancelled = host_client(world.a, world.manager_a).post(f"/settings/email-addresses/{pending.pk}/cancel/")
    assert cancelled.status_code == 302 and not PendingEmailBinding.objects.exists()
    refused = host_client(world.a).post(link)
    assert refused.status_code == 404 and bindings.ADDRESS_UNVERIFIED.encode() in refused.content
    assert not EmailBinding.objects.filter(address="desk@alpha-hotel.example").exists()


def test_past_its_expiry_it_is_dropped(world: Any, django_capture_on_commit_callbacks):
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False):
        ask_address(world, world.a, "desk@alpha-hotel.example", django_capture_on_commit_callbacks)
    pending = PendingEmailBinding.objects.get()
    later = start + dt.timedelta(hours=settings.EMAIL_BINDING_LINK_HOURS, minutes=1)
    with time_machine.travel(later, tick=False):
        manager = host_client(world.a, world.manager_a)
        assert manager.post(f"/settings/email-addresses/{pending.pk}/resend/").status_code == 404
        assert b"Waiting for confirmation" not in manager.get(SETTINGS).content
    assert not PendingEmailBinding.objects.exists()


def test_squatting_is_shown_as_waiting_like_any_address_and_mails_nobody(
    world: Any, django_capture_on_commit_callbacks
):
    EmailBinding.objects.create(property=world.a, address="front@alpha-hotel.example")
    for address in ("front@alpha-hotel.example", "free@bravo-hotel.example"):
        ask_address(world, world.b, address, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["free@bravo-hotel.example"]]
    page = host_client(world.b, world.manager_b).get(SETTINGS).content.decode()
    for address in ("front@alpha-hotel.example", "free@bravo-hotel.example"):
        assert f"Waiting for confirmation — sent to <strong>{address}</strong>" in page
    assert world.a.name not in page and "another" not in page
    squat = PendingEmailBinding.objects.get(property=world.b, address="front@alpha-hotel.example")
    with django_capture_on_commit_callbacks(execute=True):
        host_client(world.b, world.manager_b).post(f"/settings/email-addresses/{squat.pk}/resend/")
    assert len(mail.outbox) == 1  # a resend mails A's address nothing either
    assert EmailBinding.objects.get(address="front@alpha-hotel.example").property_id == world.a.pk


def test_b_can_neither_see_nor_touch_as_pending_addresses(world: Any, django_capture_on_commit_callbacks):
    ask_address(world, world.a, "desk@alpha-hotel.example", django_capture_on_commit_callbacks)
    pending = PendingEmailBinding.objects.get(property=world.a)
    b_page = host_client(world.b, world.manager_b).get(SETTINGS)
    assert b_page.status_code == 200 and b"desk@alpha-hotel.example" not in b_page.content
    for action in ("resend", "cancel"):
        # On B's own host with A's id, and on A's host where B's manager is no member.
        assert (
            host_client(world.b, world.manager_b).post(f"/settings/email-addresses/{pending.pk}/{action}/").status_code
            == 404
        )
        assert host_client(world.a, world.manager_b).post(
            f"/settings/email-addresses/{pending.pk}/{action}/"
        ).status_code in (403, 404)
        # A's agent may not either: managers only.
        assert host_client(world.a, world.agent_a).post(
            f"/settings/email-addresses/{pending.pk}/{action}/"
        ).status_code in (403, 404)
    assert PendingEmailBinding.objects.filter(pk=pending.pk).exists() and len(mail.outbox) == 1
    assert (
        host_client(world.a, world.manager_a).post(f"/settings/email-addresses/{pending.pk}/delete/").status_code == 404
    )
