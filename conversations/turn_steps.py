"""The one seam through which an app above conversations takes part in a guest turn.

The engine answers the guest; an app that has its own say in the conversation (the leads app:
consent, missing details, the partial lead) registers a `TurnStep` at start-up, in its
`AppConfig.ready`, and the engine calls every registered step at fixed moments of the turn. So
the engine never imports that app, and the app's policy lives, and is tested, in the app.

0. `first_reads` (optional, a class attribute): {note: build}, reads of one row at most the step makes in every
   turn, each `build(conversation_id)` a queryset; the engine runs them in the statement that reads the
   conversation (`core.compiled.firsts`: one round trip) and puts each row, or None, in `turn.notes[note]`.
1. `before_answer(turn)`: the step may answer the turn itself, without the model (the guest
   answered the lead's consent question).
1b. `read(turn)` (only when no step answered before): the model's structured reading of the turn
   as far as the mode goes (`assistant.modes.ModelVerdict`), or None (offline, or the model
   failed). The leads step reads the turn once for the mode and the lead's details together, so a
   turn costs one reading call at most; the engine settles the mode with `modes.settle_mode`.
2. `after_answer(turn, answer)` (only when no step answered before): the step may add a
   follow-up to the AI's answer (ask for a missing detail, or for consent).
3. `remember(turn, answer)`: the exchange is in the session's history now; the step updates its
   own dialogue state in the session (`turn.session.lead` for the lead step), which the engine
   saves with the rest of the session (Redis, written through to PostgreSQL) in the turn's
   transaction.
4. `summary_for(conversation, language)`: what staff should know from the step when the
   conversation is handed to them (stored in the handoff's context).

A step must never cost the guest their answer: what is best effort (extraction, scoring) catches
its own failures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.modes import ModelVerdict
from conversations.models import Conversation
from conversations.sessions import Session
from properties.models import Property


@dataclass
class Turn:
    """One guest turn as the steps see it."""

    conversation: Conversation
    text: str  # the guest's messages this turn answers, one per line
    language: str  # the session's language before this turn's answer
    session: Session  # loaded for this turn; saved by the engine after `remember`
    now: dt.datetime
    property: Property
    # Set by a step's `before_answer`: the guest's message gives details the step reads (a name, a date) while
    # it also asks something; the answer is then the enquiry's, never "I don't have information about that".
    gives_details: bool = False
    # A step's scratch space for this turn (what `before_answer` learnt, for `after_answer` and `remember`).
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answered:
    """The turn's answer as it stands when a step is called."""

    text: str
    mode: str
    language: str


@dataclass
class StepReply:
    """A step's own answer to the turn (no model call)."""

    text: str
    mode: str
    metadata: dict[str, Any] = field(default_factory=dict)  # merged into the reply's metadata
    handoff_trigger: str = ""  # with mode "handoff": why the episode starts (its own notice is in `text`)
    source: str = "step"  # recorded as the reply's provider (the lead step's consent answers say "consent")
    language: str = ""  # the reply's language when the step read it from the guest's message ("" = the session's)


@dataclass
class StepFollowUp:
    """What a step adds after the AI's answer, in the same message."""

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)  # merged into the reply's metadata


class TurnStep(Protocol):
    def before_answer(self, turn: Turn) -> StepReply | None: ...

    def read(self, turn: Turn) -> ModelVerdict | None: ...

    def after_answer(self, turn: Turn, answer: Answered) -> StepFollowUp | None: ...

    def remember(self, turn: Turn, answer: Answered) -> None: ...

    def summary_for(self, conversation: Conversation, language: str) -> dict[str, Any] | None: ...


_steps: list[TurnStep] = []


def register_turn_step(step: TurnStep) -> None:
    """Called from an `AppConfig.ready`; registering a step of the same class again replaces it."""
    _steps[:] = [s for s in _steps if type(s) is not type(step)] + [step]


def registered() -> tuple[TurnStep, ...]:
    return tuple(_steps)


def handoff_summary(conversation: Conversation, language: str) -> dict[str, Any] | None:
    """The first registered step's summary for staff (the lead, with the leads app installed)."""
    for step in _steps:
        summary = step.summary_for(conversation, language)
        if summary is not None:
            return summary
    return None
