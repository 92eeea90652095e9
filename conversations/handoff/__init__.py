"""Handing a conversation to staff and back: one named operation per step, each writing the analytics events.

- `begin_handoff`: the conversation becomes handed_off, a context package is stored with the episode,
  every signed-in staff member of the property is alerted at once, and an e-mail alert is scheduled
  for when nobody takes over in time.
- `take_over`: staff hold the conversation (ai_mode = staff); the engine never answers while they do.
- `resolve`: back to the AI, with a fresh session mode so the guest is not handed straight back.
- `staff_reply`: a staff message on the guest's own channel (taking over first if the AI held it).

The lead step of a turn (consent-first handover of qualified leads) is the leads app's, in `leads.turn`.
"""

from conversations.handoff.service import (
    CONTEXT_NOTE,
    HandoffError,
    begin_handoff,
    build_context,
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
    "CONTEXT_NOTE",
    "HandoffError",
    "begin_handoff",
    "build_context",
    "mark_read",
    "message_event",
    "open_episode",
    "resolve",
    "send_alert_if_untaken",
    "staff_reply",
    "take_over",
    "trigger_for",
]
