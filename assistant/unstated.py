"""A detail the answering item does not state, though it is about the thing asked.

The offline answer quotes the item nearest the question. A guest asking for a detail next to what the item
says ("how deep is the pool?", "how much is breakfast for a 3-year-old?", "how much to charge my electric car?")
would get the item's nearby line as if it answered: the pool's hours, the children's price for ages 6 to 12, the
parking fee. A night receptionist says she does not
have that detail. Each check here reads the kind of detail asked from the question and looks for it in the
item's own sentences; none names a hotel, an item or a question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.patterns import whole_words
from knowledge.services import glossary

# A length measured: how deep, how high, the clearance ("berapa dalam", "kedalaman", "dalam berapa meter").
# Not how far (a place, answered by minutes' walk), not how long (a duration), not how big (a room's area, a
# bed's size: answered by "king-size" too).
_DIMENSION_ASKED = whole_words(
    "how deep", "depth", "how high", "how tall", "height", "clearance", "headroom", "berapa (?:dalam|tinggi)",
    "kedalaman", "ketinggian", "had tinggi", "dalam berapa (?:meter|kaki)", "tinggi berapa",
    "berapa (?:meter|kaki) (?:dalam|tinggi)",
)  # fmt: skip
# A length stated: a number and a unit of length ("90 cm", "1.2 m", "2.1 metres", "6 ft").
_DIMENSION_STATED = re.compile(
    r"\d\s?(?:cm|mm|m|metres?|meters?|meter|ft|feet|foot|inch(?:es)?|kaki)\b(?!²)", re.IGNORECASE
)


def dimension_unstated(question: str, sentences: Sequence[str]) -> bool:
    """The question asks how deep or how high something is, and the item states no length at all."""
    return bool(_DIMENSION_ASKED.search(question)) and not any(_DIMENSION_STATED.search(s) for s in sentences)


_PRICE = re.compile(r"\bRM\s?\d", re.IGNORECASE)
# "Free" of money ("free of charge", "free Wi-Fi"), not of a thing ("pork-free", "smoke-free") nor in a name that has
# nothing to do with paying ("free weights", "free time"): "how much is the gym?" is not answered by its free weights.
FREE = r"(?<!-)\bfree\b(?![ -](?:weights?|time|standing|range|style|flow|form|hand)\b)"
# A line stating what something costs: an amount, or that it costs nothing.
# (A night's rate charged states the price too: "no-shows are charged one night's room rate".)
_PRICED = whole_words(
    r"RM\s?\d[\d,.]*",
    FREE,
    "no (?:extra )?(?:charge|cost)",
    "complimentary",
    "percuma",
    "tanpa caj",
    r"charged (?:as )?(?:a |an |one )?(?:full )?night",
)
# A price asked on a condition ("what's the charge if we damage something?", "kalau …"): the rule answers it.
_CONDITION = whole_words("if", "kalau", "klau", "jika", "sekiranya", "what happens")

# An age told: "a 3-year-old", "my son is 5", "umur 4 tahun", "aged 8".
_AGE_TOLD = re.compile(
    r"\b(\d{1,2})[- ]?(?:years?|yrs?|yo|tahun|thn)\b(?:[- ]old)?|\b(?:aged?|umur|berumur|usia)\s+(\d{1,2})\b"
    r"|\b(?:son|daughter|kid|child|boy|girl)(?:'s| is) (\d{1,2})\b",
    re.IGNORECASE,
)
# An age band a price is stated for: "aged 6 to 12", "6-12", "under 6", "bawah 12 tahun", "over 60".
_BAND = re.compile(r"\b(\d{1,2})\s?(?:to|-|–|hingga|sehingga|until)\s?(\d{1,2})\b", re.IGNORECASE)
_UNDER = re.compile(r"\b(?:under|below|bawah|kurang dari|less than|up to)\s+(\d{1,2})\b", re.IGNORECASE)
_OVER = re.compile(r"\b(?:over|above|atas|lebih dari|from age|and older)\s+(\d{1,2})\b", re.IGNORECASE)
# Who a price is stated for: adults, children, seniors (a line pricing by who comes).
_WHO = whole_words(
    "adults?", "children", "child", "kids?", "dewasa", "kanak-kanak", "budak", r"senior\w*", "warga emas"
)


def _told_age(question: str) -> int | None:
    match = _AGE_TOLD.search(question)
    if not match:
        return None
    age = int(next(group for group in match.groups() if group))
    # "budak bawah 6 tahun", "a child under 6" tells a bound, not an age: the oldest such child is one year younger.
    under = _UNDER.search(question[: match.end()])
    return age - 1 if under and under.start(1) == match.start() else age


def _ages_priced(sentences: Sequence[str]) -> list[tuple[int, int]]:
    """The age bands the item's price lines state, as (youngest, oldest)."""
    bands: list[tuple[int, int]] = []
    for sentence in (s for s in sentences if _PRICED.search(s)):
        bands += [(int(a), int(b)) for a, b in _BAND.findall(sentence) if int(a) < int(b) <= 21]
        bands += [(0, int(n) - 1) for n in _UNDER.findall(sentence) if int(n) <= 21]
        bands += [(int(n) + 1, 200) for n in _OVER.findall(sentence)]
    return bands


