"""The offline provider: answers only from retrieved knowledge, with bilingual templates per mode.

It needs no network and is the default when no key is configured. It never states a fact that
is not in a retrieved chunk: with nothing relevant retrieved it says the team will confirm and
offers a human.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant import unsaid, unstated
from assistant.modes import AiMode
from assistant.providers.base import ChatRequest, ChatResult, Hit, TokenSink
from assistant.situations import (
    UNPAID,
    implied_topic,
    is_comparison,
    question_pieces,
    unpaid_condition_removed,
    variant,
    without_party,
    without_setting,
)
from core.patterns import whole_words
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
        "into",
        "onto",
        "than",
        "then",
        "also",
        "just",
        "very",
        "too",
        "about",
        # "until what time …?" asks a time (the focus reads it); the word is no topic a line must repeat.
        "until",
        "till",
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
        # The turn adds when the team replies (in hours, or its next opening): `conversations.handoff.handoff_note`.
        "handoff": "I'm passing your conversation to a member of our team now.",
        # The guest writes again while they wait: passed on already, not "now" at every message.
        "handoff_waiting": "A member of our team has your conversation and will see this message too.",
        # The hotel wrote this detail in Malay only: say so and quote it, as the Malay side does for English.
        "malay_only": 'Here\'s what I can tell you (the hotel wrote this detail in Malay only): "{facts}"',
        # A kind of thing asked that the item does not name, beside another kind it does (a bathtub; a rain shower).
        "other_kind": (
            "I don't have confirmed information about that exact detail, so I won't guess. What I can tell you: "
            "{facts} Our team will confirm the rest for you."
        ),
        "yes": "Yes.",
        "no": "No.",
    },
    "ms": {
        "answer": "Berikut maklumat yang saya ada: {facts}",
        "unknown": (
            "Saya tiada maklumat yang disahkan tentang perkara itu, jadi saya tidak mahu meneka. Pasukan kami akan "
            "mengesahkannya untuk anda. Mahukah saya hubungkan anda dengan kakitangan kami?"
        ),
        "lead": "Saya sedia membantu permintaan anda.",
        "handoff": "Saya sedang menyerahkan perbualan ini kepada kakitangan kami.",
        "handoff_waiting": "Perbualan anda sudah bersama kakitangan kami, dan mereka akan melihat mesej ini juga.",
        # The hotel wrote this detail in English only: say so, in Malay, and quote it; never pretend.
        "english_only": 'Berikut maklumat yang saya ada: butiran ini hanya ada dalam bahasa Inggeris: "{facts}"',
        "other_kind": (
            "Saya tiada maklumat yang disahkan tentang butiran itu, jadi saya tidak mahu meneka. Yang saya tahu: "
            "{facts} Pasukan kami akan mengesahkan selebihnya untuk anda."
        ),
        "other_kind_english_only": (
            "Saya tiada maklumat yang disahkan tentang butiran itu, jadi saya tidak mahu meneka. Yang saya tahu "
            '(butiran ini hanya ada dalam bahasa Inggeris): "{facts}" Pasukan kami akan mengesahkan selebihnya '
            "untuk anda."
        ),
        "yes": "Ya.",
        "no": "Tidak.",
    },
}


def _terms(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if w.lower() not in _STOP and len(w) > 1}


# The question's focus: what kind of fact it asks for. Each kind is read from the question's wording
# (`asks`) and recognised in a sentence that carries that kind of answer (`carries`): a time answers
# "when", an amount "how much" or "is it free", a rule word "can I", a number of people "how many fit",
# a place "where", an enumeration "what does it have". The answer prefers the item's sentences that
# carry what is asked, whatever the hotel and whatever words the item is written in.
@dataclass(frozen=True)
class _Focus:
    name: str
    asks: re.Pattern[str]
    carries: re.Pattern[str]
    weight: float


_NUMBER = (
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|satu|dua|tiga|empat|lima|enam|tujuh"
    r"|lapan|sembilan|sepuluh|dua belas|dua puluh)"
)
_PRICE = re.compile(r"\bRM\s?\d", re.IGNORECASE)
# A time of day, or a delay ("within 7 working days", "dalam 7 hari bekerja"): both answer "when?".
_TIME = re.compile(
    r"\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\bnoon\b|\b" + _NUMBER + r" hours\b|\bpagi\b|\bpetang\b"
    r"|\bat all times\b|\bround the clock\b|\baround the clock\b|\bsepanjang masa\b|\bsetiap masa\b"
    r"|\b\d{1,2}[:.]\d{2} (?:malam|tengah hari)\b"  # "7:00 malam"; "2 malam" alone is two nights
    r"|\bwithin \d+ (?:working |business )?(?:days?|hours?)\b|\bdalam (?:masa )?\d+ (?:hari|jam)\b",
    re.IGNORECASE,
)
# A time of day, not a delay: what "what time …?" asks for beside "how long …?" (CLOCK_BONUS on top of the focus).
_CLOCK_TIME = re.compile(r"\d{1,2}:\d{2}\s*(?:am|pm)\b|\bnoon\b", re.IGNORECASE)
# More than the margin a runner-up line is kept by (`_from_best_item`: half a point): "spa buka jam berapa?" gets the
# opening hours, not also "book at least two hours in advance", which states a delay, no hour.
CLOCK_BONUS = 1.0
FOCI = (
    _Focus(
        "price",
        re.compile(
            # ("how much notice", "how much in advance": how early, not a price)
            r"\b(how much(?! notice| time| lead time| in advance| ahead| earlier)|price|prices|cost|costs|fee|fees"
            # ("pay by card", "bayar guna TnG": how to pay, not how much)
            r"|rate|rates|fine|charged|charges|surcharge|free|pay(?! (?:by|with|using|via|in cash|cash|card))|paid"
            r"|(?:extra|any|a|additional) charge|charge (?:for|me|us|extra)"
            r"|complimentary|harga|kos|caj|ringgit"
            r"|bayar(?! (?:guna|dengan|dgn|pakai|menggunakan|melalui|secara|tunai|kad|cash))"
            r"|bayaran|dibayar|yuran|denda|tambang|percuma"
            r"|cheap|cheaper|cheapest|expensive|pricier|murah|mahal"  # a comparison of prices asks for both
            # The formal "berapakah" asks as "berapa" does ("Berapakah bayaran letak kereta?").
            # ("berapa awal": how early; "lebar berapa", "berapa tinggi": a measure; neither is a price)
            # ("tingkat berapa", "berapa jam", "berapa ramai": what is counted is asked, a floor, hours, people)
            r"|(?<!pukul )(?<!luas )(?<!besar )(?<!lebar )(?<!tinggi )(?<!panjang )(?<!dalam )(?<!tingkat )(?<!aras )"
            r"(?<!umur )(?<!^jam )(?<![a-z] jam )(?<!level )(?<!floor )berapa(?:kah)?"
            r"(?! lama| orang| malam| hari| minit| minggu| jauh| bilik| katil| luas| besar| awal| lewat| lambat| lebar"
            r"| tinggi| panjang| dalam| meter| kaki| inci| jam| tahun| umur| ramai| kali| tingkat| aras))\b",
            re.IGNORECASE,
        ),
        re.compile(
            # "Is there a charge for wifi?" is answered by "Free Wi-Fi is available", as by a price.
            rf"\bRM\s?\d|{unstated.FREE}|\bat no (?:extra )?(?:charge|cost)\b|\bcomplimentary\b|\bpercuma\b"
            r"|\btanpa caj\b"
            r"|\bcharged\b|\bdikenakan\b|\bsurcharge\b|\d\s?%",
            re.IGNORECASE,
        ),
        2.5,
    ),
    _Focus(
        "time",
        re.compile(
            r"\b(what time|when|time|hours|open|opens|close|closes|until|midnight|late at night|pukul|bila|bilakah|jam"
            r"|waktu|buka|tutup|sampai|tengah malam|at night|all night|overnight|24/7|waktu malam"
            # The latest or earliest allowed is a time too ("how late can I cancel?": 48 hours before).
            r"|latest|earliest|how late|how early|paling lewat|paling awal|paling lambat|berapa (?:awal|lewat|lambat)"
            r"|how much notice|how much in advance|how (?:far|long) (?:in advance|ahead)"
            r"|\d{1,2}\s?(?:am|pm|in the morning|in the evening|at night|pagi|petang))\b",
            re.IGNORECASE,
        ),
        _TIME,
        2.0,
    ),
    # "How long until my laundry is back?" is answered by a delay or by the hour it is ready ("the same day
    # by 7:00 pm"), in the item's order: the general rule before the special case ("express within 4 hours").
    _Focus(
        "duration",
        re.compile(
            r"\b(how long|how soon|how quickly|how many hours|how many days|how many minutes|berapa lama|berapa cepat"
            # "deposit pulang dlm brp hari", "jalan kaki brp minit": a delay counted in days or minutes
            r"|bila siap|(?<!pukul )berapa jam|berapa (?:hari(?! ini\b| ni\b)|minit|minggu))\b",
            re.IGNORECASE,
        ),
        re.compile(
            _TIME.pattern + r"|\b(hours?|minutes?|days?|jam|minit|hari)\b|\bsame day\b|\bnext day\b|\bhari yang sama\b",
            re.IGNORECASE,
        ),
        2.0,
    ),
    # "Where …?" is answered by a place (a level, a floor, next to, the nearest …).
    _Focus(
        "place",
        re.compile(
            # "can we smoke anywhere?": where, asked as a yes or no ("is there somewhere to do yoga?" asks whether
            # there is: the line naming it answers)
            r"\b(where|(?<!is there )(?<!are there )(?<!there's )(?:any|some)where|which floor|what floor|which level"
            r"|what level|which station|nearest|how far|kat mana"
            r"|di mana|dekat mana|tingkat berapa|aras berapa|terdekat|berapa jauh)\b"
            # ("lebar mana", "besar mana": how wide, how big; a size, not a place)
            r"|(?<!macam )(?<!lebar )(?<!besar )(?<!luas )(?<!tinggi )(?<!panjang )(?<!-)\bmana\b(?!-)",
            re.IGNORECASE,
        ),
        re.compile(
            r"\b(level \d+|floor|basement|located|next to|outside|opposite|lobby|rooftop|nearest|closest|walk"
            r"|tingkat|aras|terletak|lobi|di luar|bersebelahan|sebelah|terdekat|berjalan kaki)\b|\bB\d\b",
            re.IGNORECASE,
        ),
        2.0,
    ),
    # "How big …?", "luas berapa?": a size (an area in square metres), not a price nor how many it sleeps.
    _Focus(
        "size",
        re.compile(
            r"\b(how big|how large|how spacious|what size|size of|square met\w*|sq ?m|sqm|luas|keluasan|berapa besar"
            r"|besar mana|saiz|how wide|width|lebar|kelebaran|(?:meter|kaki) ?per ?segi)\b",
            re.IGNORECASE,
        ),
        # (a width: "a wider door (90 cm)")
        re.compile(r"\d\s*(?:m²|m2\b|sq\.? ?m|square met|cm\b)", re.IGNORECASE),
        2.0,
    ),
    # "Can I …?" is answered by the rule: allowed, not permitted, must, only, subject to availability.
    _Focus(
        "permission",
        re.compile(
            r"(?:^|[,.;!?])\W*(can i|can we|may i|may we|could i|could we|am i allowed|are we allowed|is it ok"
            r"|is it okay|boleh|bolehkah)\b"
            r"|\b(is that ok|is that okay|is that allowed|allowed|dibenarkan|boleh(?: tak| ke| ka)?"
            # "… would that be a problem?", "… jadi masalah tak?": whether it is allowed, in other words
            r"|(?:would|will|is) (?:that|it|this) (?:be )?(?:a |an )?(?:problem|issue|fine)|any problem"
            r"|(?:jadi|ada) masalah(?: tak| ke)?|tak apa(?: ke)?|ok(?:ay)? tak)\W*$",
            re.IGNORECASE,
        ),
        re.compile(
            r"\b(allowed|not permitted|permitted|prohibited|forbidden|must|may|may not|cannot|only|accept|accepts"
            r"|accepted|welcome|welcomes|subject to|on request|available|dibenarkan|dilarang|tidak boleh|mesti|perlu"
            r"|hanya|diterima|menerima|tertakluk|larangan|dialu-alukan|disediakan|tersedia)\b",
            re.IGNORECASE,
        ),
        1.5,
    ),
    # "How many people does it sleep?" is answered by a number of people.
    _Focus(
        "people",
        re.compile(
            r"\b(how many (?:people|persons|guests|adults|pax|of us)|how many can|sleeps?|fit|fits|capacity"
            r"|maximum|max|muat|memuatkan|berapa orang|kapasiti|untuk berapa(?! malam| hari)"
            # A party stating its size asks what takes it: "we are 6 people, which car can take us?"
            r"|big enough|large enough|cukup besar|take us|fit us|we are \d+|we're \d+|\d+ of us"
            r"|(?:party|family|group) of \d+"
            r"|kami \d+ orang|kami (?:ber)?(?:dua|tiga|empat|lima|enam|tujuh|lapan)(?: orang)?)\b",
            re.IGNORECASE,
        ),
        re.compile(
            rf"\b{_NUMBER}\s+(?:adults?|people|persons|guests|pax|children|orang|dewasa|tetamu)\b|\bsleeps\b"
            r"|\bup to \d+\b|\bsehingga \d+\b|\bmuat|\bmemuatkan\b|\bcapacity\b|\bkapasiti\b|\bseats?\b",
            re.IGNORECASE,
        ),
        2.0,
    ),
    # "Is there …?", "bilik ada wifi tak?" is answered by the line saying it is there (available, provided).
    _Focus(
        "existence",
        re.compile(
            r"(?:^|[,.;!?])\W*(do you have|is there|are there|have you got|adakah|ada)\b"
            r"|\bada\b(?!\s+apa)(?:\W+\w+){1,4}\W+(?:tak|ke|tidak)\W*$",
            re.IGNORECASE,
        ),
        re.compile(
            r"\b(available|provided|offers?|there is|there are|we have|disediakan|tersedia|terdapat|menyediakan"
            r"|menawarkan|mempunyai)\b",
            re.IGNORECASE,
        ),
        0.75,  # a tie-breaker: the line naming what was asked wins
    ),
    # "What's the wifi network called?" is answered by the line quoting the name ('SeriMelati-Guest').
    _Focus(
        "name",
        re.compile(r"\b(?:called|named|name of|nama (?:rangkaian|wifi|network))\b", re.IGNORECASE),
        re.compile(r"(?:^|\s)['\u2018\"][^'\u2019\"]{2,40}['\u2019\"]"),
        2.0,
    ),
    # "What treatments does the spa have?" is answered by the enumeration, not by the line repeating its word.
    _Focus(
        "list",
        re.compile(
            r"\bwhat (?:kind|kinds|sort|sorts|types?) of\b|(?:^|[,.;!?])\W*(?:what|which)\b(?! time)(?:\W+\w+){0,5}\W+"
            r"(?:have|has|offer|offers|serve|serves|include|includes|teach|teaches|sell|sells|cover|covers)\b"
            r"|\bada apa\b|\bapa yang ada\b|\bjenis apa\b|\bapa jenis\b|\btermasuk apa\b"
            r"|\bwhat(?:'s| is| are) there\b|\bwhat can \w+ do\b|\bapa (?:yang )?boleh (?:buat|dibuat)\b"
            # "what treatments does the spa do?", "spa got what treatments?"
            r"|\bwhat (?!time\b)\w+(?:\W+\w+){0,4}\W+(?:do|does|provide|provides)\W*$|\bgot what\b"
            # Formal Malay: "Apakah aktiviti yang disediakan …?", "Apakah kemudahan yang terdapat …?"
            r"|\bapakah (?:\w+ ){1,3}yang (?:disediakan|terdapat|ada|ditawarkan|diterima|dihidangkan)\b",
            re.IGNORECASE,
        ),
        re.compile(r"\w[\w' -]*, [\w' -]+(?:,? (?:and|or|dan|atau) |, )\w", re.IGNORECASE),
        2.0,
    ),
    # "How old must kids be for the kids club?" is answered by the ages the item states ("aged 4 to 12").
    _Focus(
        "age",
        re.compile(
            r"\b(how old|what age|which age|age limit|minimum age|maximum age|ages?|umur berapa|berapa umur|had umur"
            r"|berumur|peringkat umur)\b",
            re.IGNORECASE,
        ),
        re.compile(
            r"\baged? \d|\b\d{1,2} (?:to|-|hingga|sehingga) \d{1,2}\b|\b(?:under|over|above|below|bawah|atas) \d{1,2}\b"
            r"|\bumur \d|\bberumur\b|\b\d{1,2} years? old\b|\b\d{1,2} tahun\b",
            re.IGNORECASE,
        ),
        2.0,
    ),
    # "What happens if someone smokes in the room?" is answered by the consequence the item states: the
    # charge, the fine, the rule broken; not by the line repeating the question's words.
    _Focus(
        "consequence",
        re.compile(
            r"\b(what happens|what will happen|what if|what's the penalty|what is the penalty|penalty"
            r"|apa (?:akan )?jadi|apa yang (?:akan )?berlaku|apa berlaku|apa akibat|apa hukuman)\b"
            # A condition and a charge: "if I cancel a day before, will I be charged?", "kalau … kena caj ke?"
            r"|\b(?:if|kalau|jika|sekiranya)\b[^.?!]*\b(?:charged?|fined|kena caj|kena bayar|kena denda|dikenakan"
            # "if I cancel the day before, do I still pay?"
            r"|(?:still|have to|need to|must) pay"
            # … or with the money coming back: "if I cancel, do I get a refund?", "kalau batal dapat refund ke"
            r"|refund|refunded|money back|bayar balik|duit balik|wang dikembalikan)\b",
            re.IGNORECASE,
        ),
        re.compile(
            r"\bRM\s?\d|\b(charged|fee|fine|fined|penalty|surcharge|replaced|responsible|not permitted"
            r"|not allowed|dikenakan|caj|denda|bertanggungjawab|diganti|dilarang)\b",
            re.IGNORECASE,
        ),
        2.0,
    ),
    # "How do I book a massage?" is answered by the step (book through the front desk, connect to the network,
    # use the key card), not by the line describing the place.
    _Focus(
        "how",
        re.compile(r"\b(how do i|how do we|how can i|how can we|how to|macam mana|bagaimana|cara)\b", re.IGNORECASE),
        re.compile(
            r"\b(please|through|via|using|use|connect|log in|book|reserve|contact|dial|at least|in advance|ahead"
            r"|sila|melalui|menggunakan|guna|sambung|log masuk|hubungi|tempah|terlebih dahulu)\b",
            re.IGNORECASE,
        ),
        2.0,
    ),
    # "How do I get here from the airport?", "mcm mana nak pergi hotel dari airport?" is answered by a way to travel
    # (a transfer, a taxi, a train, a walk), not by the booking step that "how" alone prefers.
    _Focus(
        "way",
        re.compile(
            r"\b(?:how (?:do|can|should|would) (?:i|we) (?:get|go|travel|reach|come)|how to (?:get|go|reach|come)"
            r"|getting (?:to|from|here|there)|(?:macam mana|bagaimana|cara)\s+(?:(?:nak|untuk|hendak|mahu)\s+)?"
            r"(?:pergi|ke|sampai|datang|naik))\b",
            re.IGNORECASE,
        ),
        re.compile(
            r"\b(?:transfers?|taxis?|teksi|grab|sedan|van|bus|bas|trains?|monorail|monorel|lrt|mrt|shuttles?"
            r"|walk(?:ing)?|berjalan kaki|stesen|stations?|pengangkutan)\b",
            re.IGNORECASE,
        ),
        2.0,
    ),
)
# A time written any way ("11pm", "11 pm", "11:00 pm", "11.00pm") is one word, so a question naming the
# hour meets the sentence stating it.
_CLOCK = re.compile(
    r"\b(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|in the morning|in the afternoon|in the evening|at night|pagi|petang)\b",
    re.IGNORECASE,
)


def _clock_words(text: str) -> str:
    def word(match: re.Match[str]) -> str:
        half = "am" if match.group(3).lower() in ("am", "in the morning", "pagi") else "pm"
        return f"{int(match.group(1))}h{match.group(2) or '00'}{half}"

    return _CLOCK.sub(word, text)


# A span of the day a line states: "from 7:00 am to 10:00 pm", "(11 pm to 6 am)", "7:00 malam hingga 10:00 malam".
_HALF = r"(am|pm|pagi|petang|malam)"
_SPAN = re.compile(
    rf"\b(\d{{1,2}})(?:[:.](\d{{2}}))?\s*{_HALF}?\s*(?:to|until|till|-|–|hingga|sehingga|sampai)\s*"
    rf"(\d{{1,2}})(?:[:.](\d{{2}}))?\s*{_HALF}\b",
    re.IGNORECASE,
)
_ASKED_HOUR = re.compile(rf"\b(\d{{1,2}})(?:[:.](\d{{2}}))?\s*{_HALF}\b", re.IGNORECASE)
HOUR_WITHIN_BONUS = 2.0  # as much as carrying a time at all: the hour is what is asked


def _minute_of_day(hour: str, minute: str | None, half: str) -> int:
    """Minutes after midnight; "12 am" is midnight, "12 pm" noon, "malam" (night) after noon unless before 5."""
    number, half = int(hour) % 12, half.lower()
    evening = half in ("pm", "petang") or (half == "malam" and number >= 5)
    return (number + 12 * evening) * 60 + int(minute or 0)


def _hours(question: str) -> tuple[int, ...]:
    """The hours of the day the question names ("at 2am", "pukul 11 malam"; "2 malam" alone is two nights)."""
    return tuple(
        _minute_of_day(*match.groups())
        for match in _ASKED_HOUR.finditer(question)
        if match.group(3).lower() != "malam" or match.group(2) or question[: match.start()].endswith("pukul ")
    )


# A line stating the thing runs all day holds every hour: "is room service still running at 4am?" is answered by
# "available 24 hours a day" too, beside the late-night menu's "11 pm to 6 am".
_ALL_DAY = re.compile(
    r"\b24 hours\b|\b24/7\b|\b24 jam\b|\b(?:a)?round the clock\b|\bat all times\b|\bsepanjang masa\b", re.IGNORECASE
)
ALL_DAY_BONUS = HOUR_WITHIN_BONUS


def _hour_held(hours: tuple[int, ...], text: str) -> float:
    """The bonus of a line holding the hour asked: a span of the day holding it, or a line running all day."""
    if _within_a_span(hours, text):
        return HOUR_WITHIN_BONUS
    return ALL_DAY_BONUS if hours and _ALL_DAY.search(text) else 0.0


def _within_a_span(hours: tuple[int, ...], text: str) -> bool:
    """One of `hours` falls inside a span of the day the text states (a span may run past midnight)."""
    for h1, m1, half1, h2, m2, half2 in _SPAN.findall(text) if hours else ():
        end = _minute_of_day(h2, m2, half2)
        start = _minute_of_day(h1, m1, half1 or half2)
        if any(start <= hour <= end if start <= end else (hour >= start or hour <= end) for hour in hours):
            return True
    return False


def _foci(question: str) -> tuple[_Focus, ...]:
    foci = tuple(focus for focus in FOCI if focus.asks.search(question))
    if any(f.name == "time" for f in foci) and UNPAID.search(question):
        # "The latest I can check out without paying extra": a time asked, on the condition of paying nothing; the
        # price is no fact asked (the paid late check-out's RM 80 would win on it).
        condition_free = UNPAID.sub(" ", question)
        return tuple(focus for focus in foci if focus.name != "price" or focus.asks.search(condition_free))
    return foci


# "Do you have …?" wants the thing described; "How do I …?" wants the step after the opening line. A question
# may open with a greeting ("hi, is there a pool?"): the patterns read from the start of any clause.
_EXISTENCE_QUESTION = next(focus.asks for focus in FOCI if focus.name == "existence")
_HOW_QUESTION = next(focus.asks for focus in FOCI if focus.name == "how")
# "Can I bring my cat?" is answered by the item's rule, its opening line when that line states one ("Pets are
# not allowed …"), even when a later line repeats more of the question's words ("… a service animal").
_PERMISSION_QUESTION = next(focus.asks for focus in FOCI if focus.name == "permission")
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
    carries: frozenset[str]  # the question's foci this sentence carries an answer of (price, time, …)
    language: str = "en"  # the language of the text it is quoted from (an item's Malay text: "ms")
    part_scores: tuple[float, ...] = ()  # how well it answers each part of a question asking several things
    subject_echo: int = 0  # of `words`, those naming the item's subject as its opening sentence does

    @property
    def topicality(self) -> float:
        """How much of the question's own words and concepts it says, whatever kind of fact it carries."""
        return self.concept_weight + self.words

    @property
    def score(self) -> float:
        return self.topicality + self.kind_bonus


