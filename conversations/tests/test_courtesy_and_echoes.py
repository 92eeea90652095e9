"""A bare courtesy and our own question said back (issue 15, t40d).

"ok thanks", "noted", "baik" with nothing asked get a short close in the guest's language and the open question, never
"I don't have confirmed information" (nor a gap, nor a step towards a person); "ok" or "boleh" said to a question of
ours is no courtesy. "how many nights? 2" answers the question we asked: its details are read, it is no question for
the knowledge base.

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from assistant import modes
from conversations import engine
from conversations.models import SessionState
from leads.turn import without_echo
from testsupport.inbound import say

from .test_engine import start

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("first", "courtesy", "close", "then"),
    [
        ("What time is breakfast?", "ok thanks", "You're welcome!", "ok"),
        ("What time is breakfast?", "noted", "Alright!", "cool, thx"),
        ("Sarapan pukul berapa?", "baik", "Baik!", "boleh"),
        ("Sarapan pukul berapa?", "ok terima kasih", "Sama-sama!", "ok"),
    ],
)
def test_a_bare_courtesy_after_an_answer_is_closed_kindly(kb_a, open_all_day, first, courtesy, close, then) -> None:
    from gaps.models import GapQuestion

    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, first)
        engine.run_turn(conversation.pk, message.pk)
        reply = say(conversation, courtesy, "2")
        assert reply.content.startswith(close) and reply.content.endswith("?"), reply.content
        again = say(conversation, then, "3")  # said to our "anything else?": closed again, in the same language
        assert again.content.endswith(reply.content.split("! ", 1)[1]), again.content
        assert not GapQuestion.objects.exists()


@pytest.mark.timeout(10)
@pytest.mark.parametrize("text", ["banyak-banyak " * 40 + "zz", "ok " * 5000 + "?? zz", "ok" + " " * 20000 + "zz"])
def test_a_long_message_of_courtesy_words_is_read_in_linear_time(text: str) -> None:
    """A guest's message is read on a worker holding the conversation's turn: "banyak-banyak" repeated forty times
    took the old pattern hours (two readings of each repeat); now it is a plain no."""
    assert modes.only_courtesy(text) is False
    assert modes.only_courtesy("terima kasih banyak-banyak " * 40) is True


def test_ok_to_a_question_of_ours_is_no_courtesy() -> None:
    asked = "I don't have confirmed information about that. Would you like me to connect you with a member of staff?"
    assert modes.awaits_an_answer(asked)
    assert not modes.awaits_an_answer(modes.courtesy_reply("ok", "en")[0])
    assert not modes.awaits_an_answer("Hello, welcome! How can I help you today?")
    assert modes.only_courtesy("Ok, thank you so much!") and modes.only_courtesy("tq ya")
    assert not modes.only_courtesy("ok, what time is breakfast?") and not modes.only_courtesy("2 adults")
    assert modes.thanks_only("thanks") and not modes.thanks_only("yes thanks")


@pytest.mark.parametrize(
    ("text", "asked", "read"),
    [
        ("how many nights? 2", ["check_in", "nights"], "2 nights"),
        ("berapa malam? 3", ["nights"], "3 malam"),
        ("Berapa orang? 4 dewasa", ["adults"], "4 dewasa"),
        ("which dates? 3 to 5 May 2027", ["check_in"], "3 to 5 May 2027"),
        ("how many nights? 2", ["name"], "how many nights? 2"),  # not what we asked: the guest's own question
        ("how many nights is the minimum?", ["nights"], "how many nights is the minimum?"),  # nothing after it
    ],
)
def test_our_question_said_back_leaves_its_answer(text, asked, read) -> None:
    assert without_echo(text, asked) == read


def test_how_many_nights_said_back_with_the_answer_is_read(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "I'd like a Deluxe King Room from 14 November 2027 for 2 adults")
        first = engine.run_turn(conversation.pk, message.pk)
        assert "How many nights" in first.content, first.content
        reply = say(conversation, "how many nights? 2", "2")
        assert "information" not in reply.content and "How many nights" not in reply.content, reply.content
        assert SessionState.objects.get(conversation=conversation).lead["slots"]["nights"] == 2
