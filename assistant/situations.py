"""What a guest's situation asks for, said in the words a hotel's item states it with.

Guests describe their situation instead of naming the policy: "our flight lands at 7am, can we go up to the
room?" asks about early check-in, "our flight home is at 11pm, can we keep the room into the afternoon?"
about late check-out, "me, my wife and our baby" about the child policy. No item repeats the guest's words
("flight", "lands", "baby"), so neither the search nor the answer's sentence choice would find the policy.
`implied_topic` names it, in the glossary's words, for both: the retrieval query and the answer's concepts.

`extreme` (and `variant`, which adds the situation's early or late) is narrower: "what's the latest we can
check out?" names its subject (check-out) and asks for the extreme allowed, which the item states as the late
(or early) variant ("late check-out until 4:00 pm"). It only tells which of the item's sentences answers; it
must not put an item on the subject ("the earliest the mall opens" is not a question about early check-in),
so it is not part of the query.
"""

from __future__ import annotations

import re

from core.patterns import whole_words
from knowledge.services import glossary

_ARRIVAL = whole_words(
    r"land(?:s|ing|ed)?", r"arriv\w*", r"get(?:s|ting)? (?:in|here|there|to)", r"reach(?:es|ing)?",
    r"touch(?:es|ing)? down", "sampai", "tiba", "mendarat",
    # Asking for the room itself at an hour: "can we get the room at 10 or must we wait till 3?"
    r"(?:get|have|take) (?:the|our|my) room",
)  # fmt: skip
# The arrival is about the room (not about getting to the hotel: "our flight lands at 7am, how do we get there?").
_ROOM = whole_words("rooms?", "check[- ]?in", "bilik", "daftar masuk")
# Before the usual check-in hour: a morning time, or the guest's own word for early.
_BEFORE_CHECK_IN = whole_words(
    r"\d{1,2}(?:[:.]\d{2})?\s*(?:am|in the morning|pagi)", "morning", "early", "straight away", "right away",
    "before (?:the afternoon|noon|lunch)", "pagi", "awal", "terus", "sebelum tengah hari",
    r"at (?:[7-9]|1[01])(?![\d:.]|\s*(?:pm|petang|malam|at night|in the evening))",  # a bare morning hour
    # Midday and the first hours after it are before the usual check-in hour too ("sampai pukul 1 tengah hari").
    "noon", "midday", "lunch ?time", "tengah ?hari", r"(?:12|1|2)(?:[:.]\d{2})?\s*(?:pm|petang)",
)  # fmt: skip
_DEPARTURE = whole_words(
    "fly", "flying", "flights?", "leav(?:e|ing)", "depart(?:s|ing)?", "train", "bus", "balik", "pulang", "bertolak",
    "terbang",
)  # fmt: skip
# Staying in the room past the usual check-out hour.
_STAY_ON = whole_words(
    "keep (?:the|our|my) room", "(?:hang|hold) on ?to (?:the|our|my) room", "stay in (?:the|our) room",
    "stay (?:on|longer|later)",
    "(?:into|until|till) the (?:afternoon|evening)", "(?:duduk|tinggal) (?:dalam |dlm )?bilik",
    "(?:sampai|hingga) petang", "keluar lewat",
)  # fmt: skip
# A child young enough for a room's child policy (sharing the bed, a cot): a baby, a toddler, "my 2 year old".
_YOUNG_CHILD = whole_words(
    "bab(?:y|ies)", "infants?", "toddlers?", "newborn", r"\d{1,2}[- ]?(?:years?|yrs?|months?)[- ]old", "bayi",
    "(?:anak|budak) kecil", r"(?:anak|budak) (?:umur |berumur )?\d{1,2} (?:tahun|thn|bulan)",
    # "my son is 3", "our daughter's 4": an age told without "years old" (a single digit: under ten)
    r"(?:son|daughter|kid|child|boy|girl)(?:'s| is) \d",
)  # fmt: skip
_LATEST = whole_words("latest", "how late", "(?:paling|plg) (?:lewat|lambat)", "selewat-lewatnya", "lewat sekali")
_EARLIEST = whole_words("earliest", "how early", "(?:paling|plg) awal", "seawal-awalnya", "awal sekali")


# A party stating its size ("5 people", "kami berlima", "we are 6"): what a room takes is said in adults.
_PARTY_SIZE = whole_words(
    r"\d{1,2} (?:people|persons?|pax|guests|orang|org|tetamu)", r"we(?: are|'re| r) \d{1,2}", r"\d{1,2} of us",
    r"(?:family|party|group) of \d{1,2}", r"keluarga (?:\d{1,2}|seramai \d{1,2}) orang",
    r"kami (?:\d{1,2}|ber(?:dua|tiga|empat|lima|enam|tujuh|lapan))",
)  # fmt: skip
_ADULTS = whole_words("adults?", "dewasa")