def _sentences_of(hits: tuple[Hit, ...]) -> list[tuple[str, list[tuple[int, str, str]]]]:
    """Per item (in retrieval order, chunks of one item together), its title and its sentences with
    their positions and languages."""
    items: dict[int, list[tuple[str, str]]] = {}
    titles: dict[int, str] = {}
    for hit in hits:
        titles.setdefault(hit.item_id, hit.title)
        # Hard-wrapped source text (Markdown) keeps sentences across lines: split on sentence ends only.
        items.setdefault(hit.item_id, []).extend(
            (s, hit.language) for s in (" ".join(p.split()) for p in _SENTENCE.split(hit.text)) if s
        )
    return [
        (titles[item_id], [(position, text, language) for position, (text, language) in enumerate(sentences)])
        for item_id, sentences in items.items()
    ]


# Stemming was most of an answer's time (every sentence's words and every concept's phrases, each turn):
# a hotel's vocabulary is small, so the stems are remembered.
@functools.lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    return glossary.stem(word)


@functools.cache
def _phrase_keys(concept: glossary.Concept) -> tuple[str, ...]:
    return tuple(f" {' '.join(_stem(word) for word in phrase)} " for phrase in concept.phrases)


def _subject_words_in(words: Sequence[str], subject: list[glossary.Concept]) -> set[str]:
    """The words of `words` that spell one of the subject concepts' phrases."""
    joined = f" {' '.join(words)} "
    return {word for concept in subject for key in _phrase_keys(concept) if key in joined for word in key.split()}


