"""The offline provider: answers only from retrieved knowledge, with bilingual templates per mode.

It needs no network and is the default when no key is configured. It never states a fact that
is not in a retrieved chunk: with nothing relevant retrieved it says the team will confirm and
offers a human.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from assistant.modes import AiMode
from assistant.providers.base import ChatRequest, ChatResult, Hit, TokenSink
from knowledge.services import glossary

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
        # Function words: repeating them says nothing about which sentence answers.
        "be",
        "am",
        "was",
        "were",
        "will",
        "would",
        "should",
        "could",
        "get",
        "got",
        "have",
        "has",
        "had",
        "there",
        "this",
        "that",
        "with",
        "from",
        "by",
        "up",
        "don",
        "any",
        "if",
        "so",
        "us",
        "they",
        "them",
        "its",
        "tu",
        "je",
        "ni",
        "lah",
        "pun",
        "dengan",
        "dari",
        "pada",
        "kena",
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
        # The hotel wrote this detail in English only: say so, in Malay, and quote it; never pretend.
        "english_only": 'Berikut maklumat yang saya ada: butiran ini hanya ada dalam bahasa Inggeris: "{facts}"',
    },
}


def _terms(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if w.lower() not in _STOP and len(w) > 1}


# "Where …?" is answered by a place (a level, a floor, next to …), as "how much" by a price.
_PLACE_QUESTION = re.compile(
    r"\b(where|which floor|what floor|which level|what level|kat mana|di mana|dekat mana|tingkat berapa|aras berapa"
    r"|tingkat brp|aras brp)\b",
    re.IGNORECASE,
)
_PLACE = re.compile(
    r"\b(level \d+|floor|basement|located|next to|outside|opposite|lobby|rooftop|tingkat|aras|terletak|lobi"
    r"|di luar|bersebelahan)\b|\bB\d\b",
    re.IGNORECASE,
)


_PRICE_QUESTION = re.compile(
    r"\b(how much|price|prices|cost|costs|fee|rate|rates|fine|harga|kos|caj|bayar|denda|tambang"
    r"|(?<!pukul )berapa(?! lama| orang| malam| hari))\b",
    re.IGNORECASE,
)
_TIME_QUESTION = re.compile(
    r"\b(what time|when|hours|open|opens|close|closes|until|midnight|late at night|pukul|bila|bilakah|jam|waktu"
    r"|buka|tutup|sampai|tengah malam|\d{1,2}\s?(?:am|pm))\b",
    re.IGNORECASE,
)
_DURATION_QUESTION = re.compile(r"\b(how long|berapa lama)\b", re.IGNORECASE)
# "Do you have …?" wants the thing described; "How do I …?" wants the step after the opening line.
_EXISTENCE_QUESTION = re.compile(r"^\W*(do you have|is there|are there|have you got|adakah|ada)\b", re.IGNORECASE)
_HOW_QUESTION = re.compile(r"\b(how do i|how can i|how to|macam mana|bagaimana|cara)\b", re.IGNORECASE)
# "Can I bring my cat?" is answered by the item's rule, its opening line ("Pets are not allowed …"),
# even when a later line repeats more of the question's words ("… travelling with a service animal").
_PERMISSION_QUESTION = re.compile(
    r"^\W*(can i|can we|may i|may we|could i|could we|am i allowed|are we allowed|is it ok|is it okay|boleh|bolehkah)\b"
    r"|\b(is that ok|is that okay|is that allowed|allowed|dibenarkan)\W*$",
    re.IGNORECASE,
)
_DURATION = re.compile(r"\b(hours?|minutes?|jam|minit)\b", re.IGNORECASE)
_PRICE = re.compile(r"\bRM\s?\d", re.IGNORECASE)
# A time of day, or a delay ("within 7 working days", "dalam 7 hari bekerja"): both answer "when?".
_TIME = re.compile(
    r"\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\bnoon\b|\b\d+ hours\b|\bpagi\b|\bpetang\b"
    r"|\bwithin \d+ (?:working |business )?(?:days?|hours?)\b|\bdalam (?:masa )?\d+ (?:hari|jam)\b",
    re.IGNORECASE,
)
MAX_SENTENCES_PER_ITEM = 2


@dataclass(frozen=True)
class _Sentence:
    item_rank: int  # the item's place in the retrieval order (0 = best match)
    position: int  # the sentence's place in its item
    text: str
    concepts: frozenset[int]  # the question's glossary concepts this sentence speaks of
    concept_weight: float  # topical concepts count 1, general ones (price, room, time) 0.5
    words: int  # the question's own content words it repeats
    kind_bonus: float  # a price for a price question, a time for a time question, a duration …

    @property
    def score(self) -> float:
        return self.concept_weight + self.words + self.kind_bonus


def _sentences_of(hits: tuple[Hit, ...]) -> list[tuple[str, list[tuple[int, str]]]]:
    """Per item (in retrieval order, chunks of one item together), its title and its sentences with
    their positions."""
    items: dict[int, list[str]] = {}
    titles: dict[int, str] = {}
    for hit in hits:
        titles.setdefault(hit.item_id, hit.title)
        # Hard-wrapped source text (Markdown) keeps sentences across lines: split on sentence ends only.
        items.setdefault(hit.item_id, []).extend(
            s for s in (" ".join(p.split()) for p in _SENTENCE.split(hit.text)) if s
        )
    return [(titles[item_id], list(enumerate(sentences))) for item_id, sentences in items.items()]


def _words(text: str) -> list[str]:
    # Word forms meet by their stems: "visitors" speaks of a "visit", "membayar" of "bayar".
    return list(glossary.stems(glossary.tokens(text)))


def _concepts_in(words: list[str], concepts: list[glossary.Concept]) -> frozenset[int]:
    joined = f" {' '.join(words)} "
    return frozenset(
        number
        for number, concept in enumerate(concepts)
        if any(f" {' '.join(glossary.stems(phrase))} " in joined for phrase in concept.phrases)
    )


# General concepts every other item names (a room, a bed, a night, guests): naming one alone is no subject.
# Price, time, payment … are general too, but a question about paying is answered by an item about paying.
_WEAK_CONCEPTS = frozenset([("room",), ("bed",), ("night",), ("guests",), ("family",), ("food",), ("booking",)])


@functools.cache
def _weak_words() -> frozenset[str]:
    """The stems of the glossary's general words (room, price, time, bed …): every other item says one, so
    sharing one alone does not put an item on the question's subject ("Ada bilik karaoke?")."""
    return frozenset(
        glossary.stem(phrase[0]) for c in glossary.concepts() if c.general for phrase in c.phrases if len(phrase) == 1
    )