def _arrives_early(question: str) -> bool:
    return bool(_ARRIVAL.search(question) and _ROOM.search(question) and _BEFORE_CHECK_IN.search(question))


def _leaves_late(question: str) -> bool:
    return bool(_STAY_ON.search(question) and _DEPARTURE.search(question))


# What the guest will be doing meanwhile: "is there anything for the kids while we're at the spa?",
# "anak nak main sementara kami ke spa": the spa is why they ask, the kids are what they ask about.
_MEANWHILE = re.compile(r"\b(?:while|whilst|sementara)\b[^,.;?!]*", re.IGNORECASE)


def without_setting(question: str) -> str:
    """The question without what the guest will be doing meanwhile (its "while …" clause), unless that is all
    it says."""
    rest = _MEANWHILE.sub(" ", question)
    return " ".join(rest.split()) if len(re.findall(r"\w+", rest)) >= 3 else question


def implied_topic(question: str) -> str:
    """The policy the guest's situation asks about, in glossary words ("early check-in"), or ""."""
    implied = []
    if _arrives_early(question):
        implied.append("early check-in")
    if _leaves_late(question):
        implied.append("late check-out")
    if _YOUNG_CHILD.search(question):
        implied.append("child")
    if _PARTY_SIZE.search(question) and _ROOM.search(question) and not _ADULTS.search(question):
        # "bilik mana muat 5 orang?", "which room fits 5 people?": the rooms say how many adults they sleep
        implied.append("adults")
    return " ".join(implied)


def with_implied_topic(question: str) -> str:
    """The question, followed by the policy its situation asks about (the retrieval query)."""
    topic = implied_topic(question)
    return f"{question} {topic}" if topic else question


def extreme(question: str) -> str:
    """The variant a superlative asks for: "late" for the latest allowed, "early" for the earliest, or ""."""
    if _LATEST.search(question):
        return "late"
    if _EARLIEST.search(question):
        return "early"
    return ""


# Asked on the condition that nothing more is paid: "the latest I can check out without paying extra", "paling lewat
# kalau tak nak bayar lebih". The usual hour answers it, not the paid variant (late check-out until 4:00 pm, RM 80).
UNPAID = whole_words(
    r"without (?:paying|being charged|(?:any )?(?:extra )?(?:charges?|costs?|fees?))(?: (?:extra|more|anything))?",
    r"(?:at|for) no (?:extra |additional )?(?:cost|charge)", r"(?:for|at no) (?:free|extra cost)",
    r"free of charge", r"w/o (?:paying|charges?|fees?)(?: extra| more)?", r"no extra (?:cost|charge|fee)s?",
    r"(?:tak|tidak|x|tanpa) (?:nak |mahu |perlu |kena )?(?:bayar|byr|caj)(?: (?:lebih|tambahan|lagi|extra))?",
    r"tanpa (?:caj|bayaran)(?: tambahan)?", r"(?:dengan )?percuma",
    # "… so we aren't charged extra", "… to avoid a fee", "… sampai pukul berapa free?" (a condition closing it)
    r"so (?:that )?(?:we|i) (?:are not|aren't|am not|won't be|will not be|don't get|do not get) (?:charged|billed)"
    r"(?: extra| more| anything)?",
    r"(?:to )?avoid (?:a |any |the |an )?(?:extra |additional )?(?:charges?|fees?|paying)",
    r"(?:for )?free(?=\W*$)",
)  # fmt: skip


def unpaid_condition_removed(question: str) -> str:
    """The question without its condition of paying nothing more and the extreme it asks on that condition ("the
    latest … without paying extra" asks the usual hour): words no line answering it needs to repeat."""
    return " ".join(_LATEST.sub(" ", _EARLIEST.sub(" ", UNPAID.sub(" ", question))).split())


def variant(question: str) -> str:
    """The variant of its subject the question asks for, by a superlative or by the guest's situation: "early"
    (the early check-in line, not the check-in hour), "late", or "". Asked without paying more, none: the
    variants are the paid ones."""
    if UNPAID.search(question):
        return ""
    return extreme(question) or ("early" if _arrives_early(question) else "late" if _leaves_late(question) else "")


# A comparison: "which is cheaper, valet or normal parking?", "is the suite bigger than the king room?",
# "beza harga sedan dgn van", "mana lebih luas, suite atau deluxe?". It asks for both sides' facts.
_COMPARISON = whole_words(
    r"vs\.?", "versus", r"compar(?:e|ed|ing)", "than", "difference", "cheaper", "pricier", "bigger", "larger",
    "smaller", "roomier", "more expensive", "less expensive", "berbanding", r"banding\w*", r"(?:per)?beza\w*",
    r"(?:lebih|lagi) (?:murah|mahal|besar|luas|kecil|awal|lewat|cepat)",
    r"(?:murah|mahal|besar|luas|kecil|awal|lewat) (?:sikit|lagi|sedikit)",
)  # fmt: skip
_WHICH_OF_TWO = re.compile(
    r"\b(?:which|mana)\b[^.?!]*\b(?:or|atau|ke)\b|\b(?:or|atau)\b[^.?!]*\b(?:which|mana)\b", re.IGNORECASE
)