# Kept per text: a turn reads every sentence of the items it found, the same sentences turn after turn.
@functools.lru_cache(maxsize=8192)
def _words(text: str) -> tuple[str, ...]:
    # Word forms meet by their stems: "visitors" speaks of a "visit", "membayar" of "bayar"; a time by
    # its hour: "after 11pm" meets "from 11:00 pm".
    return tuple(_stem(word) for word in glossary.tokens(_clock_words(text)))


def _concepts_in(words: Sequence[str], concepts: list[glossary.Concept]) -> frozenset[int]:
    joined = f" {' '.join(words)} "
    return frozenset(
        number for number, concept in enumerate(concepts) if any(key in joined for key in _phrase_keys(concept))
    )


# General concepts every other item names (a room, a bed, a night, guests): naming one alone is no subject.
# Price, time, payment … are general too, but a question about paying is answered by an item about paying.
# The concepts a price is asked with ("how much", "kena bayar"): every line stating a price says one of them.
_PAYING_CONCEPTS = frozenset([("price",), ("pay",)])
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
    titled: bool  # its title names the question's subject: a topical concept or a content word
    title_words: frozenset[str]  # the question's content words its title says
    evidence: int  # the question's content words and specific general concepts it says (title or text)
    title: str = ""

    @property
    def carries(self) -> frozenset[str]:
        return frozenset(name for s in self.sentences for name in s.carries)


def grounded_facts(question: str, hits: tuple[Hit, ...], max_chars: int = MAX_ANSWER_CHARS) -> str:
    return " ".join(s.text for s in _grounded(question, hits, max_chars))