# Words every hotel item may say: sharing one of them does not make an item about the question's subject.
_GENERIC = frozenset(
    ["hotel", "guest", "tetamu", "please", "kat", "ni", "nak", "dalam", "if", "kalau", "tu", "je", "ke", "ka", "kah"]
)


@dataclass(frozen=True)
class _Item:
    rank: int
    sentences: list[_Sentence]
    subject: frozenset[int]  # the question's concepts the item's title names
    on_subject: bool  # the item (title or text) shares a topical concept or a content word with the question
    names_topic: bool  # the item names one of the question's topical concepts (pool, cancellation, …)


def grounded_facts(question: str, hits: tuple[Hit, ...], max_chars: int = MAX_ANSWER_CHARS) -> str:
    """The fact asked for, copied from the item that answers it; another item only for a part of the
    question the first leaves unanswered. Nothing is generated, and nothing unrelated is added: a pool
    question gets the pool's hours, not the gym and the spa. An item that shares neither a topical concept
    nor a content word with the question is not about it, however near its embedding: when the nearest
    one is not, a farther one naming the question's topic answers, else there is nothing to say ("Is there
    a nightclub?" is not answered with the Kids Club).
    """
    question = glossary.normalise(question)  # "kul brp" asks "pukul berapa": a time
    concepts = glossary.find(question)
    question_words = set(glossary.stems(sorted(_terms(question))))
    content_words = question_words - _GENERIC - _weak_words()
    strong = {n for n, c in enumerate(concepts) if not c.general or c.english[0] not in _WEAK_CONCEPTS}
    topical = {n for n, c in enumerate(concepts) if not c.general}
    wants_price, wants_time = bool(_PRICE_QUESTION.search(question)), bool(_TIME_QUESTION.search(question))
    wants_duration = bool(_DURATION_QUESTION.search(question))
    wants_place = bool(_PLACE_QUESTION.search(question))
    items: list[_Item] = []
    for rank, (title, sentences) in enumerate(_sentences_of(hits)):
        # What the item is about (its title) is in every sentence's context: it does not tell which
        # sentence answers. "How long is the airport transfer?" is answered by the one with a duration.
        subject_words = set(_words(title))
        subject = _concepts_in(_words(title), concepts)
        scored = []
        spoken: set[str] = set(subject_words)
        for position, text in sentences:
            words = _words(text)
            spoken.update(words)
            bonus = (
                (2.5 if wants_price and _PRICE.search(text) else 0.0)
                + (2.0 if wants_time and _TIME.search(text) else 0.0)
                + (2.0 if wants_duration and _DURATION.search(text) else 0.0)
                + (2.0 if wants_place and _PLACE.search(text) else 0.0)
            )
            matched = _concepts_in(words, concepts)
            weight = sum(0.5 if concepts[n].general else 1.0 for n in matched - subject)
            repeated = len((question_words - subject_words) & set(words))
            scored.append(_Sentence(rank, position, text, matched, weight, repeated, bonus))
        named = subject | {n for s in scored for n in s.concepts}
        # A topical concept, or (a question naming none) any concept of the question's, or a content word.
        # A topical concept or a content word. A general word alone (room, price) is no subject: the
        # question's general concepts count only when it has nothing more specific to say.
        if topical:
            on_subject = bool(named & topical) or bool(content_words & spoken)
        elif strong or content_words:
            on_subject = bool(named & strong) or bool(content_words & spoken)
        else:
            on_subject = bool(named)
        items.append(_Item(rank, scored, subject, on_subject, bool(named & topical)))
    if not items:
        return ""
    if not items[0].on_subject and (concepts or content_words):
        # The nearest item is not about what was asked. A farther one naming the question's topic answers
        # (as the gap inbox would judge it answered); one sharing a mere word does not: nothing is quoted.
        items = [item for item in items if item.names_topic]
        if not items:
            return ""
    items = [items[0], *(item for item in items[1:] if item.on_subject)]
    best = items[0]
    others = [item for item in items if item is not best]
    follow_on = bool(_EXISTENCE_QUESTION.search(question) or _HOW_QUESTION.search(question))
    rule_first = bool(_PERMISSION_QUESTION.search(question))
    chosen = _from_best_item(best.sentences, follow_on=follow_on, rule_first=rule_first, one_price=wants_price)
    # A part of the question is answered when the best item speaks of it anywhere (or is about it).
    best_item_concepts = set(best.subject) | {n for s in best.sentences for n in s.concepts}
    uncovered = topical - best_item_concepts
    for item in others:
        helpful = [s for s in item.sentences if s.concepts & uncovered]
        if not uncovered or not helpful:
            continue
        chosen.append(max(helpful, key=lambda s: (len(s.concepts & uncovered), s.score, -s.position)))
        break  # one more item at most: a second fact, not a brochure
    text, total = [], 0
    for sentence in chosen:
        if total + len(sentence.text) > max_chars and text:
            break
        text.append(sentence.text)
        total += len(sentence.text) + 1
    return " ".join(text)


