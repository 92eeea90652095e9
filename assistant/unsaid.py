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
from assistant.situations import asking_pieces, asks
from core.patterns import whole_words
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
    # a service someone at the hotel would arrange: "could the concierge get us tickets?", "kaunter boleh tempahkan …"
    r"|(?:can|could|will|would) (?:the|your|ur) [\w-]+(?: [\w-]+)? (?:get|arrange|book|order|buy|find|organi[sz]e"
    r"|recommend|call)(?: (?:us|me|for us|for me))?"
    r"|boleh (?:tolong )?(?:tempahkan|aturkan|uruskan|belikan|carikan|panggilkan|dapatkan)(?: (?:kami|saya))?"
    r"|(?:pay|paying) (?:by|with|using|via)|bayar (?:guna|dengan|pakai|melalui|ikut)"
    r"|boleh (?:hantar|bawa|pesan|order)"
    # ("does the spa do facials?", "do you do airport pickups?": "do" of a service is "offer")
    r"|(?:do|does) (?:you|u|it|they|the \w+) (?:offer|provide|serve|sell|lend|rent|stock|hold|run|do)"
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
    clearance percent percentage peratus limit limits had
    meter meters metre metres cm mm inch inches feet ft km kilometre kilometres kilometer kilometers sentimeter
    tinggi ketinggian dalam kedalaman lebar panjang saiz luas keluasan berat suhu jarak kapasiti kelajuan warna jenama
    nombor nama
    segelas secawan sebotol sepinggan semangkuk
    policy policies rule rules terms conditions procedure process polisi peraturan syarat prosedur proses
    hold keep give take leave bring pay charge stay stop stops station stesen hentian ape pe apo
    main bermain teman temankan jaga tengok tunggu duduk tidur makan minum bawa hantar ambil simpan letak
    make makes making buat membuat bikin
    must shall may might aren isn don doesn didn won wouldn couldn shouldn wasn weren haven hasn
    lebih tiap setiap kali
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


@functools.cache
def _narrower_by_first_stem() -> dict[str, tuple[tuple[int, int, tuple[str, ...]], ...]]:
    """The narrower lines' phrases by their first stem, each with its place in the lines' order and its line's
    number: a text's words look up the few phrases they could begin instead of every phrase trying every word."""
    groups, index = _vocabulary()[0], {}
    places = ((number, phrase) for number in _narrower_concepts() for phrase in groups[number])
    for place, (number, phrase) in enumerate(places):
        index.setdefault(phrase[0], []).append((place, number, phrase))
    return {first: tuple(entries) for first, entries in index.items()}


def _narrower_words(words: Sequence[str]) -> dict[str, frozenset[int]]:
    """The words of `words` inside a phrase of a narrower line ("tab mandi", "iron"), with those lines' numbers; a
    word only shared with one ("mandi" of "bilik mandi") is not."""
    index, stemmed = _narrower_by_first_stem(), glossary.stems(words)
    matches = [
        (place, start, number, len(phrase))
        for start, first in enumerate(stemmed)
        for place, number, phrase in index.get(first, ())
        if stemmed[start : start + len(phrase)] == phrase
    ]
    found: dict[str, frozenset[int]] = {}
    for _place, start, number, size in sorted(matches):  # the phrases' order, then the text's: as every phrase tried
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


# Where the thing is to be brought, other than where the item serves it: "does room service deliver to the pool
# deck?", "sarapan boleh hantar ke lobi?". The place is the thing judged (the room's own words are general ones); a
# place, after an article or "ke": "bring my own durian to eat" says what for.
_BROUGHT_TO = re.compile(
    r"\b(?:deliver|delivers|delivered|bring|brings|send|sends|hantar|dihantar)\b(?: [\w'-]+){0,3}?"
    r" (?:to (?=(?:the|my|our|your|ur|a|an) )|ke )",
    re.IGNORECASE,
)
# A way of serving the thing: packed to take away ("can the café pack our breakfast in a box?", "sarapan boleh
# bungkus?", "breakfast to go"). The item's hours or menu would pass for a yes.
_MANNER = whole_words(
    r"(?P<way>pack|packs|packed|boxed|takeaway|take-away|take away|bungkus|dibungkus|tapau|bekal)",
    r"(?:breakfast|food|meals?|lunch|dinner|coffee|sarapan|makanan) (?P<go>to go)",
)


# The guests packing their own: "… or should we pack ours?", "I'll pack my own".
_PACKING_OUR_OWN = re.compile(r"\s+(?:ours|mine|our own|my own|ourselves|myself)\b", re.IGNORECASE)


# Who does what is asked ("how much do you block on my card?", "how much do u guys hold?"): the word after them is
# what they do, not a thing the item must say.
_DOERS = frozenset(str.split("i we you u they"))
_ADDRESSED = frozenset(str.split("guys all"))