def _grounded(
    question: str, hits: tuple[Hit, ...], max_chars: int = MAX_ANSWER_CHARS, *, unnamed: tuple[str, ...] = ()
) -> list[_Sentence]:
    """The fact asked for, copied from the item that answers it; another item only for a part of the
    question the first leaves unanswered. Nothing is generated, and nothing unrelated is added: a pool
    question gets the pool's hours, not the gym and the spa. An item that shares neither a topical concept
    nor a content word with the question is not about it, however near its embedding: when the nearest
    one is not, a farther one naming the question's topic (or two of its words) answers, else there is
    nothing to say ("Is there a nightclub?" is not answered with the Kids Club).
    """
    question = glossary.normalise(question)  # "kul brp" asks "pukul berapa": a time
    # Who comes is the condition of a price asked, not a fact asked: "for 2 adults" must not make "it sleeps two
    # adults" the answer, nor "we are 4" ask how many the room sleeps.
    question = without_party(question)
    # "Our flight lands at 7am, can we go up to the room?" asks about early check-in: the situation's policy
    # is one of the question's concepts, and so puts its item on the subject.
    situation = implied_topic(question)
    # "… without paying extra", "… at no extra cost" is a condition of a time asked, not words or a concept a line
    # must repeat (the paid late check-out "costs RM 80" would say "cost", and the price).
    unpaid_time = bool(UNPAID.search(question)) and any(f.name == "time" for f in _foci(question))
    said_words = unpaid_condition_removed(question) if unpaid_time else question
    concepts = glossary.find(f"{said_words} {situation}" if situation else said_words)
    question_words = set(glossary.stems(sorted(_terms(_clock_words(said_words)))))
    content_words = question_words - _GENERIC - _weak_words()
    strong = {n for n, c in enumerate(concepts) if not c.general or c.english[0] not in _WEAK_CONCEPTS}
    topical = {n for n, c in enumerate(concepts) if not c.general}
    # Who the question is for (a baby, the kids, the elderly) titles no item when it names a thing too: "a cot for
    # my baby?" is the room's line on cots, not the Kids Club's, as the glossary's `@` reads it for the full text.
    titling = {n for n in topical if not concepts[n].person} or topical
    # … nor do its words: "can the kids swim at 11pm?" is the pool's to answer, though "Kids Club" says "kids".
    person_words = {_stem(w) for n in topical - titling for phrase in concepts[n].phrases for w in phrase}
    # "What's the latest we can check out?" is answered by the late variant ("late check-out until 4:00 pm"):
    # its concept tells the sentences apart (it weighs as much as a topical one and a half), but is no subject
    # of its own (it joins neither set above). "We land at 7am, can we go to the room?" asks for the early one.
    asked_variant = glossary.find(variant(question))
    concepts += [c for c in asked_variant if c not in concepts]
    emphasised = {n for n, c in enumerate(concepts) if c in asked_variant}
    if unnamed and not situation and len(question_pieces(question)) == 1 and not _ALTERNATIVES_ASKED.search(question):
        # One thing asked, and a topic of it no item of the hotel's names ("how much is lunch at the café?", "is
        # there a sauna in the spa?"): the items found are about a neighbouring thing (breakfast, the spa's
        # treatments), and their facts would answer another question. A question asking several things keeps
        # the answers to its other parts.
        return []
    foci = _foci(question)
    names = {f.name for f in foci}
    clock_asked = "time" in names and "duration" not in names
    hours_asked = _hours(question) if "time" in names else ()
    parts = _parts(question, concepts)
    items: list[_Item] = []
    for rank, (title, sentences) in enumerate(_sentences_of(hits)):
        # What the item is about (its title) is in every sentence's context: it does not tell which
        # sentence answers. "How long is the airport transfer?" is answered by the one with a duration.
        subject_words = set(_words(title))
        subject = _concepts_in(_words(title), concepts)
        # The item's opening sentence names its subject too, in the text's own language: a Malay text under
        # an English title ("Parking") says "tempat letak kereta". Choosing among the item's prices, repeating
        # it ("Letak kereta valet berharga RM 30") says no more of the question than the guests' rate does.
        opening_words = _words(sentences[0][1]) if sentences else []
        opening_subject = _subject_words_in(opening_words, [concepts[n] for n in subject])
        # A topic the title names but the opening line does not is no context of every line: "Lokasi dan
        # Pengangkutan Awam" opens with where the hotel stands, and the line naming taxis and Grab is the one
        # speaking of transport ("where do taxis drop us off?").
        opening = _concepts_in(opening_words, concepts)
        context = frozenset(n for n in subject if concepts[n].general or n in opening)
        scored = []
        spoken: set[str] = set(subject_words)
        asked_near = question_words - subject_words - _GENERIC - _weak_words()
        for position, text, language in sentences:
            words = _words(text)
            spoken.update(words)
            carried = [focus for focus in foci if focus.carries.search(text)]
            matched = _concepts_in(words, concepts)
            weight = sum(_concept_weight(n, concepts, emphasised) for n in matched - context)
            # A general word (room, price) counts once, as its concept; a generic one (hotel) not at all.
            repeated_words = (question_words - subject_words - _GENERIC - _weak_words()) & set(words)
            # A word the guest says in other words than the line's (the hotel vocabulary: "telly" for "smart TV",
            # "amex" for "American Express", "the drive" for "the journey") says as much of the question.
            joined = f" {' '.join(words)} "
            near = {w for w in asked_near - set(words) if any(f" {p} " in joined for p in unsaid.near_phrases(w))}
            repeated = len(repeated_words) + len(near)
            bonus = sum(focus.weight for focus in carried)
            if clock_asked and _CLOCK_TIME.search(text):
                bonus += CLOCK_BONUS  # "laundry pickup time": the hour it is collected, not "within 4 hours"
            # "food to my room at 2am?" is answered by the hours that hold 2 am ("the late-night menu (11 pm to 6 am)").
            bonus += _hour_held(hours_asked, text)
            # A part asking the hour is answered by the span holding it ("food at 2am, and is there a charge?": the
            # night menu's "11 pm to 6 am"), not by the line running all day.
            within = HOUR_WITHIN_BONUS if _within_a_span(hours_asked, text) else 0.0
            carried_names = frozenset(f.name for f in carried)
            part_scores = tuple(
                sum(f.weight for f in part_foci if f.carries.search(text))
                + (within if any(f.name == "time" for f in part_foci) else 0.0)
                + sum(_concept_weight(n, concepts, emphasised) for n in (matched & part_concepts) - context)
                + len((part_words - subject_words - _GENERIC - _weak_words()) & (set(words) | near))
                for part_foci, part_concepts, part_words in parts
            )
            scored.append(
                _Sentence(
                    rank,
                    position,
                    text,
                    matched,
                    weight,
                    repeated,
                    bonus,
                    carried_names,
                    language,
                    part_scores,
                    subject_echo=len(repeated_words & opening_subject),
                )
            )
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
        titled = bool(subject & titling) or bool((content_words - person_words) & subject_words)
        # Evidence of the subject: the question's content words it says and its specific general concepts
        # (early, late, free …; not room or night).
        evidence = len(content_words & spoken) + len(named & strong - topical)
        title_words = frozenset(content_words & subject_words)
        items.append(
            _Item(rank, scored, subject, on_subject, bool(named & topical), titled, title_words, evidence, title)
        )
    if not items:
        return []
    if not items[0].on_subject and (concepts or content_words):
        # The nearest item is not about what was asked. A farther one naming the question's topic answers
        # (as the gap inbox would judge it answered), or one saying two of its own words ("keep the room
        # after noon" → "12:00 noon", "after 6:00 pm"); one sharing a mere word does not: nothing is quoted.
        items = [item for item in items if item.names_topic or (item.on_subject and item.evidence >= 2)]
        if not items:
            return []
    items = [items[0], *(item for item in items[1:] if item.on_subject)]
    best = _answering_item(items, foci)
    if any(f.name == "people" for f in foci):
        best = _fitting_item(question, items, best)
    if len(question_pieces(question)) == 1:
        # (Who it is for is no subject asked first: "can the kids swim?" stays the pool's.)
        best = _subject_item(question, concepts, titling, items, best)
        # "Can my 14-year-old come to the Sky Bar?": the age is asked of the place named, not of the Kids Club the
        # age found; the item naming the place answers, or states no age (then nothing is quoted).
        best = next(
            (
                item
                for item in [best, *items]
                if not unsaid.place_unsaid(question, item.title, [s.text for s in item.sentences])
            ),
            best,
        )
    # (A guest telling where they arrive, "we get to KL at 5am, can we go to our room?", asks about the room.)
    if not situation and _names_elsewhere(question, best, price=any(f.name == "price" for f in foci)):
        return []
    if ("price" in names and _other_length_priced(question, best)) or _other_length_offered(question, best):
        # "How much is a 90-minute massage?" is not answered by the 60-minute one's RM 220.
        return []
    if _NEARBY.search(question) and not any(_PLACE_CARRIES.search(s.text) for s in best.sentences):
        # "Any good durian stall nearby?" asks for a place around the hotel: a rule about durians is no answer.
        return []
    if _asks_for_something_unsaid(question, best):
        return []
    if unsaid.condition_unsaid(question, best.title, [s.text for s in best.sentences]):
        # "My wife is pregnant, are the spa treatments safe for her?": the spa's hours are no yes.
        return []
    if unsaid.meal_unoffered(question, best.title, [s.text for s in best.sentences]):
        # "Is the Ramadan buffet also served for sahur?", "lunch at the café?" of the breakfast: a meal the item does
        # not serve, though it serves another. (Of a question asking several things too: none of its meals is served.)
        return []
    if len(question_pieces(question)) == 1 and unsaid.food_unserved(
        question, best.title, [s.text for s in best.sentences]
    ):
        # "Does the Sky Bar serve food?": the line naming the bar serves alcohol; a drink is no answer to food. (Of a
        # question asking one thing: "is the food halal, and where can I get a beer?" asks the bar's line too.)
        return []
    if _detail_unstated(question, best, price="price" in names):
        # "How deep is the pool?", "breakfast for a 3-year-old?", "how much to charge my electric car?": the
        # item's nearby line (the hours, the price for ages 6 to 12, the parking fee) would pass for the answer.
        return []
    if unsaid.thing_unsaid(question, best.title, [s.text for s in best.sentences]) or unsaid.variant_asked(
        question, best.title, [s.text for s in best.sentences]
    ):
        # "Does the room have blackout curtains?", "gym ada loker tak?": the thing asked, which the item never
        # says in any words; its opening line would pass for the answer.
        return []
    others = [item for item in items if item is not best]
    # A question naming only its subject ("parking?", "parking ada tak?", "do you do airport pickup?") asks
    # what there is to know: the opening line and the one after it (the guests' rate, the price of the car).
    follow_on = bool(not foci or _EXISTENCE_QUESTION.search(question) or _HOW_QUESTION.search(question))
    rule_first = bool(_PERMISSION_QUESTION.search(question))
    asked = frozenset(f.name for f in foci)
    # A comparison of prices ("valet or normal parking, which is cheaper?") wants both, not the general rate alone.
    chosen = _from_best_item(
        best.sentences,
        follow_on=follow_on,
        rule_first=rule_first,
        policy=bool(_POLICY_QUESTION.search(question)),
        one_price="price" in asked and not is_comparison(question),
        topical=frozenset(topical - best.subject),
        paying=frozenset(n for n, c in enumerate(concepts) if c.english[0] in _PAYING_CONCEPTS),
    )
    # Each part of a question asking several things gets the item's sentence answering it alone: "what time
    # is check-in, and how much is early check-in?" gets 3:00 pm and RM 80.
    for number, (part_foci, part_concepts, part_words) in enumerate(parts):
        top = max(best.sentences, key=lambda s: (s.part_scores[number], -s.position))
        if top.part_scores[number] < 1.0 and _names_only_subject(part_foci, part_concepts, part_words, best, concepts):
            # A part naming only the item's own subject ("is the food halal, and where can I get a beer?") asks
            # what the item is, as a question naming only its subject does: its opening line says it.
            top = best.sentences[0]
        elif top.part_scores[number] < 1.0:
            continue
        if top not in chosen and len(chosen) < MAX_SENTENCES_PER_ITEM + 1:
            chosen.append(top)
    spans = [s for s in best.sentences if _within_a_span(hours_asked, s.text)]
    all_day = hours_asked and any(_ALL_DAY.search(s.text) for s in chosen)
    if all_day and spans and not any(s in chosen for s in spans) and len(chosen) < MAX_SENTENCES_PER_ITEM + 1:
        # "Room service at 3am?" answered by "available 24 hours a day" gets the night menu's "11 pm to 6 am" too: the
        # span holding the hour says what is served then.
        chosen.append(spans[0])
    chosen.sort(key=lambda s: s.position)
    if _WHICH.search(question) and chosen[0].position > 0 and _PRONOUN_OPENING.match(chosen[0].text):
        # "Which room fits 5 people?" is answered by the room's name too: "It sleeps four adults …" alone says
        # what, not which; the item's opening line names it.
        chosen.insert(0, best.sentences[0])
    # A part of the question is answered when the best item speaks of it anywhere (or is about it).
    best_item_concepts = set(best.subject) | {n for s in best.sentences for n in s.concepts}
    # One part asked, one item: "a room with grab bars" is not also asking about the bar.
    # A situation told before the question ("our train leaves at 8pm, can we stay in the room?") is no part of
    # its own: the train is why the guest asks about late check-out, not a second question.
    several = len(question_pieces(question)) > 1 and not situation
    uncovered = topical - best_item_concepts if several else set()
    # A part whose subject another item is titled with is that item's to answer, though the best item mentions
    # it in passing: "when is check-out and how much is the deposit?" gets the check-out hour beside the
    # deposit, not the deposit's "released within 7 working days after check-out".
    # Only a part asking a fact of its own (when, how much, where) about nothing the best item is titled with:
    # "can I leave my suitcases after I check out?" asks about the luggage, not about check-out.
    # A part the best item answers in a line of its own is not another item's, though one is titled with it:
    # "deluxe king weekday price, and how much to add breakfast?" gets the room's "add RM 60 per person for
    # breakfast", not also the café's adult and child prices beside it.
    if several:
        uncovered |= {
            n
            for part_foci, part_concepts, _ in parts
            if {f.name for f in part_foci} & _OWN_FACT_FOCI
            and not part_concepts & best.subject
            and not _answers_part(best, part_foci, part_concepts)
            for n in part_concepts & topical
            if any(n in item.subject for item in others)
        }
        # A part asking a kind of fact the best item states nowhere is the item's that states it, on the same
        # subject: "how many can the family suite sleep, and what does an extra bed cost?" gets the suite's "sleeps
        # four adults" beside the rates' RM 90.
        uncovered |= {
            n
            for part_foci, part_concepts, _ in parts
            for wanted in [frozenset(f.name for f in part_foci) & _TELLING_FOCI]
            if wanted and not wanted & best.carries
            for n in part_concepts & topical
            if any(n in item.subject and wanted & item.carries for item in others)
        }
    comparison = is_comparison(question)
    if comparison:
        # Each side of a comparison is its own item's ("the family suite … than the deluxe king": the suite's
        # "king bedroom" does not answer for the Deluxe King Room). Sides that are who comes ("beza harga dewasa
        # dan kanak-kanak"), both priced by the best item, are not another item's because its title names kids.
        uncovered |= {
            n
            for n in topical - best.subject
            if any(n in item.subject for item in others) and not (concepts[n].person and n in best_item_concepts)
        }
    # Both sides of a comparison say the same kind of fact: the suite's 58 m² beside the room's 32 m², not the
    # room's rates; the spa's opening hour beside the kids club's.
    measures = {kind for s in chosen for kind in _measures(s.text)} if comparison else set()
    for item in others:
        # (or a comparison's other side, named by words of the question its title says and the first's does not:
        # "… than the deluxe king")
        other_side = comparison and bool(item.title_words - best.title_words)
        helpful = [s for s in item.sentences if s.concepts & uncovered or item.subject & uncovered or other_side]
        if measures:
            helpful = [s for s in helpful if measures & _measures(s.text)]
        its_parts = [number for number, (_, part_concepts, _) in enumerate(parts) if part_concepts & uncovered]
        # The kind of fact asked of what it is added for: the part's own ("can I bring my dog, and where can I park?"
        # asks a place of the parking only, and the pet rule answers the dog), or the question's for a part asking
        # nothing of its own ("what time does the pool open, and the spa?").
        wanted = frozenset(f.name for number in its_parts for f in parts[number][0]) or asked
        if wanted & _TELLING_FOCI and not comparison:
            # A second item answers a kind of fact the question asks for ("what time can we get the keys?": not the
            # lost key card's RM 50).
            helpful = [s for s in helpful if s.carries & wanted & _TELLING_FOCI]
        if not (uncovered or other_side) or not helpful:
            continue
        if its_parts:
            # The sentence answering the part it is added for, the item's first one at equal scores ("when is
            # check-out": the check-out hour, not the early check-in's price the other part's "how much" favours).
            added = max(helpful, key=lambda s: (max(s.part_scores[n] for n in its_parts), -s.position))
        else:
            added = max(
                helpful, key=lambda s: (len(s.carries & asked), len(s.concepts & uncovered), s.score, -s.position)
            )
        if (
            not comparison
            and added.position > 0
            and _PRONOUN_OPENING.match(added.text)
            and item.sentences[0] not in chosen
        ):
            # "It is open from 10:00 am" after the kids club's line would tell the kids club's hours: the item's
            # opening line names what "it" is ("when does the spa open and is the kids club free?"). A comparison
            # quotes the same kind of fact from each side, and its question names both.
            chosen.append(item.sentences[0])
        chosen.append(added)
        break  # one more item at most: a second fact, not a brochure
    quoted: list[_Sentence] = []
    total = 0
    for sentence in chosen:
        if total + len(sentence.text) > max_chars and quoted:
            break
        quoted.append(sentence)
        total += len(sentence.text) + 1
    return quoted


