"""A guest's message asking several things at once, read part by part (issue 15).

E-mails, and often WhatsApp messages, ask about the rooms, the rates, the pool, parking and breakfast in one go.
Searched whole, such a message is nearest to the items of one or two of its questions, and the answer quoted
those: one part answered of seven. `asked_parts` tells the parts apart; the engine searches each on its own and
the offline answerer answers each from its own items (`offline._compose_parts`). A message asking one or two
things is left whole: the answer rules read a two-part question whole ("is breakfast included, and what time
is it served?": the second part's "it" is the first part's breakfast).
"""

from __future__ import annotations

import re

from assistant.situations import asking_pieces, asks, is_comparison, question_pieces
from knowledge.services import glossary

MANY_PARTS = 3  # a message asking this many things or more is answered part by part
MAX_PARTS = 8  # … the first eight of them (each part is a search: the work one message costs stays bounded)
# A short part naming no thing ("Perjalanan berapa lama?", "Pintu lebar berapa?") asks about the one before's
# thing; a longer one names its own, though not in the glossary's words ("how much is the deluxe king on Saturday").
SHORT_PART_WORDS = 5

# Sentences end at ? ! . before a space, or at a line break (an e-mail's lines, a numbered list).
_SENTENCE = re.compile(r"(?<=[?!.])\s+|\s*\n\s*")
# A run-on without punctuation ("hi what time is checkin how much is breakfast for kids is there a pool") starts
# each question with its English question word (not one right after another: "where can i park" is one).
_QUESTION_START = re.compile(
    r"(?:what|whats|what's|when|where|how|which|is there|are there|do you|does the|can i|can we)\b", re.IGNORECASE
)
_RUN_ON = re.compile(rf"(?<!\bwhere)(?<!\bwhen)(?<!\bhow)(?<!\bwhat)(?<!\bwhich)\s(?={_QUESTION_START.pattern})", re.I)
# "Hi", "salam nak tanya" before the first question of a run-on: no words of what is asked.
_GREETING = re.compile(
    r"^(?:(?:hi|hello|hey|dear|salam|hai|assalamualaikum|team|admin)\b[\s,!]*)+(?:(?:nak|saya nak) tanya\b[\s:,]*)?",
    re.IGNORECASE,
)
_TRAILING_AND = re.compile(r"\s+(?:and|dan)\s*$", re.IGNORECASE)  # "is there a pool and" before "where can i park"
# A Malay run-on asks each thing with its question word last ("spa tingkat berapa kids club tingkat berapa", "kolam
# ada penyelamat ke dobi ekspres caj brp", "boleh bawa anjing tak"): a question may end after one of these words.
_MALAY_CLOSING = re.compile(r"^(?:berapa|brp|apa|mana|bila|ke|tak|x)$", re.IGNORECASE)
# A part pointing back at a room the message named ("Is breakfast included in its rate?", "Sarapan termasuk tak?"
# after the Family Suite): it asks about that room's rate, not the café's. The room named: "the family suite",
# "bilik deluxe king" (room service is no room).
_POINTS_BACK = re.compile(r"\b(?:its|termasuk|included|include|includes|inclusive)\b|\w+nya\b", re.I)
_ROOM_NAMED = re.compile(r"\b(?:suite|room|rooms|bilik|deluxe|king|twin)\b(?!\s+service)", re.IGNORECASE)


def _topics(text: str) -> list[glossary.Concept]:
    """The things a text names (the pool, parking, breakfast), not who asks or a general word (room, price)."""
    return [c for c in glossary.find(glossary.normalise(text)) if not c.general and not c.person]


def _a_part(piece: str) -> bool:
    """A piece asking by a question word ("how much is parking"), or naming a thing of its own in a list ("…
    about the rooms, the pool, parking and breakfast"); not "and a child" after "a room for 2 adults"."""
    return (
        (asks(piece) or bool(_QUESTION_START.match(piece)) or bool(_topics(piece)))
        and len(piece.split()) > 1
        or (bool(_topics(piece)) and not asks(piece))
    )