def _without_doing(run: list[str]) -> list[str]:
    """The run without a subject opening it, the words addressing the team ("guys") and the verb after them."""
    if not run or run[0] not in _DOERS:
        return run
    rest = run[1:]
    while rest and rest[0] in _ADDRESSED:
        rest = rest[1:]
    return rest[1:]


def _asked(question: str) -> list[tuple[list[str], list[str]]]:
    """The runs of words naming what the question asks about (at most MAX_THING_WORDS words each), each with whom
    or what it is for ([] when it says none)."""
    lowered = _PRICE_IDIOM.sub("how much", question.lower())
    found = []
    for match in [*_AFTER.finditer(lowered), *_BROUGHT_TO.finditer(lowered)]:
        run, rest = _run(glossary.tokens(lowered[match.end() :]))
        run = _without_doing(run)
        if run:
            found.append((run, _purpose(rest)))
    # "gym ada loker tak?" is read above; "loker ada tak?", "parking motosikal ada caj?" name their thing before
    # "ada", as the question's opening words. (Not before "berapa": "urut badan berapa?" names a massage by a
    # guest's word the spa need not say.)
    opening = re.match(r"\W*([\w-]+(?:\s+[\w-]+)?)\s+(?:ada|ade)\b", lowered)
    if opening:
        # "parking ada untuk lori?": whom or what it is for comes after "ada" too.
        found.append((glossary.tokens(opening.group(1)), _purpose(glossary.tokens(lowered[opening.end() :]))))
    return found


# A verb or a participle says what is done, not what is asked about: Malay verbs by their prefixes ("disediakan",
# "menggunakan", "bertugas", "terdapat"), English participles ("cooked", "held").
_VERB_FORM = re.compile(r"(?:di|me|ber|ter)[a-z]{4,}|[a-z]{3,}(?:ed|ing)")
# An extreme asked ("the earliest", "the closest LRT", "paling dekat", "the last collection") is a comparison of what
# the item states.
_SUPERLATIVE = re.compile(r"[a-z]{2,}i?est|paling|plg|ter[a-z]{3,}|last|first|final")
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


_THE_ONES = re.compile(r"\b(?:for|untuk|utk|bagi) (?:the|his|her|their|your) ", re.IGNORECASE)


def _persons(word: str) -> list[glossary.Concept]:
    """The kinds of guest the word names (children, the elderly …), by the glossary's person concepts."""
    return [c for c in glossary.find(word) if c.person]


def _kind_said(word: str, said: _Said) -> bool:
    """The item speaks of the kind of guest the word names, in any of its words ("kids" by "children aged 4")."""
    stem = glossary.stem(word)
    return said.word(stem) or any(
        said.phrase(glossary.stems(phrase)) for c in _persons(word) for phrase in c.written_phrases
    )


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
        # A thing for a kind of guest ("a kids' menu", "a child seat", "menu untuk budak-budak", "a room for the
        # elderly") is not offered them by an item that never speaks of them: no kind of guest, no such variant.
        kind = [w for w, thing in zip(run, run[1:], strict=False) if _persons(w) and _judged(thing, question_names)]
        # (Not "a cot for the baby": the guest's own, as "for my kids" is.)
        if purpose and all(_persons(w) for w in purpose) and not _THE_ONES.search(piece):
            kind += purpose
        if kind and not any(_kind_said(w, said) for w in kind):
            unsaid += kind
        judged = [
            w
            for w in purpose
            if w not in people and w not in _HOW_MANY and (w in narrower or _judged(w, question_names))
        ]
        # Whom or what it is for is unsaid when none of its words is said ("wheelchair users": the wheelchair is).
        if judged and not any(_word_said(w, terms, narrower, said) for w in judged):
            unsaid += judged
    for match in _MANNER.finditer(piece):
        if _PACKING_OUR_OWN.match(piece[match.end() :]):
            continue  # "or should we pack ours?": the guests packing their own, no way the hotel serves it
        way = glossary.stems(glossary.tokens(match.group("way") or match.group("go")))
        if not (said.phrase(way) or (len(way) == 1 and said.word(way[0]))):
            unsaid.append(match.group(0))
    return unsaid


# Words that ask a price, a length or a count without naming what of: "how much is one?", "harga berapa?".
_ASKING_ONLY = frozenset(
    str.split(
        """much price prices cost costs harga caj kos ringgit rm long lama per seorang satu berapakah does do opens
        closes buka dibuka tutup ditutup floor level tingkat aras"""
    )
)