# A choice asked ("which room …?", "bilik mana …?") and a line that names its subject only by a pronoun.
_WHICH = re.compile(r"\bwhich\b|\bmana\b(?!-)", re.IGNORECASE)
_PRONOUN_OPENING = re.compile(r"(?:it|they|this|these|ia|ini)\b", re.IGNORECASE)


# The kinds of measure a fact states: a comparison's two sides state the same kind.
_MEASURES = {
    "area": re.compile(r"\d\s*(?:m²|sq\.? ?m|square met)", re.IGNORECASE),
    "price": _PRICE,
    "time": _TIME,
    "people": re.compile(rf"\b{_NUMBER} (?:adults?|guests?|people|persons?|children|orang)\b", re.IGNORECASE),
}


def _measures(text: str) -> frozenset[str]:
    return frozenset(kind for kind, pattern in _MEASURES.items() if pattern.search(text))


def _concept_weight(number: int, concepts: list[glossary.Concept], emphasised: set[int]) -> float:
    """A topical concept counts 1, a general one (price, room, time) 0.5, the variant asked for 1.5."""
    if number in emphasised:
        return 1.5
    return 0.5 if concepts[number].general else 1.0


def _names_only_subject(
    part_foci: tuple[_Focus, ...],
    part_concepts: frozenset[int],
    part_words: set[str],
    item: _Item,
    concepts: list[glossary.Concept],
) -> bool:
    """The part asks no fact of its own and says nothing but the item's subject and its concepts' words: "is the
    food halal" of the halal item; not "a changing mat we can use in the family suite" (a mat is no suite's word)."""
    if part_foci or not part_concepts & item.subject:
        return False
    said = {_stem(w) for n in part_concepts for phrase in concepts[n].phrases for w in phrase}
    return not part_words - said - set(_words(item.title)) - _GENERIC - _weak_words()


def _parts(
    question: str, concepts: list[glossary.Concept]
) -> list[tuple[tuple[_Focus, ...], frozenset[int], set[str]]]:
    """A question asking several things, part by part (its foci, concepts and words); none for one part."""
    pieces = question_pieces(question)
    if len(pieces) < 2:
        return []
    parts = []
    for piece in pieces:
        named = glossary.find(piece)
        numbers = frozenset(n for n, c in enumerate(concepts) if c in named)
        parts.append((_foci(piece), numbers, set(glossary.stems(sorted(_terms(_clock_words(piece)))))))
    return parts


# A place the question names by its name: "a shuttle to Genting?", "brp harga teksi ke Genting?"; where to
# (any question), or where from or at (a price or a distance asked: "how much is a car from KLIA?", "how far is
# the hotel from Batu Caves?"; a guest saying where they come from asks nothing of that place).
_DESTINATION = re.compile(r"\b(?:to|ke)\s+([A-Z][\w'-]+)")
_PLACE = re.compile(r"\b(?:to|from|ke|dari|at|di)\s+([A-Z][\w'-]+)")
_DISTANCE_ASKED = whole_words(
    "how far", "far from", "distance", "jauh", "jarak", r"how long (?:does it take|to get|to walk|to drive)"
)
# Days and months come after "from" and "to" too ("from Monday to Friday"): they are no places.
_NOT_PLACE = re.compile(
    r"jan(?:uary|uari)?|feb(?:ruary|ruari)?|mar(?:ch)?|mac|apr(?:il)?|may|mei|june?|jul(?:y|ai)?|aug(?:ust)?|ogos"
    r"|sept?(?:ember)?|oct(?:ober)?|okt(?:ober)?|nov(?:ember)?|dec(?:ember)?|dis(?:ember)?"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day|isnin|selasa|rabu|khamis|jumaat|sabtu|ahad",
    re.IGNORECASE,
)


@functools.cache
def _glossary_words() -> frozenset[str]:
    return frozenset(_stem(w) for c in glossary.concepts() for phrase in c.phrases for w in phrase)