def who_unpriced(question: str, sentences: Sequence[str]) -> bool:
    """A price asked for someone the item prices no line for: an age outside every age band its price lines
    state ("breakfast for a 3-year-old" where children are priced aged 6 to 12), or a kind of person (the
    elderly) where it prices by who (adults, children) and never names them. An item pricing a thing whoever
    comes (a car, a room) is not judged."""
    priced = [s for s in sentences if _PRICED.search(s)]
    if not any(_WHO.search(s) for s in priced):
        return False
    age = _told_age(question)
    bands = _ages_priced(sentences)
    if age is not None and bands:
        return not any(low <= age <= high for low, high in bands)
    persons = [c for c in glossary.find(glossary.normalise(question)) if c.person]
    priced_words = " ".join(priced)
    return any(not _names(concept, priced_words) for concept in persons)


def _names(concept: glossary.Concept, text: str) -> bool:
    """The text says one of the concept's phrases (by stems), also inside a longer one ("Airport Transfer"
    names the airport)."""
    words = f" {' '.join(glossary.stems(glossary.tokens(text)))} "
    return any(f" {' '.join(glossary.stems(phrase))} " in words for phrase in concept.phrases)


def thing_unpriced(question: str, title: str, sentences: Sequence[str]) -> bool:
    """A price asked of a thing the item names only in a line stating no price, while its prices are another
    thing's: "how much to charge my electric car?" against a car park's chargers and its parking fees. An item
    whose title names the thing asked (the spa's prices, asked "how much is a massage?") prices that thing."""
    asked = [c for c in glossary.find(glossary.normalise(question)) if not c.general and not c.person]
    if not asked or any(_names(c, title) for c in asked) or _CONDITION.search(question):
        return False
    priced = [s for s in sentences if _PRICED.search(s)]
    speaking = [s for s in sentences if any(_names(c, s) for c in asked)]
    return bool(priced and speaking) and not any(any(_names(c, s) for c in asked) for s in priced)


# An amount asked for ("how much is …", "berapa harga …", "what does … cost"), not whether something is free.
_AMOUNT_ASKED = whole_words(
    "how much", r"what does (?:it|\w+(?: \w+)?) cost", "price", "prices", "cost of", "harga",
    "berapa (?:ringgit|kos|caj)",
    # "dobi sehelai baju berapa?": the bare "berapa" closing a question asks an amount (not a floor, an hour, an age).
    r"(?<!tingkat )(?<!aras )(?<!pukul )(?<!jam )(?<!umur )(?<!saiz )(?<!luas )(?<!nombor )(?<!besar )(?<!tinggi )"
    r"(?<!dalam )(?<!lebar )(?<!panjang )berapa(?=\W*$)",
)  # fmt: skip


# Whether something costs anything ("is the gym free?", "do I have to pay for the pool?", "gym percuma ke?", "kena
# bayar tak?"): answered by a price or by "free", not by the thing's opening hours.
_WHETHER_PAID = whole_words(
    # (not what a thing is free of: "is the food pork free?", "alcohol free", "smoke free")
    r"(?<!pork )(?<!alcohol )(?<!smoke )(?<!smoking )(?<!gluten )(?<!sugar )(?<!nut )(?<!dairy )(?<!msg )(?<!pet )"
    + FREE, r"(?:have|need|got) to pay", r"(?:do|does|must|should|will) (?:i|we|you|u|guests?|they|it) (?:pay|cost)",
    r"pay (?:for|extra|anything|to)", "cost anything", r"costs? (?:extra|money|anything)", "chargeable",
    r"(?:any|a|an|extra) (?:charge|fee|cost)", "charged", "percuma", r"(?:kena|perlu|harus|nak|kene) bayar",
    "berbayar", r"bayar (?:ke|tak|x|tidak)", r"ada (?:caj|bayaran|yuran)", r"caj (?:ke|tak|x)", "dikenakan caj",
)  # fmt: skip


def amount_unstated(question: str, sentences: Sequence[str]) -> bool:
    """An amount asked of an item that states no price at all: "how much is a glass of wine at the bar?" is not
    answered by "alcohol is served only at the bar", nor "is the gym free?" by the gym's hours. A surcharge in
    percent answers only a question about what it is added to ("how much more for express pressing?"), not "how
    much to dry-clean a suit?"."""
    asked = _AMOUNT_ASKED.search(question) or _WHETHER_PAID.search(question)
    if not asked or any(_PRICED.search(s) for s in sentences):
        return False
    return not any("%" in s and _shared(question, s) for s in sentences)


def _shared(question: str, sentence: str) -> bool:
    """The sentence says a topic of the question (a concept not general) or one of its longer words."""
    topics = [c for c in glossary.find(glossary.normalise(question)) if not c.general and not c.person]
    if any(_names(c, sentence) for c in topics):
        return True
    asked = {glossary.stem(w) for w in glossary.tokens(question) if len(w) > 3 and w not in _ASKING_WORDS}
    return bool(asked & {glossary.stem(w) for w in glossary.tokens(sentence)})


# How a price is asked: saying one of these words is no answer to it.
_ASKING_WORDS = frozenset(["much", "more", "extra", "price", "prices", "cost", "harga", "berapa", "what", "does"])