def _names_nothing(piece: str) -> bool:
    """The piece names no thing, only what it asks of one: question words, pro-forms, days and counts."""
    return not any(
        word not in _NOT_JUDGED
        and word not in _STOPS
        and word not in _SKIPPED
        and word not in _ASKING_ONLY
        and not _CALENDAR.fullmatch(word)
        for word in glossary.tokens(piece.lower())
    )


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
    pieces = asking_pieces(question) or (sentences if len(sentences) > 1 else [question])
    # A piece after the first that asks and names nothing of its own ("…, and how much is one?", "… harga berapa?",
    # "what time does it open?") asks its fact of the thing the piece before it names: it is no part answered on its
    # own. (Only a piece asking: what the guest tells beside a question, "we leave at 5am", stays as it was; the rule
    # making it no part lost held-out answers twice, docs/quality.md, t44o.)
    pieces = [p for n, p in enumerate(pieces) if not n or not (asks(p) and _names_nothing(p))] or pieces
    for piece in pieces:
        missing = _unsaid_words(piece, said, own)
        if not missing:
            return []
        unsaid += missing
    return unsaid


# A condition of the guest's own told beside a question whether something is safe or allowed for them ("my wife is
# pregnant, are the spa treatments safe?", "anak saya alergi kacang, boleh makan buffet?"): only an item speaking of
# the condition answers; its hours or prices are no yes.
_CONDITION = whole_words(
    r"pregnan\w*", "hamil", "mengandung", r"allerg\w*", "alahan", "alergi", r"asthma\w*", "asma", r"diabet\w*",
    "kencing manis", "heart condition", "sakit jantung", "high blood pressure", "darah tinggi", r"epilep\w*",
)  # fmt: skip
_SAFE_ASKED = whole_words(
    "safe", "safely", "ok", "okay", "alright", "all right", "suitable", "fine", "allowed", "boleh", "blh", "bole",
    "selamat", "sesuai", "bahaya", "dangerous", "risky", "can (?:she|he|i|we|they)",
)  # fmt: skip


def condition_unsaid(question: str, title: str, sentences: Sequence[str]) -> bool:
    """The question asks whether something is safe or allowed for a condition the guest tells, which the item never
    names."""
    conditions = _CONDITION.findall(question)
    if not conditions or not _SAFE_ASKED.search(question):
        return False
    said = _Said(title, sentences)
    return not any(said.word(glossary.stem(word)) for word in conditions)


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


