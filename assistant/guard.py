"""The output side of the prompt-injection defence: a reply that leaks the prompt never reaches the guest.

The input side (`sanitize.py`, the fenced prompt in `prompts.py`) keeps guest text from becoming
instructions; isolation keeps other guests' data and other properties' knowledge out of the prompt
altogether. But a model can still be talked into repeating its instructions. `ReplyGuard` sits
between the model's stream and the guest: it withholds the last LEAK_WORDS words of the stream
until more text proves they do not start a verbatim span of the system prompt, and replaces the
whole reply with a safe answer if one appears (or if the prompt's own markup does). Because of
that lag, no word of a detected span is ever streamed to the guest.
"""

from __future__ import annotations

import re
from typing import Protocol

import structlog

log = structlog.get_logger(__name__)

LEAK_WORDS = 12  # this many consecutive words of the system prompt in a reply is a leak, not a coincidence
_WORD = re.compile(r"\w+", re.UNICODE)
_CHUNK = re.compile(r"\S+")
_MARKUP = re.compile(r"</?(?:knowledge|hotel_instructions)\b|<item id=", re.IGNORECASE)


class Sink(Protocol):
    def on_token(self, piece: str) -> None: ...

    def on_reset(self) -> None: ...


SAFE_REPLY = {
    "en": (
        "Sorry, I can't share that. I'm happy to help with questions about the hotel, "
        "or to connect you with a member of our team."
    ),
    "ms": (
        "Maaf, saya tidak dapat berkongsi maklumat itu. Saya boleh membantu dengan soalan tentang hotel, "
        "atau menghubungkan anda dengan kakitangan kami."
    ),
}


def _shingles(text: str, size: int = LEAK_WORDS) -> set[tuple[str, ...]]:
    words = [w.lower() for w in _WORD.findall(text)]
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def leaks(reply: str, system: str) -> bool:
    """Does `reply` repeat LEAK_WORDS consecutive words of `system`, or the prompt's markup?"""
    if _MARKUP.search(reply):
        return True
    return bool(_shingles(reply) & _shingles(system))


class ReplyGuard:
    """Wraps a turn's sink: streams the reply with a LEAK_WORDS-word lag, and swaps a leaking one for SAFE_REPLY."""

    def __init__(self, system: str, language: str, sink: Sink) -> None:
        self.system_shingles = _shingles(system)
        self.system = system
        self.language = language
        self.sink = sink
        self.text = ""
        self.emitted = 0
        self.leaked = False

    def on_token(self, piece: str) -> None:
        self.text += piece
        if self.leaked:
            return
        if _MARKUP.search(self.text) or (_shingles(self.text) & self.system_shingles):
            self.leaked = True
            return
        chunks = list(_CHUNK.finditer(self.text))
        if len(chunks) > LEAK_WORDS:
            boundary = chunks[-LEAK_WORDS].start()
            if boundary > self.emitted:
                self.sink.on_token(self.text[self.emitted : boundary])
                self.emitted = boundary

    def on_reset(self) -> None:
        """The provider started over (failover): so do we."""
        self.text, self.emitted, self.leaked = "", 0, False
        self.sink.on_reset()

    def finish(self, reply: str) -> str:
        """The reply to store and send: `reply`, or the safe answer if it (or what was streamed) leaks."""
        if self.leaked or leaks(reply, self.system):
            log.warning("reply_withheld_prompt_leak", language=self.language)
            if self.emitted:
                self.sink.on_reset()
            safe = SAFE_REPLY.get(self.language, SAFE_REPLY["en"])
            self.sink.on_token(safe)
            return safe
        if reply.startswith(self.text[: self.emitted]):
            self.sink.on_token(reply[self.emitted :])
        else:  # the final text differs from what streamed: start the guest's view over with it
            self.sink.on_reset()
            self.sink.on_token(reply)
        return reply
