"""Names and outside places a question asks about that no item of the hotel's knowledge names.

"What time does Pavilion open?", "Muzium Negara buka hari isnin?", "is Nando's halal?", "perlu visa tak?": the
question's other words ("what time … open", "halal") match an item, whose lines would answer another question (the
check-in times for a mall's hours). A night receptionist says she does not have that. The signal is a name the
guest writes (capitalised inside a sentence, or an acronym), a kind of place or matter outside a hotel (a museum,
a market, the weather, an entry visa), the name written next to a kind of place ("menara kl", "Jalan Alor"), or
the word asked to be open ("pukul berapa pavilion tutup"), that no item names in its title or text, in either
language. The guest's own name and their party's ("Sarah here", "Aina and I", "my wife Priya"), days and months,
where the guest comes from, and the hotel's own name are not asked about.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from assistant.language import ENGLISH_WORDS, MALAY_WORDS
from assistant.providers.base import Hit
from assistant.situations import without_setting
from knowledge.services import glossary, named_anywhere

# Kinds of place or matter outside a hotel that the glossary does not list (English = Malay): a question naming
# one is about the world outside, unless an item names it (a hotel next to a market may say so).
_OUTSIDE_KINDS = (
    "shopping mall, mall, malls, shopping centre, shopping center = pusat beli-belah, pusat membeli-belah",
    "market, markets, night market, flea market, supermarket = pasar, pasar malam, pasar raya, pasaraya",
    "museum, museums, art gallery = muzium, galeri",
    "zoo, aquarium, bird park, theme park, water park = zoo, akuarium, taman burung, taman tema, taman air",
    "temple, temples, church, churches, cathedral = kuil, tokong, gereja",
    "embassy, consulate, high commission = kedutaan, kedutaan besar, konsulat",
    "immigration, immigration counter, visa on arrival, entry visa, tourist visa = imigresen, visa masuk",
    "weather, weather forecast, forecast, temperature outside = cuaca, ramalan cuaca",
    "exchange rate, exchange rates, rate of exchange = kadar tukaran, kadar pertukaran",
    "ferry, ferries, cruise = feri, kapal persiaran",
    "cinema, cinemas, movie theatre = pawagam, panggung wayang",
    "tourist attraction, tourist attractions, attractions, sightseeing = tempat menarik, tarikan pelancong",
)


def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words naming a place by its kind: the words written beside one ("KL Sentral station", "Jalan Alor", "menara kl")
# name it too, typed in capitals or not.
_PLACE_HEADS = _listed("station stesen mall market pasar museum muzium tower towers menara jalan zoo island pulau")
# Words beside a place's kind that are no part of its name.
_ORDINARY = _listed(
    """a an the this that these those which what where how is are was be to at in on near from of for by and or
    nearest closest nearby next main big small best good famous popular local any some other another new old train
    bus mrt lrt monorail metro there here your our my its it do does open close opens closes far walk walking yang
    ini itu mana ke di kat dekat dari paling terdekat berhampiran sebelah besar kecil baru lama utama ada tak nak
    boleh buka tutup jauh jalan kaki keretapi bas sini situ sana tu ni apa ya berapa brp macam mcm pergi nk ticket
    tickets tiket entrance masuk price harga fee much time still masih already sudah dah now sekarang today tonight
    tomorrow esok late lewat early awal usually biasanya normally always selalu also juga yet lagi really betul
    monorel komuter erl ktm"""
)
# Calendar words are capitalised, and no name of a place.
_CALENDAR = _listed(
    """monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun january
    february march april may june july august september october november december jan feb mar apr jun jul aug sep
    sept oct nov dec isnin selasa rabu khamis jumaat sabtu ahad januari februari mac mei julai ogos oktober disember
    raya deepavali diwali christmas easter year years eve tahun baru"""
)
# Capitals that are no name: a pronoun, a time of day, a currency, a greeting, short forms.
_NOT_NAMES = _listed("i am pm rm ok tq tv ac id ic pls asap fyi btw hi hai")
# Who is named beside a person's name ("this is Daniel Tan", "my wife Priya", "Encik Rahman", "booking for Tan Wei
# Ming"), what is the guest's ("my Proton"), and how they come and from where (the journey, not what is asked:
# "kami sampai KL pukul 8 pagi", "flying AirAsia").
_PERSON_CUES = (
    "this is|i'?m|i am|im|my name is|name'?s|nama saya|saya|aku|it'?s|mr|mrs|ms|miss|dr|encik|en|puan|pn|cik|tuan|datin"
    "|dato'?|datuk|madam|sir|hi|hello|hey|dear|hai|helo|salam|thanks|thank you|regards|terima kasih|with|dengan"
    "|(?:saya|me|i) (?:and|dan|&)|wife|husband|son|daughter|friend|colleague|boss|mum|mom|dad|mother|father|partner"
    "|brother|sister|isteri|suami|anak|kawan|abang|kakak|adik|mak|ayah|bos"
    "|from|dari|arrive|arriving|arrive in|land|landing|land in|reach|sampai|tiba|mendarat"
    "|for|untuk|my|our|flying|fly|by|via|naik"
)
_BEFORE_PERSON = re.compile(rf"\b(?:{_PERSON_CUES})[\s,.]+$", re.IGNORECASE)
_JOINED = re.compile(r"\s*(?:,|and|dan|&)?\s*", re.IGNORECASE)  # "Daniel Tan", "Ahmad and Siti"
_AFTER_PERSON = re.compile(r"^[\s,]*(?:here|and i\b|& i\b|dan saya|n i\b|speaking)", re.IGNORECASE)
_OPENING = _listed("open opens opening close closes closing buka dibuka tutup ditutup")
NAME_WORDS = 2  # a place's name beside its kind: "KL Sentral", "Jalan Alor"
_WORD = re.compile(r"[^\W_][\w'’-]*", re.UNICODE)
# A sentence or a clause begins after these: "Good morning, What time …" is no name.
_CLAUSE_END = re.compile(r"[.?!\n,;:]\s*$")
_PAYING = frozenset(
    ["pay", "payment", "card", "cards", "kad", "bayar", "accept", "terima", "credit", "debit", "kredit"]
)


@functools.cache
def _kinds() -> dict[tuple[str, ...], glossary.Concept]:
    """The outside kinds by each of their phrases."""
    return {phrase: concept for concept in glossary.parse("\n".join(_OUTSIDE_KINDS)) for phrase in concept.phrases}


def _entry_visa(words: list[str]) -> glossary.Concept | None:
    """Immigration, when "visa" is asked as leave to enter a country, not as the card one pays with (the glossary
    reads it as a card)."""
    return _kinds()[("immigration",)] if "visa" in words and not _PAYING & set(words) else None


def _capitalised(question: str) -> list[tuple[int, str]]:
    """The words written as names: capitalised inside a sentence, or in capitals (an acronym); none when the guest
    capitalises most words (shouting, or every word in title case)."""
    found = list(_WORD.finditer(question))
    letters = [m.group(0) for m in found if m.group(0)[:1].isalpha()]
    if sum(w.isupper() for w in letters) * 2 > len(letters):
        return []
    names = []
    for match in found:
        word = re.sub(r"['’]s$", "", match.group(0))
        before = question[: match.start()]
        acronym = len(word) >= 2 and word.isupper()
        if not (acronym or (word[:1].isupper() and before.strip() and not _CLAUSE_END.search(before))):
            continue
        names.append((match.start(), word))
    if sum(word.lower() in _ORDINARY for _, word in names) >= 2:
        return []  # "What Time Does The Pool Open": every word in title case, no name told apart
    return names


def _persons(question: str, names: list[tuple[int, str]]) -> set[str]:
    """The capitalised words that name a person: after "this is", "my wife", "Encik", before "here", "and I", and
    the capitalised words right after one of them, or after its "and" ("Daniel Tan", "Ahmad and Siti")."""
    persons: set[str] = set()
    previous_end = -1
    for start, word in names:
        before, after = question[:start], question[start + len(word) :]
        continues = previous_end >= 0 and _JOINED.fullmatch(question[previous_end:start]) is not None
        if _BEFORE_PERSON.search(before) or _AFTER_PERSON.search(after) or (continues and persons):
            persons.add(word)
            previous_end = start + len(word)
        else:
            previous_end = -1
    return persons


def _beside_places(words: list[str], known: set[str]) -> list[str]:
    """The words written right beside a kind of place, before or after it (two at most), up to an ordinary word or
    one the glossary knows ("Melati Café hidang sarapan": the café's name, not what it serves)."""
    found = []
    for number, word in enumerate(words):
        if word not in _PLACE_HEADS:
            continue
        for step in (-1, 1):
            position = number + step
            while 0 <= position < len(words) and abs(position - number) <= NAME_WORDS:
                if words[position] in _ORDINARY | _PLACE_HEADS | known:
                    break
                found.append(words[position])
                position += step
    return found


def _opening(words: list[str], known: set[str]) -> list[str]:
    """The word right before "open" or "close" ("what time does pavilion close", "mid valley buka pukul berapa"):
    what is asked to be open, a name when it is no ordinary word and the glossary does not know it."""
    return [
        words[number - 1]
        for number, word in enumerate(words)
        if word in _OPENING and number > 0 and words[number - 1] not in _ORDINARY | known
    ]


def _word_concept(word: str) -> glossary.Concept:
    """A concept of one word, as a name an item may write (its plural, its singular)."""
    forms = [(word,)] + ([(word[:-1],)] if word.endswith("s") and len(word) > 3 else [])
    return glossary.Concept(english=tuple(forms), malay=(), general=False)


def names_named_nowhere(
    query: str, hits: tuple[Hit, ...], *, property_name: str = "", today: dt.date | None = None
) -> tuple[str, ...]:
    """The names and outside places the question asks about that no item names (title or text, either language):
    "Pavilion", "museum", "visa". The hotel's own name, the guest's party, calendar words and the glossary's words
    are no such names (the glossary's topics are `retrieval.topics_named_nowhere`'s)."""
    question = glossary.normalise(without_setting(query))
    words = glossary.tokens(question)
    terms = glossary.terms(question)
    phrased = {w for t in terms if t.concept is not None and len(t.words) > 1 for w in t.words}
    in_glossary = {w for t in terms if t.concept is not None for w in t.words}
    # The kinds are read by a glossary of their own, inside no longer phrase of the hotel glossary ("bad weather"
    # is the rain the pool closes for).
    kinds = [
        concept
        for size in (3, 2, 1)
        for i in range(len(words) - size + 1)
        if not phrased & set(words[i : i + size])
        for concept in [_kinds().get(tuple(words[i : i + size]))]
        if concept is not None
    ]
    kinds += [visa] if (visa := _entry_visa(words)) else []
    persons = _persons(question, names := _capitalised(question))
    own = set(glossary.tokens(property_name))
    candidates = (
        [w.lower() for _, w in names if w not in persons]
        + _beside_places(words, in_glossary)
        + _opening(words, in_glossary)
    )
    # The language's own small words ("pagi2 buka pukul brp", "Apakah …") are never a name.
    skip = _CALENDAR | _NOT_NAMES | _ORDINARY | MALAY_WORDS | ENGLISH_WORDS | own | in_glossary
    skip |= {w.lower() for w in persons}
    named_words = [w for w in dict.fromkeys(glossary.tokens(" ".join(candidates))) if w not in skip and w.isalpha()]
    unseen_kinds = list(dict.fromkeys(kinds))
    spoken = {w for hit in hits for w in glossary.tokens(f"{hit.title} {hit.text}")}
    unseen_words = [w for w in named_words if w not in spoken and w.rstrip("s") not in spoken]
    asked = unseen_kinds + [_word_concept(w) for w in unseen_words]
    if not asked:
        return ()
    named = named_anywhere(asked, today=today, question=question)
    return tuple(" ".join(c.english[0]) for c in asked if c not in named)