# A detail asked of a thing that the lines speaking of it do not state: its brand ("what brand is the TV?", "treadmill
# jenama apa?"), how many there are ("how many treadmills?"), its size ("katil bayi saiz berapa?"), the hours it keeps
# ("what time does the bar open?", "valet ada 24 jam?"). The item names the thing, so the thing is said; its line
# states something else (the TV's size, that there are treadmills, the bar's floor), which would pass for the answer.
# Per kind of detail: what asks for it, and what states it (case-blind regular expressions; an indented line goes on
# with the one above).
_DETAIL_PATTERNS = r"""
brand asked: \b(?:brand|brands|make of|jenama|what model|model apa)\b
count asked: \bhow many\b|\bberapa (?:buah|unit|biji)\b
size asked: \b(?:how big|how large|what size|size of|square (?:met\w*|f\w+)|sq ?m|sqm|luas|keluasan|berapa besar
  |besar mana|besar (?:tak|ke|x)|saiz|(?:meter|kaki) per ?segi|how high|how tall|berapa tinggi|tinggi mana
  |tinggi berapa|how wide|how deep|berapa lebar|lebar mana|lebar berapa|kedalaman|berapa panjang|panjang mana
  |panjang berapa|what length)\b
hours asked: \b(?:what time|what hours|(?:opening|operating|business) hours|(?:open|close|opens|closes) (?:at|until
  |till) what|until what time|till what time|when (?:does|do|is|are)(?: \S+){1,4} (?:open|close|opens|closes)
  |pukul berapa|(?<!\d )jam berapa(?! (?:ringgit|harga|caj|kos))|(?:buka|tutup) (?:pukul|jam|sampai|hingga)
  |24 jam|24 hours|24/7|round the clock)\b
count stated: (?<!level )(?<!tingkat )(?<!aras )(?<!RM )(?<!RM)\b(?:\d+|one|two|three|four|five|six|seven|eight
  |nine|ten|eleven|twelve|twenty|satu|dua|tiga|empat|lima|enam|tujuh|lapan|sembilan|sepuluh)\s+(?!am\b|pm\b|%)[^\W\d_]
area stated: \d\s*(?:m²|m2\b|sq\.? ?(?:m|ft)\b|square)
size stated: \d\s*-?\s*(?:m²|m2\b|sq|square|cm\b|mm\b|m\b|metres?\b|meters?\b|inch|ft\b|feet\b|kaki\b)
  |\b(?:king|queen|single|double|twin)[- ]?(?:size|bed)
hours stated: \d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\d{1,2}[:.]\d{2}|\bnoon\b|\bmidnight\b|\btengah (?:hari|malam)\b
  |\b24 (?:hours|jam)\b|\bat all times\b|\b(?:a)?round the clock\b|\bsepanjang masa\b|\bsetiap masa\b
  |\bwithin \d+|\bdalam (?:masa )?\d+|\bahead\b|\bin advance\b|\bsebelum\b
age asked: \b(?:age limits?|minimum age|age requirement|how old|had umur|umur minimum|berapa umur|umur berapa)\b
age stated: \b(?:aged?|umur|berumur|under|over|below|above|bawah|atas) \d|\d+ (?:to|-|hingga) \d+ (?:years|tahun)
  |\d+[- ](?:years?|tahun)|\b(?:adults? only|dewasa sahaja)\b
price asked: \b(?:how much|price of|cost of|berapa harga|harga)\b
amount asked: \b(?:how much(?! notice| time| lead time| in advance| ahead| earlier)
  |what (?:does|do|would|will) [^?.]{1,50}? cost|price|prices|cost of|harga|berapa (?:ringgit|kos|caj)
  |(?<!tingkat )(?<!aras )(?<!pukul )(?<!jam )(?<!umur )(?<!saiz )(?<!luas )(?<!nombor )(?<!besar )berapa\W*$
  |\bberapa (?:sehari|semalam|sejam|seorang|satu (?:hari|malam))\b)
priced anyhow: \bRM\s?\d|(?<!-)\bfree\b(?![ -](?:weights?|time|standing|range|style|flow|form|hand)\b)
  |\bno (?:extra )?(?:charge|cost)\b|\bcomplimentary\b|\bpercuma\b|\btanpa caj\b
  |\binclud(?:ed|es|ing)\b|\btermasuk\b|\d\s?%
charge: \b(?:charges?|fees?|surcharges?|levy|levies|deposits?|caj|bayaran|deposit|cukai|tax)\b
age told: \b\d{1,2}[- ]?(?:years?|yrs?|yo|tahun|thn)\b|\b(?:aged?|umur|berumur|usia)\s+\d{1,2}\b
  |\b(?:son|daughter|kid|child|boy|girl|anak)(?:'s| is)? \d{1,2}\b|\b(?:teen|teens|teenager|teenagers|remaja)\b
permission asked: \b(?:can|could|may|allowed|allow|let|boleh|bole|blh|dibenarkan|benarkan|ok|okay)\b
aged doer: \b(?:can|could|may|boleh|bole|blh)\s+(?:a|an|my|our|the|anak|budak|\S+ \S+ )?(?:\S+\s+){0,2}?
  (?:\d{1,2}[- ]?(?:years?|yrs?|yo|tahun|thn)(?:[- ]olds?)?|teens?|teenagers?|remaja)\s+(?:get|have|do|buat|dapat)\b
something asked for: \b(?:have|get|borrow|rent|hire|request|order|book|need|dapat|pinjam|sewa|minta|pesan|tempah|perlu
  |price|cost|charge|pay|free|how much|harga|caj|bayar|percuma|berapa)\b
priced: \bRM\s?\d
alone: \b(?:on its own|on their own|by itself|alone|separately|separate|just the|only the|only want|asing|berasingan
  |je|jer|saja|sahaja|sja)\b
included: \b(?:includ(?:e|es|ed|ing)|comes? with|termasuk|merangkumi)\b
"""


def _patterns(text: str) -> dict[str, re.Pattern[str]]:
    """The table above, read: a name, a colon and a pattern a line; "1 jam berapa ringgit" (a count of hours and a
    price) is kept from "jam berapa" (at what hour) by the pattern's own look-behind."""
    joined = re.sub(r"\n\s+", "", text.strip())
    return {
        name.strip(): re.compile(pattern.strip(), re.IGNORECASE)
        for name, pattern in (line.split(": ", 1) for line in joined.splitlines())
    }


_DETAIL = _patterns(_DETAIL_PATTERNS)
_BRAND_ASKED, _COUNT_ASKED, _SIZE_ASKED, _HOURS_ASKED = (
    _DETAIL[f"{k} asked"] for k in ("brand", "count", "size", "hours")
)
_COUNT_STATED, _AREA_STATED, _SIZE_STATED, _HOURS_STATED = (
    _DETAIL[f"{k} stated"] for k in ("count", "area", "size", "hours")
)
_PRICE_ASKED, _PRICED = _DETAIL["price asked"], _DETAIL["priced"]
_SEGMENT = re.compile(r"[,;]|\s(?:and|dan|serta)\s", re.IGNORECASE)
# How much or which of a thing ("a few extra days", "only the cake"), no thing of its own.
_QUANTITY = frozenset(str.split("few many more most extra other another only just own whole same each every per lain"))
_CAPITAL = re.compile(r"(?<![\w'-])[A-Z][\w'’-]*")
_NO_BRAND = frozenset(str.split("rm tv id ic am pm sst wi-fi wifi b1 b2 b3"))