# A question's parts: "When does the pool open and how much is a massage?", "Ada kolam? Gym pula?"; a
# comparison's sides too ("the suite or the king room", "sedan dgn van").
_PARTS = re.compile(r"\b(?:and|also|plus|dan|juga|serta|pula)\b|[,;?](?=\s*\w)", re.IGNORECASE)
_SIDES = whole_words(
    "or", r"vs\.?", "versus", "than", r"compared (?:to|with)", "atau", "berbanding", "dengan", "dgn", "ke"
)


def is_comparison(question: str) -> bool:
    return bool(_COMPARISON.search(question) or _WHICH_OF_TWO.search(question))


# A piece holding only a question word ("connecting room kena bayar lebih ke, berapa?", "the sedan, how much?")
# asks it of what came before: no part of its own.
_BARE_QUESTION = re.compile(
    r"\W*(?:how much|how many|what time|when|where|berapa|brp|bila|kat mana|di mana|mana|pukul berapa)"
    # … by its unit ("parking motosikal ada? berapa sehari?"): the same thing's price
    r"(?:\s+(?:sehari|semalam|sejam|seorang|satu (?:hari|malam)|(?:per|a|an) (?:day|night|hour|person|pax)|each))?"
    r"(?:\s+(?:ye|ya|yer|eh|ek|agaknya|ah))?\W*",
    re.IGNORECASE,
)


def question_pieces(question: str) -> list[str]:
    """The parts a question asks about, one piece each (the whole question when it asks one thing). Who comes
    ("for me and my husband", "2 adults and 1 kid", "saya dan isteri") is no part: "and" joins people there."""
    pieces: list[str] = []
    who = ""  # people named before the first part ("2 adults and 1 child, how much is breakfast?")
    for piece in _PARTS.split(question):
        if _names_only_people(piece):
            if pieces:
                pieces[-1] += f" and {piece.strip()}"
            else:
                who = f"{who} and {piece.strip()}" if who else piece.strip()
        elif pieces and _BARE_QUESTION.fullmatch(piece):
            pieces[-1] += f", {piece.strip()}"
        elif piece.strip():
            pieces.append(f"{who} and {piece.strip()}" if who else piece)
            who = ""
    if who and pieces:
        pieces[-1] += f" and {who}"
    if is_comparison(question):
        pieces = [side for piece in pieces for side in _SIDES.split(piece) if side.strip()]
    return pieces or [question]


# Who comes, in a guest's words: a count of people ("2 adults", "3 kids", "dua dewasa"), the guest and the family
# ("me", "my wife", "saya dan suami", "anak-anak"), their ages ("aged 5", "umur 9 tahun", "(7 and 10)").
_COUNTED = (
    r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|satu|dua|tiga|empat|lima|enam|tujuh|lapan|sembilan"
    r"|sepuluh|se)"
)
_PEOPLE = (
    r"(?:adults?|people|persons?|pax|guests?|child(?:ren)?|kids?|boys?|girls?|babies|baby|infants?|toddlers?|sons?"
    r"|daughters?|wife|husband|partner|spouse|parents?|friends?|family|me|myself|i|we|us|my|our|the"
    r"|orang|org|dewasa|tetamu|kanak-kanak|kanak2|budak(?:-budak|2)?|anak(?:-anak|2)?|bayi|isteri|suami|kawan(?:-kawan|2)?"
    r"|ibu|bapa|mak|ayah|keluarga|saya|sy|aku|kami|kita|seorang|berdua|bertiga|berempat|berlima)"
)
_AGE = r"(?:(?:aged?|umur|berumur)\s+)?\d{1,2}(?:\s*(?:years?(?: old)?|yrs?(?: old)?|yo|tahun|thn))?"
_WHO_WORDS = re.compile(
    rf"\b(?:for|untuk|utk|bagi|with|dengan|dgn|{_COUNTED}|{_PEOPLE}|{_AGE})\b|[()&+]", re.IGNORECASE
)


def _names_only_people(piece: str) -> bool:
    """A piece saying who comes and nothing else, a question word after it at most ("my husband, how much?")."""
    rest = " ".join(_WHO_WORDS.sub(" ", piece).split())
    return bool(piece.strip()) and rest != piece.strip() and (not rest or bool(_BARE_QUESTION.fullmatch(rest)))


