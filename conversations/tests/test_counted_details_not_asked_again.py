"""A party or a stay said in a guest's own form is not asked for again (issue 15, t46d).

"me and my mate plus his 2 boys", "kami berempat, saya, suami dan anak-anak", "tukar ke 4 orang", "can we do the
11th to the 14th instead?": each was read as less than the guest said, so the reply asked for the party or kept the
old stay. The reading itself is tested in `leads/tests/test_details_corrected_and_counted.py`; here, what the guest
reads next.

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
        ("Family Suite 9-11 May 2027 for me and my mate plus his 2 boys", "how many"),
        ("nak tempah family suite 9hb-11hb Mei 2027, kami berempat, saya, suami dan anak-anak", "berapa"),
    ],
)
def test_the_party_just_given_is_not_asked_for(kb_a, open_all_day, first, not_asked) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, first)
        reply = engine.run_turn(conversation.pk, message.pk)
        assert reply is not None and not_asked not in reply.content.lower(), reply.content  # nor the children