# A ride or a ticket to somewhere, typed in lower case ("teksi ke batu caves", "shuttle to genting"): the word
# after "to" or "ke" names a place when it names no concept of the glossary (the airport, the pool, a room are ours).
# (A kind of the ride between it and the place: "shuttle percuma ke …", "transfer hotel dari …".)
_RIDE_KIND = r"(?:\s+(?:percuma|free|hotel|private|peribadi))?"
_RIDE_TO = re.compile(
    r"\b(?:shuttles?|taxis?|teksi|grab|transfers?|transport|buses|bus|bas|van|cars?|kereta|rides?|trips?|tickets?"
    r"|tiket|fares?|tambang|boats?|bot|ferry|feri|go|going|pergi|travel)" + _RIDE_KIND + r"\s+(?:to|ke)\s+"
    r"(?:the\s+)?([^\W\d_][\w'-]{2,})",
    re.IGNORECASE,
)
# A ride the hotel would run from somewhere ("transfers from Subang airport?", "shuttle percuma dari Pavilion?"): where
# it starts is what is asked, as where it goes is. Only a service's words: a guest travelling from home ("we fly from
# Perth") says where they come from, and asks nothing of that place.
_SERVICE_RIDES = "|".join(
    ("shuttles?", "taxis?", "teksi", "grab", "transfers?", "pemindahan", "pickups?", "pick-ups?", "rides?", "van")
    + ("cars?", "kereta", "pick (?:us |me |them )?up", "ambil (?:kami|saya)")
)
_RIDE_FROM = re.compile(
    rf"\b(?:{_SERVICE_RIDES}){_RIDE_KIND}\s+(?:from|dari)\s+(?:the\s+)?([^\W\d_][\w'-]{{2,}})", re.I
)
# Words after "to" or "from" that name no place: whose it is, or here and there.
_NO_PLACE = frozenset(
    str.split("our my your ur his her their this that these those here there home sini situ sana kami saya kita")
)


# Something around the hotel, not in it: only an item saying where (a walk, a station, next to) answers.
_NEARBY = re.compile(
    r"\b(?:nearby|near (?:the |ur |your |this )?hotel|around (?:here|the hotel)|berdekatan|dekat-dekat|sekitar)\b",
    re.IGNORECASE,
)
_PLACE_CARRIES = next(focus.carries for focus in FOCI if focus.name == "place")


def _names_elsewhere(question: str, item: _Item, *, price: bool) -> bool:
    """The question asks about going to a place the item never names (or the price of going from it, or of
    something at it): the item is about somewhere else. "Do you run a shuttle to Genting?" is not answered by
    the hotel's location, nor "how much is a taxi to Genting?" by the airport transfer's RM 180."""
    text = " ".join(s.text for s in item.sentences)
    said, said_words = text.lower(), set(_words(text))
    names = (_PLACE if price or _DISTANCE_ASKED.search(question) else _DESTINATION).findall(question)
    if any(name.lower() not in said for name in names if not _NOT_PLACE.fullmatch(name)):
        return True
    known = _named_words(question) | _GENERIC | said_words
    typed = {_stem(name) for name in _RIDE_TO.findall(question) if not _NOT_PLACE.fullmatch(name)}
    if typed - known - _NO_PLACE:
        return True
    # (Each word of the place read as the text is: "klia2" is written out "klia-klia" by the glossary.)
    return any(
        set(_words(name)) - known
        for name in _RIDE_FROM.findall(question)
        if not _NOT_PLACE.fullmatch(name) and name.lower() not in _NO_PLACE
    )


def _named_words(question: str) -> set[str]:
    """The words of the question that name one of the glossary's concepts there, where they stand: "batu" in
    "teksi ke batu caves" names none, though "batu panas" (a hot stone) is a phrase of the glossary."""
    return {_stem(w) for term in glossary.terms(glossary.normalise(question)) if term.concept for w in term.words}


# A question offering alternatives ("do I need my own swimsuit or are towels provided?", a comparison): the one the
# knowledge states answers it.
_ALTERNATIVES_ASKED = re.compile(r"\b(?:or|atau|vs|versus)\b|\bke\b.+\blagi\b", re.IGNORECASE)


# A length of time as a number and its unit: "90 minute", "60-minute", "30 minit", "2 hours", "3 jam". Joined by a
# bare hyphen it names a kind of the thing ("a 90-minute massage", "urut 1-jam").
_LENGTH = re.compile(r"\b(\d{1,3})(\s?-?\s?)(min(?:ute)?s?|minit|h(?:ou)?rs?|hours?|jam)\b", re.IGNORECASE)


def _lengths(text: str) -> set[int]:
    """The lengths of time a text counts, in minutes ("2 jam" is "120-minute")."""
    return {int(number) * (60 if unit.lower()[0] in "hj" else 1) for number, _, unit in _LENGTH.findall(text)}


def _other_length_priced(question: str, item: _Item) -> bool:
    """A price asked for a length of time the item prices only at another length: a 90-minute massage, or a 2-hour
    one, where the item states the 60-minute one's price. (A length the item never counts, "parking for 3 hours"
    against "RM 5 per hour", is no other length.)"""
    asked = _lengths(question)
    priced = set().union(*(_lengths(s.text) for s in item.sentences if _PRICE.search(s.text)))
    return bool(asked and priced) and not asked & priced


def _length_kinds(text: str) -> set[int]:
    """The lengths naming a kind of the thing (joined by a bare hyphen), in minutes."""
    return {
        int(number) * (60 if unit.lower()[0] in "hj" else 1)
        for number, joint, unit in _LENGTH.findall(text)
        if joint == "-"
    }


def _other_length_offered(question: str, item: _Item) -> bool:
    """A length of the thing asked ("can I book a 90-minute urut?") where the item offers it only at other lengths
    ("a 60-minute urut massage"): a variant it does not offer, priced or not. A 1-hour one is the 60-minute one."""
    asked = _length_kinds(question)
    offered = set().union(*(_length_kinds(s.text) for s in item.sentences))
    return bool(asked and offered) and not asked & offered


# "Is there a clinic …?", "ada klinik 24 jam?": the thing asked for is the word after the opening.
_THING_ASKED = re.compile(
    r"(?:^|[,.;!?])\W*(?:do you have|do you guys have|is there|are there|have you got|ada|adakah)\s+"
    r"(?:an?\s+|any\s+|some\s+|sebarang\s+)?([^\W\d_]+)",
    re.IGNORECASE,
)
# Words that open what is asked without naming it ("is there somewhere to pray?", "ada jual arak?", "adakah pihak
# hotel menyediakan …").
_NOT_A_THING = frozenset(
    str.split(
        """
    somewhere anywhere something anything place way good nice cheap free other more extra enough
    jual sediakan menyediakan disediakan pihak tak tidak ke apa tempat sesiapa orang perkhidmatan servis kemudahan
    khidmat nak boleh
    """
    )
)


def _asks_for_something_unsaid(question: str, item: _Item) -> bool:
    """The question asks whether there is a thing, and the answering item, which names none of its topics, never
    says it: "ada klinik 24 jam?" is not answered by room service's "24 hours". A thing the glossary knows as a
    topic of its own is said in any of its concept's words, in either language."""
    match = _THING_ASKED.search(question)
    if not match or item.names_topic:
        # An item naming a topic of the question answers it, whatever else the guest calls it ("dapur" for the
        # kitchens of the halal item).
        return False
    thing = match.group(1).lower()
    if thing in _NOT_A_THING or thing in _STOP or thing in _GENERIC:
        return False
    text = " ".join(s.text for s in item.sentences)
    known = glossary.find(thing)
    if any(c.general for c in known) or (not known and _stem(thing) in _glossary_words()):
        # A general word ("ada makanan apa …?": food, said by every menu in its own words), or a word of a longer
        # phrase ("air" of "air suam"): alone it says too little to judge.
        return False
    if known:
        return not _concepts_in(_words(f"{item.title} {text}"), known)
    said = f" {' '.join(_words(f'{item.title} {text}'))} "
    # A near word of the hotel vocabulary says it too: "is there a table?" of a room with a work desk.
    return _stem(thing) not in said.split() and not any(f" {p} " in said for p in unsaid.near_phrases(_stem(thing)))


def _detail_unstated(question: str, item: _Item, *, price: bool) -> bool:
    """The question asks a detail of the item's subject that the item does not state (assistant.unstated): a
    length it never measures, an amount where it states no price at all, a price for an age or a kind of person it
    prices for no one, or of a thing it names only in a line stating no price. Only of a question asking one thing:
    one asking two ("when does the pool open and how much is a massage?") keeps the answer to its other part."""
    if len(question_pieces(question)) > 1 or _ALTERNATIVES_ASKED.search(question):
        return False
    texts = [s.text for s in item.sentences]
    if unstated.dimension_unstated(question, texts) or unsaid.detail_unsaid(question, item.title, texts):
        return True

    return price and (
        unstated.who_unpriced(question, texts)
        or unstated.amount_unstated(question, texts)
        or unstated.thing_unpriced(question, item.title, texts)
    )


def _answers_part(item: _Item, part_foci: tuple[_Focus, ...], part_concepts: frozenset[int]) -> bool:
    """The item has a line naming the part's subject and stating the fact it asks for by its own question word: a
    price, a place, or an hour for "when" (a delay after it, "released within 7 working days after check-out",
    does not say when check-out is)."""
    asked = {f.name for f in part_foci}
    for sentence in item.sentences:
        if not sentence.concepts & part_concepts:
            continue
        if asked & {"price", "place"} & sentence.carries:
            return True
        if "time" in asked and "duration" not in asked and _CLOCK_TIME.search(sentence.text):
            return True
    return False


# The kinds of fact that tell one item from another ("how many people": the room that sleeps them, not its
# rates); "is there", "can I" are carried by nearly every item's wording.
_TELLING_FOCI = frozenset(
    ["price", "time", "duration", "place", "people", "list", "consequence", "how", "age", "size", "way"]
)


# The facts a part of a question asks for by its own question word (how much, when, where): "3 kids" in "2 adults
# and 3 kids, will we fit?" says who is coming, it asks nothing of its own.
_OWN_FACT_FOCI = frozenset(["price", "time", "place"])


