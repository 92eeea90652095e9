"""The offline provider: answers only from retrieved knowledge, with bilingual templates per mode.

It needs no network and is the default when no key is configured. It never states a fact that
is not in a retrieved chunk: with nothing relevant retrieved it says the team will confirm and
offers a human.
"""

from __future__ import annotations

import re

from assistant.modes import AiMode
from assistant.providers.base import ChatRequest, ChatResult, Hit, TokenSink

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n\s*\n")
_WORD = re.compile(r"\w+", re.UNICODE)
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "do",
        "does",
        "you",
        "your",
        "we",
        "our",
        "what",
        "when",
        "where",
        "how",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "and",
        "or",
        "it",
        "i",
        "me",
        "my",
        "can",
        "apa",
        "bila",
        "mana",
        "di",
        "ke",
        "ada",
        "yang",
        "dan",
        "untuk",
        "saya",
        "awak",
        "anda",
        "boleh",
        "tak",
        "ini",
        "itu",
        "berapa",
        "ya",
    ]
)
MAX_ANSWER_CHARS = 600

TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "answer": "Here's what I can tell you: {facts}",
        "unknown": (
            "I don't have confirmed information about that, so I won't guess. Our team will confirm it for you. "
            "Would you like me to connect you with a member of staff?"
        ),
        # The lead step adds the one detail still missing (leads.turn): the template only acknowledges.
        "lead": "I'd be happy to help with your enquiry.",
        "handoff": (
            "I'm passing your conversation to a member of our team now; they will reply here as soon as they can."
        ),
    },
    "ms": {
        "answer": "Berikut maklumat yang saya ada: {facts}",
        "unknown": (
            "Saya tiada maklumat yang disahkan tentang perkara itu, jadi saya tidak mahu meneka. Pasukan kami akan "
            "mengesahkannya untuk anda. Mahukah saya hubungkan anda dengan kakitangan kami?"
        ),
        "lead": "Saya sedia membantu permintaan anda.",
        "handoff": (
            "Saya sedang menyerahkan perbualan ini kepada kakitangan kami; mereka akan membalas di sini "
            "secepat mungkin."
        ),
    },
}


def _terms(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if w.lower() not in _STOP and len(w) > 1}


def grounded_facts(question: str, hits: tuple[Hit, ...], max_chars: int = MAX_ANSWER_CHARS) -> str:
    """The sentences of the retrieved chunks that share most words with the question, best first.

    Only text copied from the chunks is returned: nothing is generated.
    """
    wanted = _terms(question)
    scored: list[tuple[float, int, str]] = []
    for rank, hit in enumerate(hits[:3]):
        # Hard-wrapped source text (Markdown) keeps sentences across lines: split on sentence ends only.
        sentences = (" ".join(s.split()) for s in _SENTENCE.split(hit.text))
        for position, sentence in enumerate(sentences):
            if not sentence:
                continue
            overlap = len(wanted & _terms(sentence))
            # The best chunk's opening sentence is a good answer even without shared words.
            bonus = 0.5 if rank == 0 and position == 0 else 0.0
            scored.append((overlap + bonus + hit.score - rank * 0.3, -(rank * 1000 + position), sentence))
    scored.sort(reverse=True)
    chosen: list[str] = []
    total = 0
    for _, _, sentence in scored:
        if sentence in chosen or total + len(sentence) > max_chars:
            continue
        chosen.append(sentence)
        total += len(sentence) + 1
        if len(chosen) == 3:
            break
    return " ".join(chosen)


def compose(request: ChatRequest) -> str:
    t = TEMPLATES.get(request.language, TEMPLATES["en"])
    facts = grounded_facts(request.question, request.hits) if request.hits else ""
    if request.mode == AiMode.HANDOFF:
        return f"{t['answer'].format(facts=facts)}\n\n{t['handoff']}" if facts else t["handoff"]
    if request.mode == AiMode.LEAD_CAPTURE:
        return f"{t['answer'].format(facts=facts)}\n\n{t['lead']}" if facts else t["lead"]
    return t["answer"].format(facts=facts) if facts else t["unknown"]


class OfflineProvider:
    name = "offline"

    def stream(self, request: ChatRequest, on_token: TokenSink) -> ChatResult:
        text = compose(request)
        # Word by word, so the widget shows the same stream whichever provider answered.
        for piece in re.findall(r"\S+\s*", text):
            on_token(piece)
        return ChatResult(text=text, provider=self.name, model="templates", extra={"grounded": bool(request.hits)})
