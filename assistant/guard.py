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
_LONGEST_MARKUP = len("</hotel_instructions")  # a match new in a piece starts at most this far before it


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
    """Wraps a turn's sink: streams the reply with a LEAK_WORDS-word lag, and swaps a leaking one for SAFE_REPLY.

    Each piece is read once. The words and the whitespace-separated chunks of the text so far are kept as far
    as they are settled (followed by a separator, so no later piece can extend them); a new piece re-reads only
    the last unsettled word or chunk, the shingles ending in the words it settled or touched, and the markup
    that could end in it. Re-reading the whole reply for every piece cost O(words²) a reply (models and the
    offline provider stream word by word); the decisions, step by step, are the whole-text reading's
    (conversations/tests/test_prompt_injection.py runs the old guard beside this one).
    """

    def __init__(self, system: str, language: str, sink: Sink) -> None:
        self.system_shingles = _shingles(system)
        self.system = system
        self.language = language
        self.sink = sink
        self._start_over()

    def _start_over(self) -> None:
        self.text = ""
        self.emitted = 0
        self.leaked = False
        self._words: list[str] = []  # the settled words, lower-cased
        self._words_end = 0  # where the last settled word ends in `text`
        self._chunk_starts: list[int] = []  # where each settled chunk starts
        self._chunks_end = 0

    def on_token(self, piece: str) -> None:
        searched_from = max(0, len(self.text) - _LONGEST_MARKUP)  # the text before had no markup
        self.text += piece
        if self.leaked:
            return
        if _MARKUP.search(self.text, searched_from) or self._new_shingle_leaks():
            self.leaked = True
            return
        starts = self._chunk_starts_now()
        if len(starts) > LEAK_WORDS:
            boundary = starts[-LEAK_WORDS]
            if boundary > self.emitted:
                self.sink.on_token(self.text[self.emitted : boundary])
                self.emitted = boundary

    def _new_shingle_leaks(self) -> bool:
        """Does a shingle ending in a word this piece settled or touched repeat the prompt?"""
        checked = len(self._words)  # the shingles ending in settled words were checked when they settled
        unsettled = None
        for match in _WORD.finditer(self.text, self._words_end):
            if match.end() == len(self.text):  # the last word may go on in the next piece
                unsettled = match.group().lower()
            else:
                self._words.append(match.group().lower())
                self._words_end = match.end()
        words = self._words if unsettled is None else [*self._words, unsettled]
        return any(
            tuple(words[end - LEAK_WORDS : end]) in self.system_shingles
            for end in range(max(checked + 1, LEAK_WORDS), len(words) + 1)
        )

    def _chunk_starts_now(self) -> list[int]:
        """Where each whitespace-separated chunk of the text so far starts (`_CHUNK` over the whole text)."""
        for match in _CHUNK.finditer(self.text, self._chunks_end):
            if match.end() == len(self.text):  # the last chunk may go on in the next piece
                return [*self._chunk_starts, match.start()]
            self._chunk_starts.append(match.start())
            self._chunks_end = match.end()
        return self._chunk_starts

    def on_reset(self) -> None:
        """The provider started over (failover): so do we."""
        self._start_over()
        self.sink.on_reset()

    def finish(self, reply: str) -> str:
        """The reply to store and send: `reply`, or the safe answer if it (or what was streamed) leaks."""
        # `leaks(reply, self.system)` with the prompt's shingles read once, in __init__.
        if self.leaked or _MARKUP.search(reply) or (_shingles(reply) & self.system_shingles):
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
