"""Handing a conversation to staff and back: one named operation per step, each writing the analytics events.

- `begin_handoff`: the conversation becomes handed_off, a context package is stored with the episode,
  every signed-in staff member of the property is alerted at once, and an e-mail alert is scheduled
  for when nobody takes over in time.
- `take_over` / `assign`: one staff member holds the conversation (ai_mode = staff); the engine never answers
  while they do; someone else holding it is a refusal naming them unless the takeover is explicit
  (`take_from`), which tells the previous holder live. The guest is told who joined.
- `resolve`: back to the AI, with a fresh session mode so the guest is not handed straight back; the guest
  is told they are back with the assistant.
- `staff_reply`: a staff message on the guest's own channel (taking over first if nobody held it).
- `desk`: internal notes (never sent) and the property's saved replies.

The lead step of a turn (consent-first handover of qualified leads) is the leads app's, in `leads.turn`.
"""

from conversations.handoff.service import (
    BACK_TO_AI,
    CONTEXT_NOTE,
    JOINED,
    TOO_LONG,
    HandoffError,
    HeldByOther,
    Holder,
    assign,
    begin_handoff,
    build_context,
    deliver,
    handoff_note,
    holder_of,
    mark_read,
    message_event,
    open_episode,
    resolve,
    send_alert_if_untaken,
    staff_reply,
    take_over,
    trigger_for,
)

__all__ = [
    "BACK_TO_AI",
    "CONTEXT_NOTE",
    "JOINED",
    "TOO_LONG",
    "HandoffError",
    "HeldByOther",
    "Holder",
    "assign",
    "begin_handoff",
    "build_context",
    "deliver",
    "handoff_note",
    "holder_of",
    "mark_read",
    "message_event",
    "open_episode",
    "resolve",
    "send_alert_if_untaken",
    "staff_reply",
    "take_over",
    "trigger_for",
]