def _from_best_item(
    sentences: list[_Sentence], *, follow_on: bool, rule_first: bool = False, one_price: bool = False
) -> list[_Sentence]:
    """The item's best sentence (its opening one when none speaks of the question), and a second
    one when it scores as well, or when the question asks what there is or how to do it and the
    best one only opens the item, or when it asks whether something is allowed and the best one is
    not the item's opening rule: in the item's own order."""
    # At equal scores, the sentence naming the question's concept beats one that only repeats its words.
    best = max(sentences, key=lambda s: (s.score, s.concept_weight, -s.position))
    if best.score == 0:
        best = sentences[0]
    keep = [best]
    if follow_on and best.position == 0 and len(sentences) > 1:
        return [best, sentences[1]]
    if rule_first and best.position != 0:
        return [sentences[0], best]
    runners = sorted((s for s in sentences if s is not best), key=lambda s: (-s.score, s.position))
    if one_price and _PRICE.search(best.text):
        # "How much is parking?" gets the guests' rate, in the item's order the general rule, and not also
        # the special case after it (valet), unless that one answers better.
        runners = [s for s in runners if not _PRICE.search(s.text)]
    for sentence in runners[: MAX_SENTENCES_PER_ITEM - 1]:
        if sentence.score >= max(1.0, best.score - 0.5):
            keep.append(sentence)
    return sorted(keep, key=lambda s: s.position)


def compose(request: ChatRequest) -> str:
    t = TEMPLATES.get(request.language, TEMPLATES["en"])
    if request.mode == AiMode.HANDOFF:
        # A guest who asked for a person, or is upset, gets the person: no knowledge snippet first.
        return t["handoff"]
    facts = grounded_facts(request.question, request.hits) if request.hits else ""
    answer = t["answer"]
    if facts and request.language == "ms" and request.hits[0].language != "ms":
        answer = t["english_only"]
    if request.mode == AiMode.LEAD_CAPTURE:
        # A price is an answer, not a form: the fact alone. The one line inviting the booking is the
        # lead step's next question (leads/turn.py), so the guest never gets two questions at once.
        return answer.format(facts=facts) if facts else t["lead"]
    return answer.format(facts=facts) if facts else t["unknown"]


class OfflineProvider:
    name = "offline"

    def stream(self, request: ChatRequest, on_token: TokenSink) -> ChatResult:
        text = compose(request)
        # Word by word, so the widget shows the same stream whichever provider answered.
        for piece in re.findall(r"\S+\s*", text):
            on_token(piece)
        return ChatResult(text=text, provider=self.name, model="templates", extra={"grounded": bool(request.hits)})