_ONLY = r"(?:(?:just|only|cuma|hanya)\s+)?"  # "for just one person" is the party of one adult
_NO_AGE = r"(?!\s*(?:\(|aged?\b|umur\b|berumur\b|\d{1,2}\s*(?:years?|yrs?|yo|tahun|thn)\b))"  # "1 kid (9)" stays
# A party told beside a price asked: "how much is the deluxe king for 2 adults?", "family suite utk 4 org berapa",
# "we are 2 adults and 2 kids, how much is the suite?". Who comes is the condition, not the fact asked: the price
# answers it, not the line stating how many the room sleeps (which the party's words would otherwise find).
_PARTY = re.compile(
    rf"\b(?:(?:for|untuk|utk|bagi)\s+)?{_ONLY}(?:(?:we are|we're|we r|kami|party of|family of|group of)\s+{_COUNTED}\b"
    rf"(?:\s+{_PEOPLE}\b)?|{_COUNTED}\s+of us\b|{_COUNTED}\s+{_PEOPLE}\b{_NO_AGE})"
    rf"(?:\s*(?:,|and|dan|&|\+)?\s*{_COUNTED}\s+{_PEOPLE}\b{_NO_AGE})*",
    re.IGNORECASE,
)
_PRICE_ASKED = whole_words(
    r"how much", "price", "prices", "cost", "costs", "rate", "rates", "harga", "kos", "caj", "bayaran",
    r"berapa(?:kah)?", "brp",
)  # fmt: skip
# … unless the party's size is what is asked about: which room or car takes it, whether it fits.
_FIT_ASKED = whole_words(
    "which", "mana", "fit", "fits", "muat", "sleeps?", "take us", "big enough", "large enough", "cukup", "capacity",
    "kapasiti", "max", "maximum", "how many", "berapa orang",
)  # fmt: skip


def without_party(question: str) -> str:
    """A price question without the party it is asked for ("for 2 adults", "2 dewasa 1 budak"); ages stay (a price
    by age is asked of an age). Any other question, or one asking what takes the party, as it is."""
    if not _PRICE_ASKED.search(question) or _FIT_ASKED.search(question):
        return question
    rest = " ".join(_PARTY.sub(" ", question).split()).strip(" ,")
    # "Berapa harga bilik untuk 2 dewasa?" names no room but by its party: the room for them is what is priced.
    return rest if _names_a_thing(rest) else question


# The words a price question is asked with, whatever is priced (its days and nights are when, not what).
_ASKING_WORDS = frozenset(
    str.split(
        """
    how much what which is are the a an for on of in at per do does it its to and or please pls can i we you
    berapa brp berapakah apa ke ye ya yer tak ada untuk utk bagi yang yg ni tu nak kena satu se sehari semalam
    one night nights day days week weekday weekdays weekend weekends monday tuesday wednesday thursday friday
    saturday sunday isnin selasa rabu khamis jumaat sabtu ahad hujung minggu hari malam
    """
    )
)


def _names_a_thing(text: str) -> bool:
    """The text names what is priced: a topic of the glossary's (the suite, the spa) or a word it does not know
    (a room's name, "deluxe king"), not only general words (a room, a price) and the words a question is asked with."""
    for term in glossary.terms(glossary.normalise(text)):
        if term.concept is not None:
            if not term.concept.general and not term.concept.person:
                return True
        elif not any(w in _ASKING_WORDS or w.isdigit() for w in term.words):
            return True
    return False


# A piece that asks something itself (not "we are 2 adults" before "will we fit?").
_ASKING = whole_words(
    "what(?:'?s)?", "where(?:'?s)?", "when", "how", "which", "who", "is", "are", "can", "could", "do", "does", "any",
    "berapa", "brp", "bila", "mana", "pukul", "kul", "ada", "boleh", "blh", "apa", "bagaimana", "macam mana",
)  # fmt: skip
# "Can" after the one who would do it, or after a relative word, says what the thing is for, and asks nothing:
# "is there an iron and ironing board I can use?", "ada cerek dan cawan yg boleh sy guna?" ask one thing.
_SAYS_WHAT_FOR = whole_words(r"(?:i|we|you|u|they|saya|sy|aku|kami|kita|yg|yang|that) (?:can|could|boleh|blh)")


def asks(piece: str) -> bool:
    return bool(_ASKING.search(_SAYS_WHAT_FOR.sub(" ", piece)))


def asking_pieces(question: str) -> list[str]:
    """The parts of a question asking two things or more, each asking by its own question word (a comparison's
    sides, each); [] for one. A part asking nothing of its own (a second thing named after "and" … "I can use") is
    no part: it does not count as a part answered, and a question left with one part is read whole."""
    comparison = is_comparison(question)
    pieces = [piece for piece in question_pieces(question) if comparison or asks(piece)]
    return pieces if len(pieces) > 1 else []
