"""The EN↔BM hotel glossary (knowledge/data/glossary.txt): what a question means in both languages.

e5 and the full-text index both miss short Malay questions about items written in English ("Pukul
berapa daftar keluar?" scores 0.79 against "Check-out time is by 12:00 noon"). The glossary names
the concepts a question mentions, in either language, so retrieval can look for both wordings:
the embedded query carries the other language's words, and the full-text side matches an item
written in either language.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

GLOSSARY_FILE = Path(__file__).resolve().parent.parent / "data" / "glossary.txt"
_TOKEN = re.compile(r"\w+", re.UNICODE)
# Longer phrases are matched first ("daftar keluar" before "daftar"); none in the file is longer.
MAX_PHRASE_WORDS = 5


@dataclass(frozen=True)
class Concept:
    english: tuple[tuple[str, ...], ...]  # each phrase as its words
    malay: tuple[tuple[str, ...], ...]
    general: bool  # helps the embedding; too common to require in a full-text match
    # who the question is about (children): required in a full-text match only when it is the question's one
    # topic ("what's there for kids?"), not beside another ("what if my kid breaks something?": the damage)
    person: bool = False
    # a season or period of the year (Ramadan, the year-end holidays): a question naming one may be answered by
    # a seasonal item before its dates (knowledge.services.retrieval.SEASON_LOOKAHEAD_DAYS)
    season: bool = False

    @property
    def phrases(self) -> tuple[tuple[str, ...], ...]:
        return tuple(dict.fromkeys(self.english + self.malay))

    @property
    def written_phrases(self) -> tuple[tuple[str, ...], ...]:
        """Its phrases as an item may write them, the English ones in the plural too: the full-text side's
        'simple' configuration stems nothing, and the glossary's "baby cot" is an item's "Baby cots"."""
        plurals = ((*p[:-1], _plural(p[-1])) for p in self.english if _plural(p[-1]))
        return tuple(dict.fromkeys((*self.phrases, *plurals)))

    @property
    def tsquery(self) -> str:
        """A to_tsquery expression matching any of its written phrases: (pool | kolam <-> renang)."""
        return "(" + " | ".join(" <-> ".join(phrase) for phrase in self.written_phrases) + ")"

    def other_language(self, language: str) -> tuple[str, ...]:
        """The concept's words in the language the question is not in (English for a Malay question)."""
        phrases = self.english if language == "ms" else self.malay
        return tuple(" ".join(p) for p in phrases)


def _plural(word: str) -> str:
    """An English noun's plural ("cot" -> "cots", "party" -> "parties", "lunch" -> "lunches"); "" for a word
    that takes none here (already plural, a verb form, a number)."""
    if not word.isalpha() or word.endswith(("s", "ed", "ing")):
        return ""
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "o", "u"):
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("x", "ch", "sh")) else "s")


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


SHORTHAND_FILE = GLOSSARY_FILE.parent / "shorthand.txt"
_DOUBLED = re.compile(r"\b([^\W\d_]{2,})2\b")  # "budak2" is "budak-budak"


