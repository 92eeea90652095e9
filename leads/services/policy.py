"""The lead-capture policy: what the assistant says next about a lead, one decision per turn.

How the best night receptionist takes an enquiry (docs: CONVERSATION.md): one missing thing at a
time, the most useful first (dates, then party, then room, then a way to reach the guest, then a
name); never what is already known; a detail the guest passed over is not asked again (they may
not know yet); a phone or e-mail before the summary and the YES/NO, because a lead nobody can call
back is no lead; the summary and the YES/NO come alone, never with another question.

Pure: it reads the lead's fields and the dialogue state and returns a decision; `leads.turn` says it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import Any

from leads.models import ConsentStatus, Intent
from leads.services.schema import ExtractedLead

CONTACT = "phone_or_email"
# The party asked again, narrower, when the guest's answer to it could not be read ("the usual crowd").
PARTY_AGAIN = "party_count"
# What each kind of enquiry needs, in the order a receptionist asks for it.
SLOTS: dict[str, list[str]] = {
    Intent.ROOM_BOOKING: ["check_in", "nights", "adults", "room_type"],
    Intent.EVENT: ["event_date", "group_size"],
    Intent.FB_INQUIRY: ["event_date", "group_size"],
    Intent.GENERAL: [],
}
# Without these the team cannot act on the lead: they are asked for before the consent question.
ESSENTIAL: dict[str, set[str]] = {
    Intent.ROOM_BOOKING: {"check_in"},
    Intent.EVENT: {"event_date"},
    Intent.FB_INQUIRY: {"event_date"},
    Intent.GENERAL: set(),
}


@dataclass
class DialogueState:
    """The lead's side of one conversation, kept in the session (`Session.lead`) between turns.

    `slots`: what the guest has told us so far (validated fields, JSON values); `asked`: the slots
    asked for, oldest first (the last is the one a bare "2" answers); `consent`: not_asked, asked,
    given or declined, mirrored from the lead.
    """

    slots: dict[str, Any] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    consent: str = ConsentStatus.NOT_ASKED
    lead_id: int | None = None
    # The guest's last reply was a bare NO to the summary: a correction in the next message asks again.
    correctable: bool = False
    # What the guest spoke of without a number, read afresh every turn and never kept: "children" ("me, my wife and
    # the kids", "a family of 4"), "party" (this turn's answer to the party question could not be read).
    unclear: list[str] = field(default_factory=list)
    # The guest asked for a person while no contact was known: the contact they give next hands the lead over.
    person_asked: bool = False
    # The contact was asked again after the answer to a question the guest asked mid-enquiry (once only).
    reminded: bool = False

    @property
    def last_asked(self) -> str | None:
        return self.asked[-1] if self.asked else None

    def as_json(self) -> dict[str, Any]:
        data = {"slots": self.slots, "asked": self.asked, "consent": self.consent, "lead_id": self.lead_id}
        data |= {"correctable": True} if self.correctable else {}
        data |= {"reminded": True} if self.reminded else {}
        return data | ({"person_asked": True} if self.person_asked else {})

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> DialogueState:
        data = data or {}
        if "slots" not in data:  # a session written before the dialogue state: its flat partial lead
            kept = ("asked", "consent", "lead_id", "correctable", "person_asked", "reminded")
            return cls(slots={k: v for k, v in data.items() if k not in kept})
        return cls(
            slots=dict(data.get("slots") or {}),
            asked=[str(slot) for slot in data.get("asked") or []],
            consent=str(data.get("consent") or ConsentStatus.NOT_ASKED),
            lead_id=data.get("lead_id"),
            correctable=bool(data.get("correctable")),
            person_asked=bool(data.get("person_asked")),
            reminded=bool(data.get("reminded")),
        )


@dataclass(frozen=True)
class Decision:
    kind: str  # ask | consent | none
    slot: str = ""


NOTHING = Decision("none")


def _known(fields: ExtractedLead, slot: str) -> bool:
    if slot == CONTACT:
        return bool(fields.phone or fields.email)
    if slot in ("adults", "group_size"):
        return bool(fields.adults or fields.group_size)
    if slot == "event_date":
        return bool(fields.event_date or fields.check_in)
    if slot == "children":
        return fields.children is not None  # none is an answer
    return bool(getattr(fields, slot, None))


def missing(fields: ExtractedLead, unclear: Collection[str] = ()) -> list[str]:
    """Every detail still unknown, in asking order (contact and name last); the children's number right after the
    adults when the guest spoke of children without it (`unclear`)."""
    wanted = list(SLOTS.get(fields.intent, []))
    if "children" in unclear and "adults" in wanted:
        wanted.insert(wanted.index("adults") + 1, "children")
    return [slot for slot in [*wanted, CONTACT, "name"] if not _known(fields, slot)]


def decide(
    fields: ExtractedLead, state: DialogueState, *, gave_details: bool, answered_question: bool = False
) -> Decision:
    """The next thing to say about the lead.

    `gave_details`: this turn told us something new; only then is a contact asked for again (asking
    after every answer to an unrelated question would nag). `answered_question`: this turn answered a
    question the guest asked mid-enquiry; the contact still missing follows that answer once, so the
    enquiry goes on ("Breakfast is RM 65 … What phone number or e-mail can our team reach you on?").
    """
    # A general enquiry asks nothing, unless it asks the hotel to arrange something ("can I book a massage for
    # tomorrow", "nak tempah teksi pagi esok"): staff can only arrange it with a way to reach the guest.
    if state.consent != ConsentStatus.NOT_ASKED or (fields.intent == Intent.GENERAL and not fields.special_requests):
        return NOTHING
    gaps = missing(fields, state.unclear)
    for slot in gaps:
        if slot == CONTACT:
            continue
        if slot == "adults" and "party" in state.unclear and PARTY_AGAIN not in state.asked:
            return Decision("ask", PARTY_AGAIN)  # not the same question again: a narrower one, once
        essential = slot in ESSENTIAL.get(fields.intent, set())
        if slot not in state.asked or (essential and gave_details and state.last_asked != slot):
            if slot == "name" and CONTACT in gaps:
                break  # the contact comes before the name
            if slot == "children" and _ready_without_children(fields, state, gave_details):
                continue  # the split is worth a question while we gather, never one that holds up the summary
            return Decision("ask", slot)
    if CONTACT in gaps:
        if CONTACT not in state.asked or gave_details or (answered_question and not state.reminded):
            return Decision("ask", CONTACT)
        return NOTHING
    if any(slot in ESSENTIAL.get(fields.intent, set()) for slot in gaps):
        return NOTHING  # the guest has not said when yet: nothing the team could act on
    return Decision("consent")


def _ready_without_children(fields: ExtractedLead, state: DialogueState, gave_details: bool) -> bool:
    """Everything else is known: the next step would be the summary and the YES/NO (the team confirms the ages)."""
    rest = replace(state, unclear=[item for item in state.unclear if item != "children"])
    return decide(fields, rest, gave_details=gave_details).kind == "consent"