def _brand_stated(segment: str, first: bool, asked: frozenset[str]) -> bool:
    """The segment names a maker: a capitalised word that is not the sentence's first (`first`: the segment opens
    the sentence), nor a word of the question or the title, nor a unit."""
    for number, match in enumerate(_CAPITAL.finditer(segment.strip())):
        lowered = match.group(0).lower().strip("'’")
        if (number or not first or match.start()) and lowered not in asked and lowered not in _NO_BRAND:
            return True
    return False


def _sibling_priced(thing: list[str], title: str, said: list[tuple[int, str, bool, str]], most: int) -> bool:
    """The thing asked is one of a list ("urut massage, aromatherapy and reflexology") whose priced line prices
    another of it ("a 60-minute urut massage costs RM 220"), never the thing: its price is not stated."""
    if not most:
        return False
    title_words = frozenset(glossary.stems(glossary.tokens(title)))
    lists = [sentence for count, _, _, sentence in said if count == most and len(_SEGMENT.split(sentence)) >= 3]
    priced = [sentence for _, _, _, sentence in said if _PRICED.search(sentence)]
    if not lists or not priced or any(sentence in lists for sentence in priced):
        return False
    for sentence in dict.fromkeys(lists):
        siblings = {
            glossary.stem(w)
            for segment in _SEGMENT.split(sentence)
            if not any(seg == segment and count == most for count, seg, _, _ in said)
            for w in glossary.tokens(segment)
            if _judged(w, frozenset())
        } - title_words
        if any(siblings & set(glossary.stems(glossary.tokens(p))) for p in priced):
            return True
    return False


def _thing_words(question: str, title: str) -> list[str]:
    """The question's words naming the thing it asks a detail of, less those its item's title says (the item's own
    subject: the detail of the item itself is asked)."""
    title_said = _Said(title, [])
    index = _near_index()
    words = []
    for word in glossary.tokens(question):
        # A general thing ("katil") names it too, not a person ("bayi" of "katil bayi" is whom the cot is for).
        concepts = glossary.find(word) if len(word) > 1 else []
        known = [c for c in concepts if not c.person and not c.general]
        small = word in _NOT_JUDGED or word in _STOPS or word in _SKIPPED or bool(_CALENDAR.fullmatch(word))
        # (A general concept, "ditutup", says when or how, as in `_judged`.)
        near = len(word) > 2 and glossary.stem(word) in index and word not in _LANGUAGE_WORDS
        near = near and not any(c.general for c in concepts)
        thing = _judged(word, frozenset()) or (not small and bool(known or near))
        # The title said in other words ("kolam renang" of "Swimming Pool") is the item's subject too; not a word its
        # glossary concept merely holds ("refleksologi" of the spa's).
        stem = glossary.stem(word)
        if thing and not (title_said.word(stem) or _near_said(stem, title_said)):
            words.append(word)
    return words


def _phrase_groups(words: Sequence[str], thing: Sequence[str]) -> list[int]:
    """The near-word groups one of whose phrases of two words or more the words say, holding a word of the thing
    ("katil bayi": the cots'; not "fitness centre" where the title says it)."""
    stemmed = f" {' '.join(glossary.stems(words))} "
    own = set(glossary.stems(thing))
    return [
        number
        for number, group in enumerate(_near_groups())
        if any(len(p) > 1 and own & set(p) and f" {' '.join(p)} " in stemmed for p in group)
    ]