def _answering_item(items: list[_Item], foci: tuple[_Focus, ...]) -> _Item:
    """The nearest item, unless its title is not about the question's subject and a farther one's is:
    "Is breakfast included in the room rate?" is answered by the breakfast item, not by the room rates
    that mention breakfast. Among the items titled so, the nearest carrying the kind of fact asked for
    ("bilik deluxe muat berapa orang?": the room that sleeps two adults, not its rates)."""
    nearest = items[0]
    asked = {focus.name for focus in foci} & _TELLING_FOCI
    if nearest.titled and (not asked or asked & nearest.carries):
        return nearest
    if nearest.titled:
        # "Family suite muat brp org?": the suite's rates and the suite are both titled so; the suite says how
        # many it sleeps. An item titled with less of the question (check-out times, for "can I leave my bags
        # after I check out?") is another subject, whatever it carries.
        same = [i for i in items if i.subject >= nearest.subject and i.title_words >= nearest.title_words]
        return next((item for item in same if asked & item.carries), nearest)
    titled = [item for item in items if item.titled]
    if not titled:
        return nearest
    return next((item for item in titled if asked & item.carries), titled[0])


# A line stating a thing of everything the hotel has: "All our kitchens …", "Free Wi-Fi throughout the hotel".
_HOTEL_WIDE = re.compile(r"^(?:all|every|semua|setiap)\b|\bthroughout the hotel\b|\bdi seluruh hotel\b", re.IGNORECASE)
# The subject a yes/no question names first: "is the breakfast buffet halal?", "can the airport van carry …?".
_SUBJECT_ASKED = re.compile(r"\b(?:is|are|can|could|does|do|will|would) the ((?:[\w-]+ ?){1,3})", re.IGNORECASE)


def _subject_item(
    question: str, concepts: list[glossary.Concept], topical: set[int], items: list[_Item], best: _Item
) -> _Item:
    """The item speaking of the subject the question names first, when the best one names none of it: "can the
    airport van carry a folded wheelchair?" is the transfer's to answer (or to leave unsaid), not the accessible
    room's, which says the wheelchair; "is the breakfast buffet halal?" the halal item's, not the buffet's dishes."""
    match = _SUBJECT_ASKED.search(question)
    if not match or any(_HOTEL_WIDE.search(s.text) and s.concepts & topical for s in best.sentences):
        # "Is the room service food halal?" is answered by "all our kitchens are halal": a line saying it of
        # everything the hotel has says it of the subject too.
        return best
    lacking = _concepts_in(_words(match.group(1)), concepts) & topical - best.subject
    # What the best item's lines never say either ("a buffet" is said by the breakfast's dishes): an item titled
    # with it answers, as one titled with all the subject does (a line may name a concept in passing: "grab
    # rails" is no Grab ride).
    unsaid_too = lacking - {n for s in best.sentences for n in s.concepts}
    return next(
        (
            item
            for item in items
            if item is not best and lacking and (lacking <= item.subject or unsaid_too and unsaid_too <= item.subject)
        ),
        best,
    )


_NUMBER_WORDS = {
    word: value
    for value, words in enumerate(
        (
            (),
            ("one", "satu", "seorang"),
            ("two", "dua", "berdua"),
            ("three", "tiga", "bertiga"),
            ("four", "empat", "berempat"),
            ("five", "lima", "berlima"),
            ("six", "enam", "berenam"),
            ("seven", "tujuh"),
            ("eight", "lapan"),
            ("nine", "sembilan"),
            ("ten", "sepuluh"),
        )
    )
    for word in words
}
_COUNT = r"(\d{1,2}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
# People counted: "four adults", "3 kids", "5 orang", "2 dewasa"; a party stating its size: "we are 4", "6 of us".
_HEADS = re.compile(
    _COUNT + r"\s+(?:adults?|people|persons?|guests?|pax|child(?:ren)?|kids?|orang|dewasa|tetamu|kanak-kanak"
    r"|budak(?:-budak)?|anak)\b",
    re.IGNORECASE,
)
_PARTY = re.compile(
    r"\b(?:we are|we're|we r|kami|party of|family of|group of)\s+" + _COUNT + r"\b|\b" + _COUNT + r" of us\b",
    re.IGNORECASE,
)
# The alternatives of a room's capacity: "sleeps four adults or two adults and three children".
_ALTERNATIVES = re.compile(r"\bor\b|\batau\b|;")


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word.lower(), 0)


def _party_size(question: str) -> int:
    """How many people the guest says are coming ("we are 4 adults", "2 adults and 3 kids", "muat 5 orang"),
    or 0."""
    counted = sum(_count(m.group(1)) for m in _HEADS.finditer(question))
    return counted or max((_count(n) for m in _PARTY.finditer(question) for n in m.groups() if n), default=0)


def _capacity(text: str) -> int:
    """The most people a sentence says something takes: the larger of its alternatives, each summed ("four
    adults or two adults and three children": 5), or 0."""
    return max(
        (sum(_count(m.group(1)) for m in _HEADS.finditer(part)) for part in _ALTERNATIVES.split(text)), default=0
    )


def _fitting_item(question: str, items: list[_Item], best: _Item) -> _Item:
    """For a party that says its size ("we are 4 adults, one room?"), the item whose stated capacity takes it
    when the answering one's does not: a receptionist offers the suite that sleeps four, not the room that
    sleeps two."""
    size = _party_size(question)
    capacity = {id(item): max((_capacity(s.text) for s in item.sentences if "people" in s.carries), default=0)
                for item in items}  # fmt: skip
    if not size or not capacity[id(best)] or capacity[id(best)] >= size:
        return best
    return next((item for item in items if capacity[id(item)] >= size and item.on_subject), best)


def _from_best_item(
    sentences: list[_Sentence],
    *,
    follow_on: bool,
    rule_first: bool = False,
    policy: bool = False,
    one_price: bool = False,
    topical: frozenset[int] = frozenset(),
    paying: frozenset[int] = frozenset(),
) -> list[_Sentence]:
    """The item's best sentence (its opening one when none speaks of the question), and a second
    one when it scores as well, or carries a kind of fact the question asks for that the first does not
    ("where do I park and is it free?": the place, then the price), or when the question asks what there
    is or how to do it and the best one only opens the item, or when it asks whether something is
    allowed and the best one is not the item's opening rule: in the item's own order."""
    # At equal scores, the sentence naming the question's concept beats one that only repeats its words.
    best = max(sentences, key=lambda s: (s.score, s.concept_weight, -s.position))
    if best.score == 0 or (follow_on and best.topicality == 0 and best.carries <= {"existence"}):
        # Nothing of the question said, or only that something is "available" ("do you have family rooms?" is not
        # answered by "baby cots are available"): the opening line describes what the item is about.
        best = sentences[0]
    if one_price and "price" in best.carries:
        # The item's first price is its general rule ("guests pay RM 15 per night"); a later one (valet)
        # answers only when it says a whole word more of the question. How the question asks the price ("kena
        # bayar brp") is said by every price line in one word or another ("membayar", "berharga"): not a word more.
        def said(s: _Sentence) -> float:
            return s.score - s.subject_echo - 0.5 * len(s.concepts & paying)

        best = next(s for s in sentences if "price" in s.carries and said(s) > said(best) - 1.0)
    keep = [best]
    if follow_on and best.position == 0 and len(sentences) > 1:
        # The line after the opening one, unless a later one says more of the question ("Nak buat urutan, ada
        # spa?": the urut massage's price, not the opening hours).
        return [best, max(sentences[1:], key=lambda s: (s.topicality, -s.position))]
    if rule_first and best.position != 0 and "permission" in sentences[0].carries:
        return [sentences[0], best]
    if policy and best.position != 0:
        # "What's your refund policy?" asks for the rule itself: the item's opening rule, then the line naming more.
        return [sentences[0], best]
    runners = sorted((s for s in sentences if s is not best), key=lambda s: (-s.score, s.position))
    if one_price and _PRICE.search(best.text):
        # "How much is parking?" gets the guests' rate, in the item's order the general rule, and not also
        # the special case after it (valet), unless that one answers better. Then the general rule stays beside
        # it when it says a word of the question too ("weekday price incl tax?": the weekday rate, the taxes).
        general = next(s for s in sentences if _PRICE.search(s.text))
        runners = [s for s in runners if not _PRICE.search(s.text)]
        if general is not best and general.topicality >= 1.0:
            keep.append(general)
    elif one_price and "price" in best.carries:
        # "Free of charge on the day" answers "how much to keep our bags 3 days?" with the price beyond it.
        keep += [s for s in runners if _PRICE.search(s.text)][:1]
    # A line naming a topic of the question the best one does not comes next ("is the pool open when it rains?":
    # the hours, then "the pool closes during thunderstorms"; "promo rate can refund?": "non-refundable promotional
    # rates …").
    keep += [s for s in runners if (s.concepts - best.concepts) & topical and s not in keep][: 2 - len(keep)]
    missing = {name for s in sentences for name in s.carries} - best.carries
    for sentence in runners:
        if len(keep) >= MAX_SENTENCES_PER_ITEM:
            break
        # As good, or saying as much of the question's own words and concepts as the best one (the rule
        # and its consequence: "no smoking in the rooms", "a RM 500 cleaning charge if a guest smokes in the
        # room"), or carrying a kind of fact asked for that the best one does not.
        relevant = sentence.topicality >= max(1.5, best.topicality)
        if sentence.score >= max(1.0, best.score - 0.5) or relevant or (sentence.carries & missing):
            keep.append(sentence)
    return sorted(keep, key=lambda s: s.position)


# The rules asked for as such: "what's your refund policy?", "polisi pembatalan?", "apa peraturan …".
_POLICY_QUESTION = re.compile(r"\b(?:polic(?:y|ies)|rules|terms|polisi|peraturan|syarat)\b", re.IGNORECASE)


