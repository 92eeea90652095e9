"""A thing the guest asks about that the answering item never says, in any words.

The offline answer quotes the item nearest the question; when none of its sentences speaks of what is asked it
falls back on the item's opening line. "Does the Deluxe King Room have blackout curtains?", "gym ada loker tak?",
"what temperature is the pool water?" would then get the room's, the gym's or the pool's description as if it
answered. A night receptionist says the team will confirm. This module reads the thing the question asks about
(after "is there", "does … have", "can I borrow", "how much is", "what …", "ada", "boleh pinjam", "berapa harga"
…) and looks for each of its words in the item (title and sentences): as the word, a form of it, a phrase of
the glossary concept it belongs to, or a near word of the hotel vocabulary (assistant/data/near_words.txt:
"a rooftop bar" is the Sky Bar, "a wheelchair friendly room" the accessible one). Conservative by design: only a
content word of the thing is judged (not a question word, a general word, a day, a number, a person, a name), and
a question asking several things keeps the answer when one of its parts has nothing unsaid.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path

from assistant.language import ENGLISH_WORDS, MALAY_WORDS
from assistant.situations import asking_pieces
from knowledge.services import glossary

NEAR_WORDS_FILE = Path(__file__).resolve().parent / "data" / "near_words.txt"
MAX_THING_WORDS = 3

# What opens the thing asked about: it is the run of words after one of these (articles skipped).
_AFTER = re.compile(
    r"\b(?:is there|are there|do (?:you|u)(?: guys)? have|have you got|got any|any"
    # "does the room have", and without an article: "does room service have pizza?", "does Jasmine Spa have …"
    r"|(?:does|do|will|would)(?: (?:the|your|ur|my|our|this|that|it|they|each|every))?(?: [\w-]+){0,3}? (?:have|has)"
    r"|(?:comes?|equipped) with"
    # a person described by what they do: "is there someone at the gym who can show me the machines?"
    r"|(?:someone|anyone|somebody|anybody|orang|org)(?: (?:at|in|by) the [\w-]+)? (?:who|to|that|yang|yg)"
    r"(?: can| could| will| would| boleh| blh)?"
    r"|(?:can|could|may) (?:i|we|you|u) (?:get|borrow|rent|hire|order|request|have|use|ask for|bring)"
    r"|(?:pay|paying) (?:by|with|using|via)|bayar (?:guna|dengan|pakai|melalui|ikut)"
    r"|boleh (?:hantar|bawa|pesan|order)"
    r"|(?:do|does) (?:you|u|it|they|the \w+) (?:offer|provide|serve|sell|lend|rent|stock|hold|run)"
    r"|how much (?:is|are|for|does|do|would)(?: (?:it|a|an|the|one) (?:cost|charge)(?: for| to)?)?"
    r"|(?:price|cost|charge|rate|fee) (?:of|for)"
    r"|what(?:'s| is| are|s)?(?: the)?|which|how many"
    r"|ada(?:kah)?|ade|menyediakan|disediakan|pinjam|sewa|minta"
    r"|berapa (?:harga|caj|kos|banyak)|harga|caj|kos)\b\s+",
    re.IGNORECASE,
)
# Skipped before the thing's words: articles and possessives.
_SKIPPED = frozenset(str.split("a an the any some sebarang your ur my our their his her satu sebuah seorang"))
# An amount of the thing ("a glass of wine", "a bottle of champagne"): the thing is after "of".
_AMOUNTS = frozenset(str.split("glass glasses bottle bottles cup cups plate plates bowl bowls piece pieces pair slice"))
# Where the thing's words stop: a preposition, a particle, a clause's end.
_STOPS = frozenset(
    str.split(
        """
    in at on for to from with of by near during if when while inside outside or and but so that which who
    is are was be been do does can could will would should there here this these those it its
    tak ke x tidak ka kah ker kat di dalam dlm untuk utk dekat pada kalau jika atau dan yang ni tu je ja
    tu ye ya ok kan lagi pun sekali bila mana apa bagi dari dr sampai hingga sehingga pukul besides except apart
    selain than as like about around semasa ketika waktu masa over under after before until till along into
    masuk keluar naik turun balik pulang
    """
    )
)
# Words no item needs to repeat for the question to be answered: question and function words, general words,
# what a guest says of themselves, evaluations.
_NOT_JUDGED = frozenset(
    str.split(
        """
    i me we us you u they he she it my our your ur yours theirs his her hers them
    what whats which how when where who why whom berapa brp bila mana apa bagaimana macam siapa kenapa
    there here thing things stuff something anything everything one ones kind kinds type types sort option options
    service services facility facilities amenity amenities available provided included include includes offered
    hotel hotels property place area areas spot way ways time times day days
    good nice best better great cheap cheaper cheapest free extra more other another same own new big small
    large little nearby near close open opening closed usual normal regular proper special
    kind please thanks thank hi hello hai helo
    kemudahan perkhidmatan servis khidmat benda barang tempat jenis pilihan apa-apa sesuatu sebarang semua
    boleh blh nak mahu mau hendak ada takde tiada tak tidak ke kah ker je jer ja lah la
    percuma murah mahal baik bagus lain sama baru besar kecil dekat berdekatan
    get got have has had use using used need needs want wants like able come comes coming go goes back done made
    happen happens happened start starts begin begins end ends finish finishes
    chance possible possibility somewhere anywhere someone anyone equipment item items
    him her them dah sudah termasuk jual beli guna pakai tambah tambahan naik turun perlu kena mesti
    pihak kedai kami kita saya aku awak anda korang dia mereka seorang sebuah sehelai sekeping secawan
    friendly mesra suitable sesuai kecik alat peralatan kelengkapan penginapan sediakan hidang
    held kept given taken left brought paid sent
    height depth width length size weight temperature distance capacity speed colour color brand number name old aged
    clearance percent percentage peratus
    tinggi ketinggian dalam kedalaman lebar panjang saiz berat suhu jarak kapasiti kelajuan warna jenama nombor nama
    segelas secawan sebotol sepinggan semangkuk
    policy policies rule rules terms conditions procedure process polisi peraturan syarat prosedur proses
    hold keep give take leave bring pay charge stay stop stops station stesen hentian ape pe apo
    main bermain teman temankan jaga tengok tunggu duduk tidur makan minum bawa hantar ambil simpan letak
    one two three four five six seven eight nine ten satu dua tiga empat lima enam tujuh lapan sembilan sepuluh
    """
    )
)
# The languages' own small words ("hotel ini", "yang"), unless the glossary knows them as a thing.
_LANGUAGE_WORDS = MALAY_WORDS | ENGLISH_WORDS
# Days, months, numbers and counts say when or how many, not what: "can I check in on Sunday?" is answered by the
# check-in hour.
_CALENDAR = re.compile(
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?|weekends?|weekdays?|isnin|selasa|rabu|khamis|jumaat|sabtu|ahad"
    r"|morning|afternoon|evening|night|tonight|today|tomorrow|pagi|petang|malam|esok|lusa|hari|minggu|bulan|tahun"
    r"|january|february|march|april|may|june|july|august|september|october|november|december"
    r"|hour|hours|minute|minutes|mins?|jam|minit|week|weeks|month|months|year|years|hujung|awal|lewat|early|late"
    r"|overnight|daily|nightly|weekly"
    r"|se(?:jam|minit|hari|malam|minggu|bulan|tahun)|\d+\w*",
    re.IGNORECASE,
)


@functools.cache
def _vocabulary() -> tuple[tuple[tuple[tuple[str, ...], ...], ...], frozenset[int]]:
    """The hotel vocabulary: per line, words and phrases one may say for another (synonyms, hypernyms), as stems;
    and the numbers of the lines marked `>`, a narrower kind of thing than the glossary concept holding it."""
    groups, narrower = [], set()
    for raw in NEAR_WORDS_FILE.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(">"):
            narrower.add(len(groups))
            line = line[1:]
        phrases = tuple(glossary.stems(glossary.tokens(p)) for p in re.split(r"[,=]", line) if p.strip())
        groups.append(tuple(p for p in phrases if p))
    return tuple(groups), frozenset(narrower)


def _near_groups() -> tuple[tuple[tuple[str, ...], ...], ...]:
    return _vocabulary()[0]


@functools.cache
def _narrower_concepts() -> dict[int, frozenset[glossary.Concept]]:
    """Each narrower line -> the glossary concepts its phrases are phrases of (a bathtub's: the bathroom's; not the
    rain's of "rain shower", a word inside the phrase)."""
    groups, narrower = _vocabulary()
    return {
        number: frozenset(
            term.concept
            for phrase in groups[number]
            for term in glossary.terms(" ".join(phrase))
            if term.concept is not None and not term.concept.general and len(term.words) == len(phrase)
        )
        for number in narrower
    }


def _narrower_words(words: Sequence[str]) -> dict[str, frozenset[int]]:
    """The words of `words` inside a phrase of a narrower line ("tab mandi", "iron"), with those lines' numbers; a
    word only shared with one ("mandi" of "bilik mandi") is not."""
    groups, found = _vocabulary()[0], {}
    stemmed = glossary.stems(words)
    for number in _narrower_concepts():
        for phrase in groups[number]:
            size = len(phrase)
            for start in range(len(stemmed) - size + 1):
                if stemmed[start : start + size] == phrase:
                    for word in words[start : start + size]:
                        found[word] = found.get(word, frozenset()) | {number}
    return found


def _other_kind_said(numbers: frozenset[int], said: _Said) -> bool:
    """The item says another narrower kind of the same concept: a shower where a bathtub is asked. Its line is the
    nearest thing to an answer (what the room has), as before this rule; only an item naming no kind at all (a
    suite's "two bathrooms", laundry's collection hours for an iron) gets the honest reply."""
    groups, concepts = _vocabulary()[0], _narrower_concepts()
    asked = frozenset().union(*(concepts[n] for n in numbers))
    return any(
        said.phrase(phrase)
        for other, kinds in concepts.items()
        if other not in numbers and kinds & asked
        for phrase in groups[other]
    )


@functools.cache
def _near_index() -> dict[str, tuple[int, ...]]:
    """Stem -> the groups whose phrases hold it."""
    index: dict[str, set[int]] = {}
    for number, group in enumerate(_near_groups()):
        for phrase in group:
            for word in phrase:
                index.setdefault(word, set()).add(number)
    return {word: tuple(sorted(numbers)) for word, numbers in index.items()}


@functools.lru_cache(maxsize=4096)
def near_phrases(stem: str) -> tuple[str, ...]:
    """The phrases (as space-joined stems) a guest's word may stand for in an item's text, by the hotel vocabulary:
    "telly" -> ("tv", "televis", "smart tv", …). Only a word that is a phrase of its own in a group: "tengah" of
    "menu tengah malam" is no late-night menu. The offline answer reads them to pick the line that says it."""
    groups = _near_groups()
    return tuple(
        dict.fromkeys(
            " ".join(p) for number in _near_index().get(stem, ()) if (stem,) in groups[number] for p in groups[number]
        )
    )


def _run(words: list[str]) -> tuple[list[str], list[str]]:
    """The thing's words at the start of `words` (articles and amounts skipped) and the words after them."""
    while words and words[0] in _SKIPPED or words[:2] and words[0] in _AMOUNTS and words[1:2] == ["of"]:
        words = words[2:] if words[0] in _AMOUNTS else words[1:]
    run: list[str] = []
    for word in words:
        if word in _STOPS or len(run) >= MAX_THING_WORDS:
            break
        run.append(word)
    return run, words[len(run) :]


# Who or what the thing is for ("a massage for couples", "bilik utk couple", "parking untuk lori"): a kind of the
# thing the item may not offer. Not when the guest names their own ("for my wife", "untuk anak saya").
_FOR = frozenset(str.split("for untuk utk bagi"))
_OWN = frozenset(str.split("my our me us saya aku kami kita sy"))
# How many or how old they are is not a kind of the thing: "a van for a big group", "breakfast for a 10-year-old".
_HOW_MANY = frozenset(str.split("group groups party old aged kumpulan rombongan umur berumur"))


def _purpose(rest: list[str]) -> list[str]:
    """The words naming whom or what the thing is for, when `rest` (the words after the thing) begins with "for"."""
    if not rest or rest[0] not in _FOR or rest[1:2] and rest[1] in _OWN:
        return []
    run, after = _run(rest[1:])
    return [] if any(word in _OWN for word in run + after[:1]) else run


def _asked(question: str) -> list[tuple[list[str], list[str]]]:
    """The runs of words naming what the question asks about (at most MAX_THING_WORDS words each), each with whom
    or what it is for ([] when it says none)."""
    lowered = _PRICE_IDIOM.sub("how much", question.lower())
    found = []
    for match in _AFTER.finditer(lowered):
        run, rest = _run(glossary.tokens(lowered[match.end() :]))
        if run:
            found.append((run, _purpose(rest)))
    # "gym ada loker tak?" is read above; "loker ada tak?", "parking motosikal ada caj?" name their thing before
    # "ada", as the question's opening words.
    opening = re.match(r"\W*([\w-]+(?:\s+[\w-]+)?)\s+(?:ada|ade)\b", lowered)
    if opening:
        found.append((glossary.tokens(opening.group(1)), []))
    return found


# A verb or a participle says what is done, not what is asked about: Malay verbs by their prefixes ("disediakan",
# "menggunakan", "bertugas", "terdapat"), English participles ("cooked", "held").
_VERB_FORM = re.compile(r"(?:di|me|ber|ter)[a-z]{4,}|[a-z]{3,}(?:ed|ing)")
# An extreme asked ("the earliest", "the closest LRT", "paling dekat") is a comparison of what the item states.
_SUPERLATIVE = re.compile(r"[a-z]{2,}i?est|paling|plg|ter[a-z]{3,}")
# "What's the damage?" asks the price.
_PRICE_IDIOM = re.compile(r"\bwhat(?:'s| is|s) the damage\b", re.IGNORECASE)


def _judged(word: str, question_names: frozenset[str]) -> bool:
    if word in _NOT_JUDGED or word in _STOPS or word in _SKIPPED or word in question_names or len(word) < 3:
        return False
    if _CALENDAR.fullmatch(word):
        return False
    concepts = glossary.find(word)
    if not concepts and (word in _LANGUAGE_WORDS or _VERB_FORM.fullmatch(word) or _SUPERLATIVE.fullmatch(word)):
        return False
    # A general concept (price, room, time) or a person (children, adults) says how, where or for whom.
    return not any(c.general or c.person for c in concepts)


class _Said:
    """What an item says: its words' stems, and its text as stems for phrases."""

    def __init__(self, title: str, sentences: Sequence[str]) -> None:
        words = glossary.stems(glossary.tokens(" ".join([title, *sentences])))
        self.stems = frozenset(words)
        self.joined = f" {' '.join(words)} "

    def phrase(self, phrase: tuple[str, ...]) -> bool:
        return f" {' '.join(phrase)} " in self.joined

    def word(self, stem: str) -> bool:
        if stem in self.stems:
            return True
        # "swimmers" against "swim", "pressing" against "press": one word form begins the other.
        return len(stem) >= 4 and any(len(s) >= 4 and (s.startswith(stem) or stem.startswith(s)) for s in self.stems)


def _concept_said(word: str, question_terms: list[glossary.Term], said: _Said) -> bool:
    """The word belongs to a glossary phrase of the question whose concept the item names in any of its words."""
    for term in question_terms:
        if term.concept is not None and word in term.words:
            return any(said.phrase(glossary.stems(phrase)) for phrase in term.concept.written_phrases)
    return False


def _near_said(stem: str, said: _Said) -> bool:
    groups = _near_groups()
    return any(said.phrase(phrase) for number in _near_index().get(stem, ()) for phrase in groups[number])


def _word_said(word: str, terms: list[glossary.Term], narrower: dict[str, frozenset[int]], said: _Said) -> bool:
    stem = glossary.stem(word)
    if said.word(stem) or _near_said(stem, said):
        return True
    if word in narrower:
        # A narrower kind (a bathtub, an iron) is not said by its concept's wider words (a bathroom, laundry).
        return _other_kind_said(narrower[word], said)
    return _concept_said(word, terms, said)


def _unsaid_words(piece: str, said: _Said, question_names: frozenset[str]) -> list[str]:
    terms = glossary.terms(piece)
    narrower = _narrower_words(glossary.tokens(piece))
    # Who the thing is for, in a glossary phrase naming people ("warga emas"), is no kind of the thing.
    people = {w for t in terms if t.concept is not None and (t.concept.person or t.concept.general) for w in t.words}
    unsaid = []
    for run, purpose in _asked(piece):
        for word in run:
            if (word in narrower or _judged(word, question_names)) and not _word_said(word, terms, narrower, said):
                unsaid.append(word)
        judged = [
            w
            for w in purpose
            if w not in people and w not in _HOW_MANY and (w in narrower or _judged(w, question_names))
        ]
        # Whom or what it is for is unsaid when none of its words is said ("wheelchair users": the wheelchair is).
        if judged and not any(_word_said(w, terms, narrower, said) for w in judged):
            unsaid += judged
    return unsaid


def thing_unsaid(question: str, title: str, sentences: Sequence[str], *, names: Sequence[str] = ()) -> list[str]:
    """The words of the thing asked about that the item (its title and sentences) never says, in any words; [] when
    the item says it all, when nothing is read as a thing, or when a part of a question asking several things has
    nothing unsaid (that part is answered). `names`: words not to judge (the hotel's own name)."""
    said = _Said(title, sentences)
    own = frozenset(w for name in names for w in glossary.tokens(name))
    unsaid: list[str] = []
    # A greeting or a situation told beside the question is no part of its own: only the parts that ask.
    # Two questions in two sentences ("earliest check in time? and whats the wifi called") are two parts too,
    # though the first asks by no question word.
    sentences = [s for s in question.split("?") if s.strip()]
    for piece in asking_pieces(question) or (sentences if len(sentences) > 1 else [question]):
        missing = _unsaid_words(piece, said, own)
        if not missing:
            return []
        unsaid += missing
    return unsaid


def other_kind_asked(question: str, sentences: Sequence[str]) -> bool:
    """The question asks for a narrower kind of a thing (a bathtub, Apple Pay) that `sentences` do not say, while they
    say another kind of the same thing (a rain shower): they are what is known, not the answer, and the reply says
    so before quoting them."""
    said = _Said("", sentences)
    # Anywhere in the question ("can I pay the deposit with WeChat Pay?"): the lines must name a kind beside it.
    for word, numbers in _narrower_words(glossary.tokens(question)).items():
        stem = glossary.stem(word)
        if not (said.word(stem) or _near_said(stem, said)) and _other_kind_said(numbers, said):
            return True
    return False