def detail_unsaid(question: str, title: str, sentences: Sequence[str]) -> str:
    """The kind of detail (brand, count, size, hours, age) the question asks of a thing that every line of the item
    speaking of the thing leaves unstated; "" when it is stated, when none is asked, or when no line speaks of it
    (the thing unsaid is `thing_unsaid`'s to judge). Asked of the item's own subject ("how big is the suite?", "what
    time does the spa open?"), any line of the item may state it; a size of a place is then its area."""
    kinds = [
        (kind, stated)
        for kind, pattern, stated in (
            ("brand", _BRAND_ASKED, None),
            ("count", _COUNT_ASKED, _COUNT_STATED),
            ("size", _SIZE_ASKED, _SIZE_STATED),
            ("hours", _HOURS_ASKED, _HOURS_STATED),
            ("age", _DETAIL["age asked"], _DETAIL["age stated"]),
        )
        if pattern.search(question)
    ]
    if age_as_permission(question) and not any(_DETAIL["age stated"].search(s) for s in sentences):
        # "Can my 14-year-old use the gym alone?": whom the item admits, by age, is what is asked.
        return "age"
    if not kinds and not _PRICE_ASKED.search(question) and not _DETAIL["amount asked"].search(question):
        return ""
    rest = question
    for pattern in (_BRAND_ASKED, _COUNT_ASKED, _SIZE_ASKED, _HOURS_ASKED, _DETAIL["age asked"]):
        rest = pattern.sub(" ", rest)
    thing = _thing_words(rest, title)
    terms = glossary.terms(rest)
    narrower = _narrower_words(glossary.tokens(rest))
    # The lines saying most of the thing's words: "katil bayi" is the baby cots' line, not the sofa bed's.
    units = _phrase_groups(glossary.tokens(rest), thing) if thing else []
    groups = _near_groups()

    def saying(segment: str) -> int:
        # A phrase of the question ("katil bayi") said as a whole counts above its words said one by one.
        text = _Said("", [segment])
        whole = sum(4 for n in units if any(text.phrase(p) for p in groups[n]))
        # The word or a near word of it counts above its glossary concept ("treadmills" above "fitness centre").
        near = sum(2 for w in thing if text.word(glossary.stem(w)) or _near_said(glossary.stem(w), text))
        return whole + near + sum(_word_said(w, terms, narrower, text) for w in thing)

    said = [
        (saying(segment), segment, number == 0, sentence)
        for sentence in sentences
        for number, segment in enumerate(_SEGMENT.split(sentence))
    ]
    most = max((count for count, *_ in said), default=0)
    # A maker or a count is stated beside the thing ("a Nespresso machine", "two bathrooms"); a size or the hours
    # anywhere in the line saying it ("the pool is on level 12 and is open daily from 7:00 am").
    speaking = [(segment, first) for count, segment, first, _ in said if most and count == most]
    lines = list(dict.fromkeys(sentence for count, _, _, sentence in said if most and count == most))
    # However the amount is asked: "urut kaki berapa ringgit?" as "how much is a foot massage?".
    amount = bool(_PRICE_ASKED.search(question) or _DETAIL["amount asked"].search(question))
    if amount and _sibling_priced(thing, title, said, most):
        return "price"
    if _DETAIL["amount asked"].search(question) and _only_unpriced_lines(thing, sentences):
        return "price"
    if amount and (_part_alone(question, thing, sentences) or _unit_unpriced(question, thing, sentences)):
        return "price"
    # A price of a narrower kind of what the item prices, which it never names ("parking a motorcycle, how much?"
    # against the cars' rates): those rates would pass for the answer. Only a narrower kind: a guest's other words
    # ("hari biasa", "staying with you") are no thing, and a size of a thing said nowhere ("how wide is the
    # window?") lost a held-out answer when judged so (docs/quality.md, t22q).
    if not most and set(thing) - _QUANTITY and amount and any(w in narrower for w in thing):
        return "price"
    # A size of a thing the hotel vocabulary knows that no line names ("how wide is the window?", "balkoni besar
    # mana?"): the room's area would pass for it. Only a known thing: t22q's rule judging any word said nowhere lost a
    # held-out answer (docs/quality.md, t22q); a guest's other words are no thing of the hotel's.
    if not most and thing and any(kind == "size" for kind, _ in kinds) and all(map(_known_thing, thing)):
        return "size"
    asked = frozenset(glossary.tokens(f"{question} {title}"))
    for kind, stated in kinds:
        if kind == "age":
            # Whom the item admits, at what age, is said of the item as a whole ("Campers aged 8 to 15").
            if not any(stated.search(s) for s in sentences):
                return kind
        elif kind == "brand":
            if speaking and not any(_brand_stated(seg, first, asked) for seg, first in speaking):
                return kind
        elif lines:
            # A count or a size beside the thing ("two bathrooms", "a 55-inch smart TV"), not the room's area on the
            # line that lists the thing ("Our Deluxe King Room (32 m²) has …, a rain shower, a work desk").
            where = [segment for segment, _ in speaking] if kind in ("count", "size") else lines
            if not any(stated.search(text) for text in where):
                return kind
        elif not thing and kind in ("size", "hours"):
            # The item's own subject: its area, its hours, anywhere in it.
            whole = _AREA_STATED if kind == "size" else stated
            if not any(whole.search(s) for s in sentences):
                return kind
    return ""


def _lines_naming(thing: Sequence[str], sentences: Sequence[str]) -> list[str]:
    """The sentences naming a word of the thing, as the word or a near one of the hotel vocabulary."""
    stems = [glossary.stem(w) for w in thing]
    return [
        s for s in sentences if any((said := _Said("", [s])).word(stem) or _near_said(stem, said) for stem in stems)
    ]


def _only_unpriced_lines(thing: Sequence[str], sentences: Sequence[str]) -> bool:
    """An amount asked of a thing the item names only in lines stating no price, while another of its lines states
    one: "how much is the soup on the late-night menu?" is not answered by "a tray charge of RM 10 applies per
    order", the charge of another thing. The thing is named by its own word or a near one (not by a glossary concept
    the item is about: "teksi" of an airport transfer's "transfers"); a line that says it free or included prices it."""
    lines = _lines_naming(thing, sentences)
    if not lines or any(_DETAIL["priced anyhow"].search(line) for line in lines):
        return False
    # Every price of the item is a charge on top (per order, a fee, a deposit), not a price of something it sells: "a
    # sedan costs RM 180" prices the transfer, however the guest names it ("the airport run").
    priced = [s for s in sentences if _PRICED.search(s)]
    return bool(priced) and all(_DETAIL["charge"].search(s) for s in priced)