# A question answered yes or no ("can I pay by Amex?", "boleh bayar guna Mastercard?", "deposit tunai ok tak?");
# not one asking what, where, when or how much, nor one asking two things or comparing.
_YES_NO_OPENING = re.compile(
    r"^\W*(?:(?:hi|hello|hai|helo)\W+)?(?:can|could|may|do|does|is|are|will|would|boleh\w*|blh|adakah|ada|terima)\b",
    re.IGNORECASE,
)
_YES_NO_ENDING = re.compile(r"\b(?:tak|x|ke|kah|tidak|ok|okay)\W*$", re.IGNORECASE)
_WH = re.compile(
    r"\b(?:what|where|when|which|how|who|why|berapa|brp|bila|mana|apa|bagaimana|pukul|kul)\b", re.IGNORECASE
)
# A rule forbidding without an exception answers "no"; a sentence saying no, not or none at all is left as it is
# (it may answer either way: "is breakfast included?" - "RM 65 when not included").
_FORBIDS = re.compile(r"\b(?:not allowed|not permitted|may not be|tidak dibenarkan|dilarang)\b", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(?:not?|none|cannot|can't|never|non-\w+|without|except\w*|unless|tidak|tak|bukan|dilarang|larangan"
    r"|kecuali|tanpa)\b",
    re.IGNORECASE,
)


# Whether something costs ("is there a charge?", "is it free?", "ada caj?"); not paying by a means ("can I pay by …").
_PRICE_QUESTION = re.compile(
    r"\b(?:how much|charges?|charged|free|costs?|fees?|extra|prices?|rates?|percuma|caj|kos|harga|berapa|brp"
    # "kids club bayar ke?", "do we pay for the kids club?": a yes would say it costs ("… free of charge")
    r"|(?:pay|paid|bayar|dibayar)(?! (?:by|with|using|via|guna|dengan|dgn|pakai|menggunakan|melalui)\b))\b",
    re.IGNORECASE,
)
_EITHER_OR_OR_NEGATED = re.compile(
    r"\b(?:or|atau|without|tanpa|not|never|don't|doesn't|isn't|aren't|tidak|bukan)\b", re.IGNORECASE
)


def _yes_or_no(question: str, quoted: list[_Sentence]) -> str:
    """ "yes" when the quoted fact says what the yes/no question names ("we accept … American Express"), "no"
    when it forbids it outright ("pets are not allowed"), else "" (the facts alone: the guest reads them)."""
    if not quoted or _WH.search(question) or is_comparison(question) or len(question_pieces(question)) > 1:
        return ""
    if not (_YES_NO_OPENING.search(question) or _YES_NO_ENDING.search(question)):
        return ""
    hours = _hours(question)
    if hours and any(_SPAN.search(s.text) for s in quoted) and not any(_hour_held(hours, s.text) for s in quoted):
        # "Is the kids club open at 8pm?" against "from 9:00 am to 6:00 pm": the hours quoted do not hold the hour
        # asked, so the line naming the club is no yes; the hours answer.
        return ""
    first = quoted[0].text
    if _FORBIDS.search(first) and not re.search(r"\b(?:except\w*|unless|kecuali)\b", first, re.IGNORECASE):
        return "no"
    if _EITHER_OR_OR_NEGATED.search(question) or _PRICE_QUESTION.search(question):
        # "cash or only cards?", "can the kids swim without an adult?", "is there a charge to store bags?" (the
        # line may say "free of charge"): a bare yes would mislead, the facts answer.
        return ""
    # What is asked about comes last ("does the deluxe king have a bathtub?", "boleh bayar guna Mastercard?"):
    # the fact must say that word, not only the subject's ("deluxe king").
    named = set(glossary.stems(sorted(_terms(_YES_NO_ENDING.sub("", question))))) - _GENERIC - _weak_words()
    asked_last = next((w for w in reversed(_words(_YES_NO_ENDING.sub("", question))) if w in named), "")
    # Only a name the fact lists says yes: a brand, a network, a service ("DuitNow", "Mastercard"). A
    # common word that the line also uses ("can my visitors stay late?" against "visitors must leave by
    # 10:00 pm … late") would make a yes the line does not give: there the facts answer alone.
    named_in_fact = {word for s in quoted for word in _words(" ".join(_NAME_IN_SENTENCE.findall(s.text)))}
    if asked_last and asked_last in named_in_fact and not any(_NEGATION.search(s.text) for s in quoted):
        # … and every topic of the question is spoken of: "halal food at the Sky Bar?" is not answered yes by
        # "alcohol is served only at the Sky Bar".
        topics = [c for c in glossary.find(question) if not c.general and not c.person]
        quoted_words = _words(" ".join(s.text for s in quoted))
        return "yes" if len(_concepts_in(quoted_words, topics)) == len(topics) else ""
    return ""


# A capitalised word inside a sentence (not its first word): the names a fact lists.
_NAME_IN_SENTENCE = re.compile(r"(?<=[\w,;:'(]\s)[A-Z][\w'’-]*")


def compose(request: ChatRequest) -> str:
    t = TEMPLATES.get(request.language, TEMPLATES["en"])
    if request.mode == AiMode.HANDOFF:
        # A guest who asked for a person, or is upset, gets the person: no knowledge snippet first.
        return t["handoff_waiting" if request.waiting else "handoff"]
    if request.parts:
        return _compose_parts(request, t)
    question = without_setting(request.question)  # what the guest does meanwhile is no part of the question
    quoted = _grounded(question, request.hits, unnamed=request.unnamed) if request.hits else []
    facts = " ".join(s.text for s in quoted)
    answer = t["answer"]
    # Said in Malay only when every quoted line is the hotel's own Malay (the answering item may not be
    # the nearest one); an English guest quoted a Malay-only item is told so as well.
    if facts and request.language == "ms" and any(s.language != "ms" for s in quoted):
        answer = t["english_only"]
    elif facts and request.language == "en" and all(s.language == "ms" for s in quoted):
        answer = t["malay_only"]
    verdict = _yes_or_no(question, quoted)
    if verdict:
        answer = f"{t[verdict]} {answer}"
    if facts and unsaid.other_kind_asked(glossary.normalise(question), [s.text for s in quoted]):
        # "Does the room have a bathtub?" against its rain shower: what we know, said to be no more than that.
        answer = t["other_kind_english_only" if answer == t.get("english_only") else "other_kind"]
    if request.mode == AiMode.LEAD_CAPTURE:
        # A price is an answer, not a form: the fact alone. The one line inviting the booking is the
        # lead step's next question (leads/turn.py), so the guest never gets two questions at once.
        return answer.format(facts=facts) if facts else t["lead"]
    return answer.format(facts=facts) if facts else t["unknown"]


# A message asking several things, answered part by part (e33): the opening, and what no item answers, said once.
_PARTS_TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "answer": "Here's what I can tell you:",
        "malay_only": "Here's what I can tell you (some details the hotel wrote in Malay only):",
        "unknown": (
            "I don't have confirmed information about {asked}, so I won't guess; our team will confirm it for you."
        ),
        # The guest is giving booking details: what we cannot answer goes to the team with the enquiry, said without
        # turning the guest away (the single question's rule in lead capture: `t["lead"]`, never "I won't guess").
        "unknown_lead": "Our team will confirm {asked} for you with your enquiry.",
    },
    "ms": {
        "answer": "Berikut maklumat yang saya ada:",
        "english_only": "Berikut maklumat yang saya ada (sebahagian butiran hanya ada dalam bahasa Inggeris):",
        "unknown": (
            "Saya tiada maklumat yang disahkan tentang {asked}, jadi saya tidak mahu meneka; pasukan kami akan "
            "mengesahkannya untuk anda."
        ),
        "unknown_lead": "Pasukan kami akan mengesahkan {asked} untuk anda bersama permintaan anda.",
    },
}


def _compose_parts(request: ChatRequest, t: dict[str, str]) -> str:
    """One line a part, in the order asked, each from the items found for that part alone (the answer rules of a
    single question, `_grounded`, unchanged); a line already given is not repeated; the parts nothing answers,
    named in the guest's own words, in one closing line."""
    p = _PARTS_TEMPLATES.get(request.language, _PARTS_TEMPLATES["en"])
    lines: list[str] = []
    quoted: list[_Sentence] = []
    unknown: list[str] = []
    for part in request.parts:
        question = without_setting(part.question)
        found = _grounded(question, part.hits, unnamed=part.unnamed) if part.hits else []
        new = [s for s in found if s.text not in {q.text for q in quoted}]
        if found and unsaid.other_kind_asked(glossary.normalise(question), [s.text for s in found]):
            unknown.append(part.asked)  # "a bathtub?" beside the rain shower: what we know, and the rest to confirm
        elif not found:
            unknown.append(part.asked)
        if new:
            verdict = _yes_or_no(question, new)
            # "It sleeps four adults" on a line of its own says which room by its item's name.
            named = [f"{_title_of(new[0], part.hits)}:"] if _PRONOUN_OPENING.match(new[0].text) else []
            lines.append(" ".join(([t[verdict]] if verdict else []) + named + [s.text for s in new]))
            quoted += new
    if not lines:
        return t["lead"] if request.mode == AiMode.LEAD_CAPTURE else t["unknown"]
    opening = p["answer"]
    if request.language == "ms" and any(s.language != "ms" for s in quoted):
        opening = p["english_only"]
    elif request.language == "en" and any(s.language == "ms" for s in quoted):
        opening = p["malay_only"]
    closing = []
    if unknown:
        asked = " / ".join(f'"{a.strip().rstrip("?.! ")}"' for a in unknown)
        closing = [p["unknown_lead" if request.mode == AiMode.LEAD_CAPTURE else "unknown"].format(asked=asked)]
    return "\n\n".join([opening, *lines, *closing])


def _title_of(sentence: _Sentence, hits: tuple[Hit, ...]) -> str:
    return [title for title, _ in _sentences_of(hits)][sentence.item_rank]


class OfflineProvider:
    name = "offline"

    def stream(self, request: ChatRequest, on_token: TokenSink) -> ChatResult:
        text = compose(request)
        # Word by word, so the widget shows the same stream whichever provider answered.
        for piece in re.findall(r"\S+\s*", text):
            on_token(piece)
        return ChatResult(text=text, provider=self.name, model="templates", extra={"grounded": bool(request.hits)})