@functools.cache
def _shorthand() -> tuple[re.Pattern[str], dict[str, str]]:
    table: dict[str, str] = {}
    for number, raw in enumerate(SHORTHAND_FILE.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        short, sep, full = (part.strip().lower() for part in line.partition("="))
        if not sep or not short or not full or " " in short:
            raise ValueError(f"shorthand line {number}: expected 'short = full words', got {raw!r}")
        table[short] = full
    alternatives = "|".join(map(re.escape, sorted(table, key=len, reverse=True)))
    return re.compile(rf"(?<![\w'-])({alternatives})(?![\w'-])", re.IGNORECASE), table


_BETWEEN_NUMBERS = re.compile(r"\d\s*$")


def normalise(text: str) -> str:
    """The guest's text with typed shorthand written out ("cek in kul brp?" -> "check in pukul berapa?",
    "bilik ada wifi x?" -> "… wifi tak?"), so the glossary, the question rules and the embedding read it.
    Case is kept where nothing is replaced; a short form is replaced only as a whole word."""
    pattern, table = _shorthand()
    # An acronym numbered 2 is a name, not a word typed twice: "KLIA2" is the second terminal.
    text = _DOUBLED.sub(lambda m: m.group(0) if m.group(1).isupper() else f"{m.group(1)}-{m.group(1)}", text)

    def full(match: re.Match[str]) -> str:
        # "2 x 3" is a product, not "tak".
        after = match.string[match.end() :].lstrip()[:1]
        if _BETWEEN_NUMBERS.search(match.string[: match.start()]) and after.isdigit():
            return match.group(0)
        return table[match.group(1).lower()]

    return _LOOKING_AROUND.sub("come and see the place", pattern.sub(full, text) if table else text)


# Coming to "check the place out" (or "check the hotel out", "have a look around the hotel") is a visit, which the
# visitors' rule answers, not a check-out: written out in the glossary's words for a visit, so it reads no departure
# there. ("Check out the room", "check out the hotel" stay: they may be leaving it.)
_LOOKING_AROUND = re.compile(
    r"\bcheck (?:the|this|your|ur|you guys'?) (?:place|hotel|property|rooms?|facilities) out\b"
    r"|\b(?:(?:have|take) a )?look around (?:the|this|your|ur) (?:place|hotel|property|facilities)\b"
    r"|\bcheck out (?:the|this|your|ur) (?:place|property|facilities)\b",
    re.IGNORECASE,
)


def _phrases(side: str) -> tuple[tuple[str, ...], ...]:
    found = (tuple(tokens(p)) for p in side.split(","))
    return tuple(p for p in found if p)


def parse(text: str) -> tuple[Concept, ...]:
    concepts = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        general, person, season = line.startswith("~"), line.startswith("@"), line.startswith("%")
        english, sep, malay = line.lstrip("~@%").partition("=")
        if not sep or not _phrases(english) or not _phrases(malay):
            raise ValueError(f"glossary line {number}: expected 'english words = malay words', got {raw!r}")
        concepts.append(Concept(_phrases(english), _phrases(malay), general, person, season))
    return tuple(concepts)


@functools.cache
def concepts() -> tuple[Concept, ...]:
    return parse(GLOSSARY_FILE.read_text(encoding="utf-8"))


def _singular(words: tuple[str, ...]) -> tuple[str, ...]:
    # "suitcases" names a "suitcase", "cots" a "cot": the glossary lists one form, guests write either.
    return tuple(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


# Light stemming, the same on both sides of a comparison (a question's words and an item's, a glossary
# phrase and a question's): word forms meet ("washed"/"wash", "visitors"/"visit", "membayar"/"bayar",
# "pelawat"/"melawat", "dibuka"/"buka", "tempahan"/"tempah"). It is not a dictionary stemmer: a stem
# is only a key, and a stem shorter than four letters is not made (the word is kept as it is).
_MALAY_PREFIXES = ("meng", "meny", "mem", "men", "me", "peng", "peny", "pem", "pen", "pe", "ber", "di")
_MALAY_SUFFIXES = ("kan", "an")
# The possessive "-nya" comes off before the suffix under it, as a Malay stemmer takes the layers off (particle,
# possessive, suffix): "sarapannya" is "sarapan", stemmed as "sarapan" is ("sarap"); "pembatalannya" "batal".
_POSSESSIVE = "nya"
_ENGLISH_SUFFIXES = ("ing", "ed", "es", "s")
# The Malay question particles written onto a word ("bolehkah", "tolonglah"), taken off before its affixes;
# not from the words that merely end so ("masalah" is a problem, not "masa", time).
_CLITICS = ("kah", "lah")
_NOT_CLITIC = frozenset(["masalah", "sekolah", "sebelah", "langkah", "halah"])
MIN_STEM = 4


@functools.lru_cache(maxsize=8192)
def stem(word: str, *, english: bool = True) -> str:
    """The key a word form is compared by: Malay particles (-kah, -lah) and affixes (me-/pe-/ber-/di-,
    -nya and then -kan/-an; not ter-: "termasuk" is not "masuk") and English endings (-s, -es, -ed, -ing, a doubled
    consonant, a final e, -or after a long stem) taken off; with `english` false, the Malay ones only (a Malay word
    ending in -s is no plural: "tandas" is a toilet, "tanda" a mark)."""
    word = word.lower()
    if not word.isalpha() or len(word) < MIN_STEM + 1:
        # "cots" names a "cot", "bags" a "bag": a plural is the only form a short word takes off.
        plural = english and len(word) == MIN_STEM and word.endswith("s") and not word.endswith("ss")
        return word[:-1] if plural else word
    word = _without_malay_layers(word)
    if not english:
        suffix = next((s for s in _MALAY_SUFFIXES if word.endswith(s) and len(word) - len(s) >= MIN_STEM), "")
        return word[: len(word) - len(suffix)]
    ending = ""
    for suffix in _MALAY_SUFFIXES + _ENGLISH_SUFFIXES:
        if word.endswith(suffix) and not word.endswith("ss") and len(word) - len(suffix) >= MIN_STEM:
            word, ending = word[: -len(suffix)], suffix
            break
    if ending in ("ing", "ed") and len(word) > MIN_STEM and word[-1] == word[-2] and word[-1] not in "aeious":
        word = word[:-1]  # "swimming" -> "swimm" -> "swim", "cancelled" -> "cancel"
    if len(word) >= 7 and word.endswith("or"):
        word = word[:-2]  # "visitor" -> "visit"
    if len(word) > MIN_STEM and word.endswith("e"):
        word = word[:-1]  # "charge" and "charged" both "charg"
    return word


def _without_malay_layers(word: str) -> str:
    """The particle, the prefix and the possessive taken off, the outer layers first."""
    if word.endswith(_CLITICS) and word not in _NOT_CLITIC and len(word) - 3 >= MIN_STEM:
        word = word[:-3]
    for prefix in _MALAY_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM:
            word = word[len(prefix) :]
            break
    if word.endswith(_POSSESSIVE) and len(word) - len(_POSSESSIVE) >= MIN_STEM:
        word = word[: -len(_POSSESSIVE)]
    return word


def stems(words: tuple[str, ...] | list[str], *, english: bool = True) -> tuple[str, ...]:
    return tuple(stem(w, english=english) for w in words)


def _malay_only(concept: Concept, phrase: tuple[str, ...]) -> bool:
    """A phrase only the Malay side lists: English endings are no endings of its words."""
    return phrase in concept.malay and phrase not in concept.english


@functools.cache
def _index() -> dict[tuple[str, ...], int]:
    index: dict[tuple[str, ...], int] = {}
    for number, concept in enumerate(concepts()):
        for phrase in concept.phrases:
            if len(phrase) > MAX_PHRASE_WORDS:
                raise ValueError(f"glossary phrase {' '.join(phrase)!r} is longer than {MAX_PHRASE_WORDS} words")
            index.setdefault(phrase, number)  # the first concept to name a phrase keeps it
    for number, concept in enumerate(concepts()):
        for phrase in concept.phrases:
            if not _malay_only(concept, phrase):  # ("tandas" is no plural of "tanda")
                index.setdefault(_singular(phrase), number)  # an exact phrase of another concept wins
    return index


@functools.cache
def _stem_indexes() -> tuple[dict[tuple[str, ...], int], dict[tuple[str, ...], int]]:
    """Phrases by their stems: a word form the glossary does not list ("washed", "pelawat") still names
    its concept, when no phrase names one exactly. The phrases only the Malay side lists are in the second
    index, by their Malay stems ("pelawat" by "lawat", "tandas" as it is)."""
    english: dict[tuple[str, ...], int] = {}
    malay: dict[tuple[str, ...], int] = {}
    for number, concept in enumerate(concepts()):
        for phrase in concept.phrases:
            if _malay_only(concept, phrase):
                malay.setdefault(stems(phrase, english=False), number)
            else:
                english.setdefault(stems(phrase), number)
    return english, malay


@dataclass(frozen=True)
class Term:
    """A piece of a text as the glossary reads it: a phrase naming a concept, or one word naming none."""

    words: tuple[str, ...]
    concept: Concept | None


def terms(text: str) -> list[Term]:
    """`text` read left to right, the longest phrase naming a concept first ("daftar keluar" before
    "daftar"); every other word is a term of its own."""
    return list(_terms(text))


# A turn reads the same texts many times (the question ~10 times, each retrieved chunk's text on every turn that
# finds it: ~1 ms of a turn's CPU, docs/benchmarks.md "The worker's turn, p26t"). The reading is a pure function of
# the text (the glossary is read once per process), so it is kept per text; the key is the text itself.
TERMS_CACHE_SIZE = 2048


@functools.lru_cache(maxsize=TERMS_CACHE_SIZE)
def _terms(text: str) -> tuple[Term, ...]:
    words, index, table = tokens(text), _index(), concepts()
    stemmed, malay_stemmed = _stem_indexes()
    found: list[Term] = []
    position = 0
    while position < len(words):
        for size in range(min(MAX_PHRASE_WORDS, len(words) - position), 0, -1):
            phrase = tuple(words[position : position + size])
            number = index.get(phrase, index.get(_singular(phrase)))
            if number is None:
                number = stemmed.get(stems(phrase), malay_stemmed.get(stems(phrase, english=False)))
            if number is not None:
                found.append(Term(phrase, table[number]))
                position += size
                break
        else:
            found.append(Term((words[position],), None))
            position += 1
    return tuple(found)


def find(text: str) -> list[Concept]:
    """The concepts `text` mentions, in order, longest phrase first (each concept once)."""
    return list(dict.fromkeys(term.concept for term in _terms(text) if term.concept is not None))


def season_tsquery(text: str) -> str:
    """A to_tsquery expression matching the seasons or periods of the year the text names ("buffet ramadan",
    "rates over Christmas"), in either language's words; "" when it names none."""
    return " | ".join(concept.tsquery for concept in find(normalise(text)) if concept.season)


def language_of(text: str) -> str:
    """ "ms" when more of the glossary phrases in `text` are Malay-only than English-only, else "en": a
    fallback for callers that have not detected the language (the engine has, and passes it)."""
    words, english, malay = tokens(text), 0, 0
    for concept in find(text):
        for phrase in concept.phrases:
            if _contains(words, phrase):
                english += phrase in concept.english and phrase not in concept.malay
                malay += phrase in concept.malay and phrase not in concept.english
    return "ms" if malay > english else "en"


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(words[i : i + size]) == phrase for i in range(len(words) - size + 1))


# How many of a concept's other-language words the embedded query carries. The embedding's CPU grows ~0.5 ms a
# token and the words are about half of an embedded question's tokens; a general concept's second word (a time's
# "waktu" after "pukul berapa", a price's "kadar" after "harga") changed no figure of the question sets when left
# out, a topical concept's second word did (docs/benchmarks.md, p30e).
TOPICAL_WORDS = 2
GENERAL_WORDS = 1


# When the guest will do what they ask about, an occasion of their own: "can I work out at 5am before my meeting?",
# "can I swim after my massage?". The concept after it (the meeting, the spa) is the setting, not the thing asked;
# without "my", "the" … it may be the thing itself ("a spot to wash before prayers" asks for the surau).
_WHEN = frozenset(str.split("before after during"))
_WHOSE = frozenset(str.split("my our the your"))


def asked_concepts(question: str) -> list[Concept]:
    """The concepts `question` mentions, but a topical one it names only as the setting in time of another
    ("… before my meeting") when another topical one is asked: the meeting is no topic of the question."""
    found, setting, state = [], set(), ""  # state: "when" read, then "whose"
    for term in _terms(question):
        if term.concept is not None:
            found.append(term.concept)
            if state == "whose" and not term.concept.general:
                setting.add(term.concept)
            state = ""
        elif term.words[0] in _WHEN:
            state = "when"
        else:
            state = "whose" if state == "when" and term.words[0] in _WHOSE else ""
    concepts = list(dict.fromkeys(found))
    asked = [c for c in concepts if c not in setting]
    return asked if any(not c.general for c in asked) else concepts


def embedding_query(question: str, language: str) -> str:
    """The question with its concepts' words in the other language, so e5 meets items in either: two words for a
    topical concept, one for a general one (not the setting's: `asked_concepts`)."""
    words = (
        word
        for concept in asked_concepts(question)
        for word in concept.other_language(language)[: GENERAL_WORDS if concept.general else TOPICAL_WORDS]
    )
    extra = list(dict.fromkeys(words))
    return f"{question} ({', '.join(extra)})" if extra else question


def concept_tsquery(question: str) -> str:
    """A to_tsquery expression requiring every topical concept of the question, in either language
    ('' when the question names none): (pool | kolam <-> renang) & (open | buka)."""
    topical = [concept for concept in asked_concepts(question) if not concept.general]
    if any(not concept.person for concept in topical):
        topical = [concept for concept in topical if not concept.person]
    return " & ".join(concept.tsquery for concept in topical)