# A rate asked by a unit of measure ("per kWh", "per kilo", "sejam"), each unit in its words in both languages, and
# what states it: the unit itself, a length of it ("60-minute" is an hour), or a day's rate a week or a month is
# counted from (luggage "per bag per day" prices a week; a room's nightly rate does not price a month's stay). A price
# per night, per person or per day is not judged: a flat price of a room or a meal is read as one, though its line
# never says so.
_PER = r"(?:per|a|an|one|1|satu|se)[- ]?"
_DAY_RATE = r"|per day|a day|sehari|daily"
_UNITS = tuple(
    (re.compile(rf"\b(?:{asked})\b", re.IGNORECASE), re.compile(rf"\b(?:{asked}{stated})\b", re.IGNORECASE))
    for asked, stated in (
        (rf"{_PER}(?:hours?|hr|jam)|sejam|hourly", r"|60[- ]?min\w*"),
        (rf"{_PER}(?:kilo(?:gram)?s?|kg)", ""),
        (rf"{_PER}(?:kilomet(?:er|re)s?|km)", ""),
        (rf"{_PER}kwh", ""),
        (rf"{_PER}(?:minutes?|minit|min)", ""),
        (rf"{_PER}(?:weeks?|minggu)|weekly|seminggu", _DAY_RATE),
        (rf"{_PER}(?:months?|bulan)|monthly|sebulan", _DAY_RATE),
    )
)


def _unit_unpriced(question: str, thing: Sequence[str], sentences: Sequence[str]) -> bool:
    """A price asked by a unit ("charging, how much per kWh?", "valet sejam berapa?") that no priced line of the
    thing states: the item's flat fee (RM 30 per entry) or another thing's rate (visitors' RM 5 per hour) would pass
    for it. The thing's priced lines judge when it has any, else every priced line of the item."""
    units = [stated for asked, stated in _UNITS if asked.search(question)]
    if not units:
        return False
    priced = [s for s in sentences if _PRICED.search(s)]
    own = _lines_naming(thing, priced) if thing else []
    return not any(stated.search(s) for stated in units for s in own or priced)


def _part_alone(question: str, thing: Sequence[str], sentences: Sequence[str]) -> bool:
    """A thing a package includes asked on its own ("the cake alone, how much?", "kek je berapa?"): the item names
    it only in a line listing what the package includes, and prices the package, not the thing."""
    if not thing or not _DETAIL["alone"].search(question):
        return False
    lines = _lines_naming(thing, sentences)
    return bool(lines) and all(_DETAIL["included"].search(s) and not _PRICED.search(s) for s in lines)


def _known_thing(word: str) -> bool:
    """The word names a thing of the hotel vocabulary (a near-word group's phrase of its own) or a glossary topic."""
    stem = glossary.stem(word)
    if near_phrases(stem):
        return True
    return any(not c.general and not c.person for c in glossary.find(word))


def place_unsaid(question: str, title: str, sentences: Sequence[str]) -> bool:
    """An age asked as a permission names a place or a thing the item never says ("can my 14-year-old come to the
    Sky Bar?" of the Kids Club): the ages it states are another place's. Only things the vocabulary knows: "join",
    "sit" are what is done there."""
    if not age_as_permission(question):
        return False
    said = _Said(title, sentences)
    rest = _DETAIL["age told"].sub(" ", question)
    return any(
        _known_thing(word) and not (said.word(glossary.stem(word)) or _near_said(glossary.stem(word), said))
        for word in _thing_words(rest, title)
    )


def age_as_permission(question: str) -> bool:
    """A guest telling someone's age and asking whether they may do something ("can my 14-year-old use the gym?",
    "budak 8 tahun boleh masuk spa?"), not asking for a thing or its price ("can I get a cot for my 1-year-old?",
    "breakfast for a 5-year-old, how much?": the price's rules judge that)."""
    # The aged one as the doer of "get" ("can a 13-year-old get a massage?") asks whether they may have it done, not
    # for a thing given them ("can I get a cot for my 1-year-old?"): that "get" asks for nothing.
    rest = _DETAIL["aged doer"].sub(" ", question)
    return bool(
        _DETAIL["age told"].search(question)
        and _DETAIL["permission asked"].search(question)
        and not _DETAIL["something asked for"].search(rest)
    )


# The meals of a day, each in its words in both languages: asked of an item that serves another and never names it
# ("a Ramadan buffet for sahur?", "the breakfast buffet for dinner?"), it is a variant the item does not offer.
_MEALS = (
    ("breakfast", "brekkie", "sarapan", "makan pagi"),
    ("lunch", "lunchtime", "lunch time", "lunch hour", "makan tengah hari", "makan tengahari", "waktu lunch"),
    ("dinner", "makan malam"),
    ("sahur", "suhoor", "sahoor"),
    ("iftar", "buka puasa", "berbuka", "breaking fast", "breaking the fast", "break fast"),
    ("hi-tea", "high tea", "afternoon tea", "minum petang"),
    ("brunch",),
)


