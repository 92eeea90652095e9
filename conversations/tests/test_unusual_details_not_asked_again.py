"""A detail said once in an unusual form is not asked for again, nor answered with "I don't have information" (issue 15,
t45d).

The party as "saya, orang rumah dan 2 budak", the room as "bilik yang sesuai untuk kerusi roda", the name after
"Hi again," or beside "please contact me,": each was read as nothing, so the reply asked for it. The reading itself is
tested in `leads/tests/test_details_in_unusual_forms.py`; here, what the guest reads next.

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from conversations import engine

from .test_engine import start

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("first", "not_asked"),
    [
        ("nak tempah family suite untuk saya, orang rumah dan 2 budak, 9hb-11hb Mei 2027", "Berapa orang"),
        ("nak bilik yang sesuai untuk kerusi roda, 2 orang dewasa, 9hb-11hb Mei 2027", "Jenis bilik"),
        # t46d: a mate is a grown-up; a party counted whole, less its grown-ups, is its children
        ("Family Suite 9-11 May 2027 for me and my mate plus his 2 boys", "How many adults"),
        ("nak tempah family suite 9hb-11hb Mei 2027, kami berempat, saya, suami dan anak-anak", "berapa kanak-kanak"),
    ],
)
def test_the_next_question_is_not_the_detail_just_given(kb_a, open_all_day, first, not_asked) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, first)
        reply = engine.run_turn(conversation.pk, message.pk)
        assert reply is not None and not_asked not in reply.content, reply.content


def _reply_to(kb_a, first: str, said: str) -> str:
    """What the guest reads after `said`, the second message of a conversation opened by `first`."""
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, first)
        engine.run_turn(conversation.pk, message.pk)
        message, _ = engine.record_guest_message(conversation, said, provider_message_id=f"{conversation.pk}:2")
        reply = engine.run_turn(conversation.pk, message.pk)
        assert reply is not None
        return reply.content


@pytest.mark.parametrize(
    "said",
    [
        "Hi again, Grace Lim here, grace.lim@example.com",
        "Please contact me, Grace Lim, on grace.lim@example.com",
        "Nama Pn. Grace, grace.lim@example.com",
    ],
)
def test_a_name_said_around_the_contact_is_not_asked_again(kb_a, open_all_day, said) -> None:
    reply = _reply_to(kb_a, "Deluxe King for 2 adults, 9-11 May 2027", said)
    assert "your name" not in reply and "Grace" in reply, reply  # the summary names the guest


@pytest.mark.parametrize(
    "said",
    [
        "my mum is coming too, is there a bowling alley nearby?",
        "one of the kids can't come, any bowling alley near you?",
    ],
)
def test_a_change_of_the_party_with_a_question_is_no_dismissal(kb_a, open_all_day, said) -> None:
    reply = _reply_to(kb_a, "Family Suite for 2 adults 2 kids, 9-11 May 2027", said)
    assert "don't have confirmed information" not in reply, reply
