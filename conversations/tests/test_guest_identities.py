"""How a guest is known on a channel, and how they are reached on it (`Guest.also_known_as`,
`Guest.objects.known_as`, `Guest.objects.address_of`)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from conversations.models import Channel, Guest

pytestmark = pytest.mark.django_db


def test_a_guest_is_reached_at_their_first_identity_on_the_channel(world) -> None:
    with schema_context(world.a.schema_name):
        guest = Guest.objects.create()
        assert Guest.objects.address_of(guest.pk, Channel.WHATSAPP) == ""
        guest.also_known_as(Channel.WHATSAPP, "+60117003201")
        guest.also_known_as(Channel.WHATSAPP, "+60117003299")  # a new number joins; the first still reaches them
        guest.also_known_as(Channel.EMAIL, "aina@example.com")
        assert Guest.objects.address_of(guest.pk, Channel.WHATSAPP) == "+60117003201"
        assert Guest.objects.address_of(guest.pk, Channel.EMAIL) == "aina@example.com"
        assert Guest.objects.known_as(Channel.WHATSAPP, "+60117003299") == guest


def test_an_identity_another_guest_holds_stays_theirs(world) -> None:
    with schema_context(world.a.schema_name):
        first, second = Guest.objects.create(), Guest.objects.create()
        assert first.also_known_as(Channel.WHATSAPP, "+60117003201") == first
        assert second.also_known_as(Channel.WHATSAPP, "+60117003201") == first
        assert Guest.objects.known_as(Channel.WHATSAPP, "+60117003201") == first
        assert Guest.objects.address_of(second.pk, Channel.WHATSAPP) == ""