@functools.cache
def _meal_phrases() -> tuple[tuple[str, ...], ...]:
    """Each meal's words as the text is read (stems, space-bounded): made once, not on every item of every turn."""
    return tuple(tuple(f" {' '.join(glossary.stems(glossary.tokens(word)))} " for word in words) for words in _MEALS)


def _meals_said(text: str) -> set[int]:
    said = f" {' '.join(glossary.stems(glossary.tokens(text)))} "
    return {number for number, phrases in enumerate(_meal_phrases()) if any(p in said for p in phrases)}


# Food asked for ("anything to eat at the bar?", "sky bar ada jual makan?"), and a line saying food of any kind.
_FOOD_ASKED = whole_words(r"food|foods|eat|eating|snacks?|bites|drinks|beverages?|makan|makanan|snek|kudapan|minuman")
_FOOD_SAID = whole_words(
    r"food|foods|eat|meals?|menus?|dining|dine|dish(?:es)?|cuisine|cook\w*|kitchens?|buffet|snacks?|fruits?"
    r"|makan|makanan|hidangan|masakan|buah|bufet"
)
# Drinks asked ("kids club ada bagi minuman?"): a line serving food or a drink of any kind answers them.
_DRINK_ASKED = whole_words(r"drinks|beverages?|minuman")
_DRINK_SAID = whole_words(
    r"drinks?|beverages?|alcohol|beer|wine|coffee|tea|juice|minibar|bar|minuman|minum|arak|kopi|teh|jus"
)


def food_unserved(question: str, title: str, sentences: Sequence[str]) -> bool:
    """Food asked at a place or of a service whose lines name no food, only what is served there ("alcohol is served
    only at the Sky Bar" for "does the Sky Bar serve food?"). A meal named is `meal_unoffered`'s to judge; a question
    naming only the item's own subject ("can I order food to my room?", "snacks at the Kids Club?") is judged on all
    of its lines."""
    if not _FOOD_ASKED.search(question) or _meals_said(question):
        return False
    # The place or service asked of, by the things the vocabulary knows: "order", "send" are what is done.
    known = [w for w in _thing_words(_FOOD_ASKED.sub(" ", question), title) if _known_thing(w)]
    # Only the item's own subject named ("does the Kids Club give snacks?", "kolam renang ada jual makanan?"): every
    # line of it judges (room service's "menu", "dining" say food).
    lines = _lines_naming(known, sentences) if known else [title, *sentences]
    drink = bool(_DRINK_ASKED.search(question))
    return bool(lines) and not any(
        _FOOD_SAID.search(s) or _meals_said(s) or (drink and _DRINK_SAID.search(s)) for s in lines
    )


def meal_unoffered(question: str, title: str, sentences: Sequence[str]) -> bool:
    """The question names a meal the item never names, while the item names another: it serves that one only."""
    asked = _meals_said(question)
    said = _meals_said(" ".join([title, *sentences]))
    return bool(asked and said) and not asked & said


# A room type the item does not offer, named as a variant of its own: "a Deluxe Twin" where the item is the Deluxe King
# Room, "bilik deluxe queen". Only rooms: their names are kinds a hotel has or has not; "airport shuttle" beside an
# Airport Transfer is the same service in other words.
_ROOM_NAMES = frozenset(str.split("room rooms suite suites bilik studio villa chalet"))
# A name inside a line (the Petronas Twin Towers, the item's own name) says no kind of room.
_NAME_INSIDE = re.compile(r"(?<=[\w,;(] )[A-Z][\w'’-]*(?: [A-Z][\w'’-]*)*")


def variant_asked(question: str, title: str, sentences: Sequence[str]) -> bool:
    """The question names the item's room with another word in the place of its kind (the title's second word) that
    the item never says, in its own words or near ones."""
    title_words = [w for w in glossary.tokens(title) if w not in _STOPS]
    if len(title_words) < 3 or title_words[-1] not in _ROOM_NAMES:
        return False
    first, kind = glossary.stem(title_words[0]), glossary.stem(title_words[1])
    said = _Said("", [_NAME_INSIDE.sub(" ", " ".join(sentences))])
    words = glossary.tokens(question)
    for before, word in zip(words, words[1:], strict=False):
        stem = glossary.stem(word)
        if glossary.stem(before) != first or stem == kind or word in _ROOM_NAMES or not _thing_words(word, ""):
            continue
        near = near_phrases(stem)
        if said.word(stem) or kind in near or any(said.phrase(tuple(p.split())) for p in near):
            continue
        return True
    return False
