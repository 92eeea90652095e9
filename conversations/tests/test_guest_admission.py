"""The guest socket's admission (`widget.ws.admit_guest`): its reads compiled once and under the grant's own
schema, so a token opens its own property's web conversation and nothing else, whatever ids the schemas share."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from conversations.models import Channel, Conversation
from conversations.widget import tokens
from conversations.widget.ws import admit_guest
from properties.models import WidgetKey
from testsupport.inbound import web_conversation

pytestmark = pytest.mark.django_db

ORIGIN_A, ORIGIN_B = "https://alpha.example", "https://bravo.example"


def token(schema: str, conversation_id: int, key: WidgetKey) -> str:
    return tokens.issue(tokens.GuestGrant(schema, conversation_id, key.pk))


def test_a_token_opens_its_own_propertys_web_conversation_only(world, django_assert_num_queries) -> None:
    key_a = WidgetKey.objects.create(property=world.a, allowed_origins=[ORIGIN_A])
    key_b = WidgetKey.objects.create(property=world.b, allowed_origins=[ORIGIN_B])
    with schema_context("alpha"):
        ours = web_conversation()
        whatsapp = web_conversation()
        Conversation.objects.filter(pk=whatsapp.pk).update(channel=Channel.WHATSAPP)
    with schema_context("bravo"):
        theirs = web_conversation()
        # An id A's schema has no conversation under (each schema numbers its own rows).
        only_b = Conversation.objects.filter(pk=theirs.pk).update(id=max(ours.pk, whatsapp.pk, theirs.pk) + 1000)
        assert only_b == 1
        theirs = Conversation.objects.get(pk=max(ours.pk, whatsapp.pk, theirs.pk) + 1000)
    with django_assert_num_queries(2):  # one search path, the key with its property and the conversation together
        assert admit_guest(token("alpha", ours.pk, key_a), ours.pk, ORIGIN_A) == world.a
    assert connection.schema_name == "public"  # the search path put back
    assert admit_guest(token("bravo", theirs.pk, key_b), theirs.pk, ORIGIN_B) == world.b
    assert admit_guest(token("alpha", theirs.pk, key_a), theirs.pk, ORIGIN_A) is None  # B's conversation, A's grant
    assert admit_guest(token("alpha", whatsapp.pk, key_a), whatsapp.pk, ORIGIN_A) is None  # not a web conversation
    assert admit_guest(token("bravo", ours.pk, key_a), ours.pk, ORIGIN_A) is None  # A's key named under B's schema
    assert admit_guest(token("alpha", ours.pk, key_a), ours.pk, ORIGIN_B) is None  # an origin A's key refuses
    assert admit_guest(token("alpha", ours.pk, key_a), ours.pk + 1, ORIGIN_A) is None  # another conversation's token
    assert admit_guest("forged", ours.pk, ORIGIN_A) is None
    key_a.is_active = False
    key_a.save()
    assert admit_guest(token("alpha", ours.pk, key_a), ours.pk, ORIGIN_A) is None