def _sentence_parts(sentence: str) -> list[str]:
    """A sentence's parts: itself when it asks two things or fewer; else its pieces, each asking or naming a thing,
    a piece that does neither kept with the one before it (a leading one, with the one after)."""
    pieces = [_TRAILING_AND.sub("", p).strip(" ,;:") for p in question_pieces(sentence)]
    if is_comparison(sentence) or sum(1 for p in pieces if _a_part(p)) < MANY_PARTS:
        run_on = _run_on_questions(sentence) if not re.search(r"[,;?]", sentence) else []
        if len(run_on) < MANY_PARTS and not re.search(r"[,;?]", sentence):
            run_on = _malay_run_on(sentence)
        if len(run_on) < MANY_PARTS:
            return [sentence]
        pieces = run_on
    parts: list[str] = []
    before = ""
    for piece in filter(None, pieces):
        if _a_part(piece) and not (parts and _says_again(piece, parts[-1])):
            parts.append(f"{before} {piece}".strip())
            before = ""
        elif parts:
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            before = f"{before} {piece}".strip()
    return parts or [sentence]


def _says_again(piece: str, before: str) -> bool:
    """The piece asks nothing and names only what the part before it names: "my parents want to drop by and check the
    place out" says the visit twice, one thing."""
    topics = _topics(piece)
    return bool(topics) and not asks(piece) and set(topics) <= set(_topics(before))


def _run_on_questions(sentence: str) -> list[str]:
    """A run-on's questions, each from its question word; a piece of two words or fewer is no question of its
    own but the start of the next ("what time | does the pool open" is one)."""
    questions: list[str] = []
    start = ""
    for piece in _RUN_ON.split(sentence):
        piece = f"{start} {_TRAILING_AND.sub('', piece)}".strip()
        start = piece if len(piece.split()) <= 2 else ""
        if not start:
            questions.append(piece)
    if start and questions:
        questions[-1] = f"{questions[-1]} {start}"
    elif start:
        questions.append(start)
    return questions


def _malay_run_on(sentence: str) -> list[str]:
    """A Malay run-on's questions, each ending at its closing question word ("spa tingkat berapa | kids club tingkat
    berapa | gym tingkat berapa"): only where the words before name a thing of their own and the words after do
    too ("nak tanya brp harga parking" is one: "nak tanya brp" names nothing)."""
    words = sentence.split()
    questions: list[str] = []
    start = 0
    for i, word in enumerate(words[:-1]):
        if not _MALAY_CLOSING.match(word.strip(",")):
            continue
        before, after = " ".join(words[start : i + 1]), " ".join(words[i + 1 :])
        if _topics(before) and _topics(after):
            questions.append(before)
            start = i + 1
    return [*questions, " ".join(words[start:])] if questions else [sentence]


def _asks(sentence: str) -> bool:
    # "We are a family of four." tells; "Makanan halal ke?" asks, with no question word.
    end = sentence.rstrip()
    return end.endswith("?") or (asks(sentence) and not end.endswith("."))


def asked_parts(message: str) -> list[tuple[str, str]]:
    """The things a message asking three or more asks, in order, each as (what to search and answer, what it
    asks in the guest's words). What to answer is the part with the sentences telling before it ("We are a family
    of four. Which room fits us?"); a short part naming no thing of its own ("how long is the drive?", "pukul
    berapa mula?") is read after the part before it, which names it. [] for a message asking one or two things. A
    greeting or a sign-off asks nothing and is no part of any answer."""
    parts: list[tuple[str, str]] = []
    told: list[str] = []
    subject = ""  # the last part naming its thing
    room = ""  # the last part naming a room
    asked = 0
    for sentence in filter(str.strip, _SENTENCE.split(message)):
        if not _asks(sentence):
            told.append(sentence)
            continue
        pieces = _sentence_parts(sentence)
        asked += len(pieces) if len(pieces) > 1 else max(1, len(asking_pieces(sentence)))
        if len(pieces) == 1 and len(sentence.split()) <= 2 and parts and not _topics(sentence):
            # "Kat mana?" after "buffet Ramadan harga berapa?": the same thing's place, no part of its own ("Ada
            # surau?" names its own).
            text, piece = parts[-1]
            parts[-1] = (f"{text} {sentence}", f"{piece} {sentence}")
            continue
        for piece in (_GREETING.sub("", p) or p for p in pieces):
            named = bool(_topics(piece)) or len(piece.split()) > SHORT_PART_WORDS
            context = told if told or not subject or named else [subject]
            if not told and room and room != subject and _POINTS_BACK.search(piece) and not _ROOM_NAMED.search(piece):
                context = [room]  # "Sarapan termasuk tak?" after the Family Suite: that room's breakfast
            parts.append((" ".join([*context, piece]).strip(), piece))
            subject = piece if named else subject
            room = piece if _ROOM_NAMED.search(piece) else room
            told = []
    return parts[:MAX_PARTS] if asked >= MANY_PARTS else []
