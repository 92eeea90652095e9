"""Offline, rule-based lead extraction from a whole conversation, in English and Bahasa Malaysia.

`extract(messages, ctx)` reads the guest's messages in order and returns the validated fields
(`schema.ExtractedLead`), what the validators rejected, and the signals the rubric needs
(intent keyword hits, explicit booking words, ambiguities that lower confidence).

Later messages win: a guest who corrects a date or a phone number is believed the second time.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from assistant.language import ENGLISH_WORDS, MALAY_WORDS
from leads.services.dates import (
    MONTHS,
    MOVING_HOLIDAY_NAMES,
    NOT_A_HOLIDAY_BEFORE,
    DateMention,
    day_after,
    find_dates,
    month_named,
    other_occasion_dates,
)
from leads.services.family import (
    KIN_RE,
    LABELLED_PAIR_RE,
    PARENT_AND_CHILD_RE,
    SPOUSE_AND_GUEST_RE,
    children_by_ages,
    family_children,
    us_before_children,
)
from leads.services.names import CHATTER, CONTACT_WORDS, PLACES, clauses, restates_name, without_chatter
from leads.services.party import (
    FAMILY_SIZE_RE,
    NO_CHILDREN_RE,
    NOT_ALL_ADULTS_RE,
    UNCOUNTED_CHILDREN_RE,
    childs_kin,
    couples,
    joining_adults,
    named_adults,
    without_joining,
)
from leads.services.schema import ExtractedLead, ExtractionContext, RoomOption, validate_fields


@dataclass(frozen=True)
class GuestText:
    """One guest message: its text and, when known, when it was written (relative dates count from then)."""

    text: str
    sent_at: dt.datetime | None = None


@dataclass
class Signals:
    intent_hits: dict[str, int] = field(default_factory=dict)
    booking_words: list[str] = field(default_factory=list)
    ambiguities: list[str] = field(default_factory=list)
    # What the guest spoke of without saying how many ("the kids", "a family of 4"): the lead step asks once.
    unclear: list[str] = field(default_factory=list)


@dataclass
class ExtractionResult:
    fields: ExtractedLead
    rejected: dict[str, str]
    signals: Signals
    source: str = "rules"  # rules | llm+rules (leads.services.reading)
    confidence: float | None = None  # the model's own confidence in its reading, when a model read it

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "model_confidence": self.confidence,
            "fields": self.fields.model_dump(mode="json"),
            "rejected": self.rejected,
            "intent_hits": self.signals.intent_hits,
            "booking_words": self.signals.booking_words,
            "ambiguities": self.signals.ambiguities,
            "unclear": self.signals.unclear,
        }


NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "hundred": 100, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6,
    "tujuh": 7, "lapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11, "seratus": 100, "seorang": 1, "sorang": 1,
}  # fmt: skip
NUM = r"(\d{1,4}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"


# Without "a"/"an": "I was a guest here last year" is not a party of one.
NUM_COUNT = r"(\d{1,4}|" + "|".join(sorted(set(NUMBER_WORDS) - {"a", "an"}, key=len, reverse=True)) + r")"


def number_value(token: str) -> int:
    """A count as the guest wrote it: digits or a number word (English or Malay)."""
    return int(token) if token.isdigit() else NUMBER_WORDS[token.lower()]


_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "lapan": 8, "sembilan": 9,
}  # fmt: skip
_TEENS_TENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "sepuluh": 10, "sebelas": 11,
}  # fmt: skip
_NUMBER_TOKENS = [*_UNITS, *_TEENS_TENS, "belas", "puluh", "ratus", "seratus", "hundred", "and"]
_NUMBER_SPAN = re.compile(
    r"\b(?:"
    + "|".join(sorted(_NUMBER_TOKENS, key=len, reverse=True))
    + r")(?:[ \t-]+(?:"
    + "|".join(sorted(_NUMBER_TOKENS, key=len, reverse=True))
    + r"))*\b"
)
# "kanak2", "budak2": Malay written on a phone doubles a word with a "2" (kanak-kanak, budak-budak).
_REDUPLICATED = re.compile(r"\b([a-z]{3,})2\b")


def _spelled_number(tokens: list[str]) -> int | None:
    """ "dua puluh lima", "two hundred and fifty", "dua belas" as a number; None when the words do not make one
    ("dua tiga" is Malay for "a few", not 23)."""
    total, current, last = 0, 0, ""
    for token in tokens:
        if token in _UNITS:
            if last in _UNITS or last in ("belas", "sebelas") or (current % 10 and last in _TEENS_TENS):
                return None
            current += _UNITS[token]
        elif token in _TEENS_TENS:
            if current % 100:
                return None
            current += _TEENS_TENS[token]
        elif token == "belas" and last in _UNITS:
            current += 10
        elif token == "puluh" and last in _UNITS:
            current += _UNITS[last] * 9  # "dua puluh": the 2 just added becomes 20
        elif token in ("ratus", "hundred") and last in _UNITS | {"": 0} and current:
            total, current = total + current * 100, 0
        elif token == "seratus" and not current:
            total += 100
        elif token == "and" and last in ("hundred", "ratus", "seratus"):
            pass
        else:
            return None
        last = token
    return total + current if last != "and" else None


def counting_text(lowered: str) -> str:
    """Lower-case guest text with counts as digits: "kanak2" is "kanak-kanak", "dua puluh orang" is "20 orang".

    A single number word the patterns already know ("dua", "a") stays a word: "a" counts only where it may."""

    def digits(match: re.Match[str]) -> str:
        span = match.group(0)
        tokens = re.split(r"[ \t-]+", span)
        while tokens and tokens[-1] == "and":
            tokens.pop()
        if not tokens or (len(tokens) == 1 and tokens[0] in NUMBER_WORDS):
            return span
        value = _spelled_number(tokens)
        if value is None:
            return span
        return str(value) + (" and" if span.rstrip().endswith(" and") else "")

    lowered = re.sub(r"\ba hundred\b", "one hundred", _REDUPLICATED.sub(r"\1-\1", lowered))
    return _NUMBER_SPAN.sub(digits, lowered)


NIGHTS_RE = re.compile(rf"(?<!\bjam )(?<!\bpukul )(?<!\bpkl )(?<!\bat )\b{NUM}\s*-?\s*(?:nights?|nite|malam|mlm)\b")
# The stay's end said from its start: "leaving 3 days later", "check out 2 days after that", "keluar 2 hari lepas tu".
DAYS_LATER_RE = re.compile(
    r"\b(?:leav\w*|check(?:ing)?[\s-]?out|depart\w*|go(?:ing)? home|keluar|balik|pulang|bertolak)\b[^.?!\n\d]{0,15}?"
    rf"\b{NUM}\s*(?:days?|hari)\s+(?:later|after(?:\s+that|wards)?|from then|lepas(?:\s+(?:tu|itu))?"
    r"|selepas(?:\s+itu)?|kemudian)\b"
)
TONIGHT_RE = re.compile(r"\b(?:(?:for|untuk|utk) )?(?:tonight|malam ini|malam ni|mlm ni|mlm ini)\b")
# A package's length: "2D1N", "3 hari 2 malam", and its Malay short form "4H3M".
DAYS_NIGHTS_RE = re.compile(r"\b\d\s*d\s*(\d)\s*n\b|\b\d\s*hari\s*(\d)\s*malam\b|\b\d\s*h\s*(\d)\s*m\b")
# A stay in weeks: "a week", "two weeks", "dua minggu", "a fortnight"; not when the weeks say when ("in 2 weeks",
# "dalam 2 minggu", "2 minggu lagi", "minggu depan").
WEEK_RE = re.compile(
    r"(?<!\bin )(?<!\bdalam )(?<!\bafter )(?<!\blepas )(?<!\bselepas )"
    rf"\b(?:{NUM}\s*(?:weeks?|minggu)\b(?!\s+(?:lagi|ago|before|earlier|lalu|sebelum|from now|in advance)|['’]\s*time)"
    r"|(?P<one>seminggu)\b|(?P<two>(?:a\s+)?fortnight))"
)


def week_nights(match: re.Match[str]) -> int:
    """The nights of a stay said in weeks (WEEK_RE's match)."""
    if match.group("one"):
        return 7
    if match.group("two"):
        return 14
    return 7 * number_value(match.group(1))


ADULTS_RE = re.compile(rf"\b{NUM}\s*(?:adults?|grown[- ]?ups?|dewasa|orang dewasa|org dewasa|pax dewasa|dws|dw)\b")
# "2A1C", "2a 1c", "2A+1C", "4A2K": adults and children (or kids) as a travel agent writes them.
AGENT_PARTY_RE = re.compile(r"\b(\d{1,2})\s*a\s*\+?\s*(\d{1,2})\s*[ck]\b")
# "a room for 2+1", "kami 2+2": the adults plus the children, as Malaysians book a family (not "2 + 1 adults"); also
# said on its own, opening any message or after a full stop or a comma ("… 10 to 12 July. 2+2", "2+1 ya"), or after the
# room it is for ("bilik keluarga 2+1", "family suite 2+2").
PLUS_PARTY_RE = re.compile(
    r"(?m)(?:\b(?:for|untuk|utk|of|we're|we are|kami)\s+|^[ \t]*|[.,;:!?][ \t]+"
    r"|\b(?:room|suite|bilik|keluarga|family|twin|king|queen|deluxe)\s+)(\d)\s*\+\s*(\d)\b"
    r"(?!\s*(?:\+|\d|adults?|dewasa|dws|org\b|orang))"
)
# The adults counted without their label and the children after them: "a room for 2 plus a baby", "untuk 2 orang dan
# seorang budak", or a reply that opens with the count, "2 and 1 kid", "3 + 2 kanak-kanak".
ADULTS_BEFORE_CHILDREN_RE = re.compile(
    rf"(?:\b(?:for|untuk|utk)\s+|^[ \t]*){NUM_COUNT}\s*(?:orang\s+|org\s+|pax\s+|people\s+)?(?:,|and|&|\+|plus|with|dan"
    rf"|dengan|dgn)\s*(?:a|an|{NUM_COUNT})\s*(?:orang\s+|org\s+)?(?:(?:young|little|small)\s+)?(?:kids?|children|child"
    r"|bab(?:y|ies)|toddlers?|infants?|anak|budak|kanak(?:-kanak)?|bayi)\b",
    re.MULTILINE,
)
# "me + 3 friends", "saya dan 4 kawan": the guest and the others they name.
AND_OTHERS_RE = re.compile(
    rf"\b(?:me|myself|i|saya|sy|aku)\s*(?:\+|and|plus|&|dan|dengan|dgn|with)\s*{NUM_COUNT}\s*"
    r"(?:friends?|others?|colleagues?|mates?|buddies|kawan(?:-kawan)?|rakan(?:-rakan)?|member)\b"
)
# "a baby cot", "2 kids' meals": a thing for a child, not a count of children.
CHILDREN_RE = re.compile(  # a count and its children in one message ("… 2027" then "anak … ikut" are none)
    rf"\b{NUM}[ \t]*(?:orang\s+|org\s+)?(?:(?:young|little|small|school-going|school-age|school-aged)\s+)?"
    r"(?:children|child|kids?|kanak(?:[- ]kanak)?|budak|bdk|anak|ank|babies|baby|bby|bayi|toddlers?|infants?|teens"
    r"|teenagers?|remaja|cucu)\b"
    r"(?!['’]?\s*(?:cots?|cribs?|chairs?|seats?|beds?|food|meals?|menus?|bath|sitters?|sitting|club|pool|strollers?"
    r"|prams?|monitors?|set|katil|showers?))"
)
# The children counted among a party already given: "a family of 5, 3 of them kids", "2 of us are children".
CHILDREN_AMONG_RE = re.compile(
    rf"\b{NUM_COUNT}\s+(?:of\s+(?:them|whom|us)|daripadanya|daripada\s+(?:mereka|kami))\s+(?:are\s+|is\s+|adalah\s+)?"
    r"(?:kids|children|kanak-kanak|budak|anak-anak|teenagers|babies|toddlers)\b"
)
# The children first and their count after, in Malay: "anak kami seorang pun ikut", "anak-anak nak ikut, 2 orang",
# "budak-budak bertiga".
_CHILD_WORDS = r"(?:anak|budak|kanak)(?:-(?:anak|budak|kanak))?"
# The child whose birthday is celebrated ("majlis hari jadi anak, 40 orang") is the occasion, and the count its guests.
CHILDREN_AFTER_RE = re.compile(
    rf"(?<!jadi\s)(?<!birthday\s)(?<!tahun\s)\b{_CHILD_WORDS}(?:\s+(?:lelaki|perempuan|kecil|kembar))?(?:\s+(?:kami|saya|sy|aku))?(?:\s+(?:nak|pun|akan|juga|jugak|yang))*(?:\s+ikut)?[\s,]+"
    rf"(?:{NUM_COUNT}\s*(?:orang|org)|(seorang|sorang|berdua|bertiga|berempat|berlima))\b"
)
_IN_COMPANY = {"seorang": 1, "sorang": 1, "berdua": 2, "bertiga": 3, "berempat": 4, "berlima": 5}


# "2 kanak-kanak (umur 4 & 7) + 1 bayi": the children's ages in brackets between two counts join them all the same.
_CHILDREN_JOINED = re.compile(
    r"\s*(?:\([^()\n]{0,30}\)\s*)?(?:,|&|\+|\band\b|\bplus\b|\bdan\b|\bserta\b)\s*(?:also\s+|juga\s+)?"
)


def joined_children(text: str) -> int | None:
    """ "2 kids and a baby", "2 budak dan sorang baby": the counts of the last children said one after the other add
    up; None unless the last count of children is such a list."""
    matches = list(CHILDREN_RE.finditer(text))
    group: list[re.Match[str]] = []
    for match in matches:
        joined = group and _CHILDREN_JOINED.fullmatch(text[group[-1].end() : match.start()])
        group = [*group, match] if joined else [match]
    if len(group) < 2:
        return None
    return sum(number_value(next(g for g in m.groups() if g)) for m in group)


def children_after(text: str) -> int | None:
    """The last count said after the children ("anak kami seorang"), in counting text."""
    found = None
    for match in CHILDREN_AFTER_RE.finditer(text):
        found = number_value(match.group(1)) if match.group(1) else _IN_COMPANY[match.group(2)]
    return found


# A form typed into a chat: "Dewasa: 2, Kanak-kanak: 1", "adults = 2".
# The colon may be left out ("dewasa 2, kanak2 1"), not before a unit ("anak 5 tahun" is an age) nor before the
# next kind of guest ("3 dewasa 1 bayi": the 1 is the baby's).
_UNIT_AFTER = r"(?!\s*(?:nights?|malam|mlm|rooms?|bilik|days?|hari|tahun|thn|years?|yrs?|y/?o|bulan|months?))"
_LABELLED_COUNT = (
    rf"(?:\s*[:=]\s*(\d{{1,3}})\b{_UNIT_AFTER}|\s+(\d{{1,3}})\b{_UNIT_AFTER}(?!\s*[-–/])"
    r"(?!\s+(?:to|till|until|hingga|sehingga|sampai)\s+\d)"
    r"(?!\s*(?:orang\s+|org\s+)?(?:anak|kanak|budak|bayi|bab(?:y|ies)|kids?|child|children|infants?|toddlers?|dewasa"
    r"|adults?|teens?|teenagers?|remaja)))"
)
# A label is not the word after a count ("4 adults 5-7 Feb", "2 orang dewasa 3 hingga 5 April": the 3 is a date's).
ADULTS_LABEL_RE = re.compile(rf"(?<!\d)(?<!\d )\b(?:adults?|dewasa){_LABELLED_COUNT}")
CHILDREN_LABEL_RE = re.compile(rf"(?<!\d)(?<!\d )\b(?:children|child|kids?|kanak[- ]kanak|budak|anak){_LABELLED_COUNT}")
# "saya, isteri dan anak", "me, my wife and our son": a child named without a count, one or more.
A_CHILD_NAMED_RE = re.compile(
    r"(?:,|&|\+|\band|\bdan|\bdgn|\bdengan|\bwith|\bplus)\s+(?:our\s+|my\s+|the\s+)?"
    r"(?:anak|budak|cucu|son|daughter|kid|child|baby|bayi)\b(?!\s*(?:\d|saya\s+\d))"
)
# The one adult a guest travels with: "me and my wife", "my mother and me", "with my colleague".
_COMPANION = (
    r"(?:wife|husband|hubby|partner|fianc[eé]e?|girlfriend|boyfriend|spouse|mother|mum|mom|father|dad|sister|brother"
    r"|friend|colleague|boss|mate|buddy|bestie)"
)
# Two adults: the guest and their companion ("me and my wife", "myself and my husband", "with my mother", "saya dan
# isteri").
COUPLE_RE = re.compile(
    rf"\b(?:my {_COMPANION}\s*(?:,|and|&)\s*(?:i|me|myself)"
    rf"|(?:me|myself|i)\s*(?:,|and|&|\+|plus)\s*(?:my )?{_COMPANION}"
    rf"|(?:with|plus) my {_COMPANION}"
    r"|(?:saya|sy|aku)\s*(?:,|dan|dengan|dgn|bersama|&|\+)\s*(?:isteri|suami|tunang|emak|mak|ibu|ayah|bapa|kawan|rakan|adik"
    r"|kakak|abang)|suami isteri|(?:a|for a|untuk) couple"
    r"|pasangan|(?:kami|kita|untuk|utk)? ?berdua|the two of us|two of us|just us two|(?:the )?both of us|us two"
    r"|us both)\b"
)
# One adult and the children they bring: "myself and 2 kids", "me + my 3 children", "saya dan 2 anak".
SOLO_WITH_CHILDREN_RE = re.compile(
    rf"\b(?:me|myself|i|saya|sy|aku)\s*(?:,|and|&|\+|plus|with|dan|dengan|dgn|bersama)\s*(?:my |our )?"
    rf"{NUM_COUNT}\s*(?:orang\s+)?(?:children|child|kids?|kanak(?:[- ]kanak)?|budak|anak)\b"
)
# One guest: "just me", "only myself", "saya seorang", "sorang je".
SOLO_RE = re.compile(
    r"\b(?:just|only) (?:me|myself|one person|1 person)\b|\b(?:myself|me) (?:only|alone)\b|\bsolo\b"
    r"|\b(?:travell?ing|coming|staying|going|be|am|i'm|im) (?:alone|on my own|by myself)\b|\b(?:on my own|by myself)\b"
    # "Myself.", "For me." to our question
    r"|\b(?:for|just for) myself\b|\bjust for me\b|^[ \t]*(?:(?:for|untuk|utk)[ \t]+)?(?:me|myself)[ \t]*[.!]*[ \t]*$"
    r"|\b(?:saya|sy|aku) (?:seorang|sorang)\b|\b(?:seorang|sorang) (?:je|sahaja|saja|diri)\b|\bsendirian\b"
    # The room booked "for me", "untuk saya" (the clause ends there: "for me and my wife" is a couple, COUPLE_RE),
    # "untuk saya je": the guest alone. Only after a word of the stay in the same clause, and no judgement between: "the
    # deluxe king works for me", "is the rate ok for me", "too far for me" count nobody; nor does a question ("can you
    # book a room for me?": who else comes is still to ask).
    r"|\b(?:rooms?|bilik|suites?|king|queen|twin|double|single|deluxe|stay|nights?|malam)\b"
    r"(?:(?!\b(?:works?|ok|okay|fine|good|great|perfect|suits?|too|is|are|was|be|expensive|cheap|far|close|near"
    r"|possible|convenient|enough|better|easier|easy|available|sesuai|mahal|murah)\b)"
    r"[^.,;!?\n]){0,40}?\b(?:for|untuk|utk) (?:me|saya|sy)"
    r"(?: *(?:only|alone|please|pls|thanks|thank you|ya)? *(?:$|[.,;!])| +(?:je|sahaja|saja|seorang|sorang)\b)",
    re.MULTILINE,
)
# What a guest holds for a number of people: "a meeting for 20", "dinner for 8", "majlis untuk 200".
_GATHERING = (
    r"lunch|dinner|breakfast|brunch|high tea|makan|makan malam|makan tengah hari|meeting|mesyuarat|seminar"
    r"|conference|persidangan|event|function|party|parti|wedding|reception|majlis|kenduri|gathering|workshop|bengkel"
    r"|training|latihan|celebration|sambutan|retreat|buffet|bufet|jamuan"
)
_NO_UNIT_AFTER = (
    r"(?![/.\-:]\d|\s*(?:nights?|malam|mlm|hari|days?|rooms?|bilik|adults?|dewasa|kids?|child|children|kanak|budak|anak"
    r"|am\b|pm\b|%|percent|peratus))"
)
GROUP_RE = re.compile(
    rf"\b(?:family|group|party|team|keluarga|kumpulan|rombongan|dinner|lunch|gathering|celebration) of {NUM_COUNT}\b"
    rf"|\b(?:seramai|table for|meja untuk) {NUM_COUNT}\b"
    rf"|\b(?:{_GATHERING}) (?:for|untuk) (?!(?:19|20)\d\d\b){NUM_COUNT}\b"  # "our wedding for 2027" is a year
    r"(?![/.\-:]\d|\s*(?:nights?|nite|malam|mlm|days?|hari|hours?|hrs?|jam|rooms?|bilik|am\b|pm\b))"
    # "book the deluxe king from 22 Oct for 2": a count that ends the clause after "for" is the party.
    rf"|\b(?:for|untuk|utk) (?!(?:19|20)\d\d\b){NUM_COUNT}"
    r"(?=\s*(?:please|pls|plz|only|je|sahaja|saja|ya)?\s*(?:$|[,.!?;]))"
    # "actually 4 of us", "we're 6", "kami bertiga"
    rf"|\b{NUM_COUNT} of us\b|\bwe(?:'re| are) {NUM_COUNT}\b(?!\s*(?:nights?|days?|rooms?|adults?|kids?|children|hours?"
    r"|minutes?|mins?|km|years?|famil(?:y|ies)|couples?|groups?))"
    r"|\bber(tiga|empat|lima|enam|tujuh|lapan)\b"
    rf"|\b{NUM_COUNT}\s*(?:anak[- ])?beranak\b"  # "kami 5 beranak": a family of five, parents and children
    rf"|\b(?:untuk|for) {NUM_COUNT}\s*(?:orang|org|pax|people|ppl|persons?|guests?|tetamu)\b"
    # "a room for 2 on 5 March", "deluxe king for 2 on 8 Jan", "booking for 3 from Friday": the party, unless nights
    # follow ("a room for 2 nights"), or a date ("a room for 12/12").
    r"|\b(?:room|rooms|bilik|(?<!family )suites?|king|queen|twin|double|single|triple|deluxe|book|booking"
    rf"|reservation|tempah|tempahan|stay) (?:for|untuk|utk) (?!(?:19|20)\d\d\b){NUM_COUNT}\b(?![/.\-:]\d)"
    rf"(?!\s*(?:-\s*)?(?:nights?|nite|malam|mlm|days?|hari|weeks?|minggu|rooms?|adults?|dewasa|kids?|child|children|kanak|budak|anak"
    r"|bab(?:y|ies)))"
    rf"|\b{NUM_COUNT}\s*(?:pax|people|ppl|persons?|guests?|tetamu|peserta|participants?|attendees?|delegates?|covers"
    # a company's or a family's own people: "roughly 120 staff", "untuk 250 pekerja", "jemputan 800"
    r"|staff|staf|employees|pekerja|kakitangan|colleagues|rakan sekerja|jemputan|members|ahli|directors|managers"
    r"|students|pelajar|murid|teachers|guru|ladies)\b"
    # a crowd of friends or relatives ("around 70 friends"); "2 friends" stays with the companions' rules
    r"|\b(\d{2,4})\s*(?:friends|kawan|rakan|relatives|saudara(?:[- ]mara)?)\b"
    # the count after the word for the invited: "jemputan 600", "guests: about 250", "tetamu dalam 400"
    r"|\b(?:jemputan|tetamu|guests)\s*:?\s*(?:seramai\s+|dalam\s+|lebih kurang\s+|sekitar\s+|about\s+|around\s+)?"
    rf"{NUM_COUNT}\b(?![/.\-:]\d|\s*(?:nights?|malam|mlm|hari|days?|rooms?|bilik|adults?|dewasa|kids?|child|children"
    r"|kanak|budak|anak|am\b|pm\b))"
    rf"|\b{NUM_COUNT}\s*(?:orang|org)(?!\s+(?:dewasa|anak|kanak|budak|cucu|bayi))\b"
    # the count said again as the number now expected: "headcount is now 55", "numbers have gone up to 55", "we're
    # expecting 55 now", "jemputan naik jadi 350", "jumlah tetamu sekarang 350", "peserta kurang, jadi 25 je"
    r"|\b(?:headcount|head count|numbers|attendance|guest count|jumlah|bilangan|tetamu|peserta|jemputan|participants"
    r"|attendees|guests)\b[^.?!\n\d]{0,25}?\b(?:is|are|now|to|jadi|sekarang|kini|kepada|ke)\s*:?\s*"
    rf"(?:about\s+|around\s+|dalam\s+|lebih kurang\s+|sekitar\s+|seramai\s+)?{NUM_COUNT}\b{_NO_UNIT_AFTER}"
    rf"|\bexpecting\s+(?:about\s+|around\s+|roughly\s+)?{NUM_COUNT}\b{_NO_UNIT_AFTER}"
)
# A party said as "us" and a count, with nobody named a child: "kami bertiga", "kami 3 org", "we are 3". For a room
# these are the adults as much as the party (the party stays in GROUP_RE): a receptionist books three adults.
ADULTS_AS_US_RE = re.compile(
    r"\bber(tiga|empat|lima|enam|tujuh|lapan)\b"
    # "kami 2 orang", not the children's "anak kami 2 orang"
    rf"|(?<!anak )(?<!anak2 )(?<!budak )(?<!kanak )\b(?:kami|kita)\s+{NUM_COUNT}\s*(?:orang|org)\b"
    r"(?!\s+(?:dewasa|anak|kanak|budak))"
    rf"|\b{NUM_COUNT} of us\b"
    # "tukar ke 4 orang", "make it 4 people": the party changed to a count of people
    rf"|\b(?:tukar|change|jadi|make (?:it|that))(?:\s+(?:ke|kepada|jadi|to|it to))?\s+{NUM_COUNT}\s*"
    r"(?:orang|org|people|persons|pax|guests)\b(?!\s+(?:dewasa|anak|kanak|budak|adults?|kids?|children))"
    rf"|\b(?:there are|there'll be|we(?:'re| are)) {NUM_COUNT}(?: of us)?\b(?!\s*(?:nights?|days?|rooms?|adults?|kids?"
    r"|children|hours?|minutes?|mins?|km|years?|families))"
)
# A change to the party, not a new count: "one more person is joining", "add another adult", "tambah seorang lagi",
# "2 orang lagi nak ikut"; and the other way, "one less", "kurang seorang", "one person can't come".
_PERSON = r"(?:persons?|people|guests?|adults?|pax|orang|org|dewasa)"
_CHILD = r"(?:child|children|kids?|bab(?:y|ies)|infants?|toddlers?|budak|anak|kanak(?:[- ]kanak)?|bayi)"
# A child as a person, not a thing for one: "add a baby cot", "another kids' chair", "tambah katil bayi" add no child.
_CHILD_THING = (
    r"(?!'?s?\s+(?:cots?|cribs?|beds?|chairs?|seats?|strollers?|prams?|baths?|meals?|menus?|katil|kerusi|buaian)\b)"
)
PARTY_MORE_RE = re.compile(
    rf"\b(?:{NUM_COUNT}|another|an extra)\s+(?:more\s+{_PERSON}"
    rf"|more\b(?!\s*[,:\-–]?\s*(?:an?\s+)?{_CHILD})(?=[^.?!]*\b(?:joining|coming|join)\b)"  # "one more kid is coming"
    rf"|{_PERSON}\s+(?:is |are |will be )?(?:joining|coming along|ikut|join))"
    rf"|\b(?:add|adding|plus|tambah|campur)\s+(?:{NUM_COUNT}\s*(?:more\s+)?{_PERSON}|(?:seorang|sorang)|another"
    rf"(?:\s+{_PERSON})?|one more)(?:\s+lagi)?\b"
    r"(?!\s+(?:nights?|malam|mlm|rooms?|bilik|budak|anak|kanak|child|kids?|bab))"
    rf"|\b(?:{NUM_COUNT}|seorang|sorang)\s*(?:{_PERSON}\s+)?lagi\s+(?:nak\s+|akan\s+)?(?:ikut|join|datang|menyertai)\b"
)
PARTY_LESS_RE = re.compile(
    rf"\b(?:{NUM_COUNT}|one)\s+(?:less|fewer)\b(?!\s+(?:nights?|rooms?|{_CHILD}))"
    rf"|\b(?<!lebih )(?:kurang|tolak)\s+(?:{NUM_COUNT}\s*(?:orang|org)|seorang|sorang)\b"  # "lebih kurang": about
    rf"|\b(?:{NUM_COUNT}|one)\s+(?:{_PERSON}\s+)?(?:can(?:no|')?t|cannot|won't|will not|tak (?:dapat|boleh|jadi))\s+"
    r"(?:come|make it|join|ikut|datang)\b"
)

# The same for the children: "one more kid", "add another child", "another baby is coming", "tambah sorang budak
# (lagi)", "tambah lagi seorang anak", "budak sorang lagi"; "one child less", "kurang sorang budak", "one kid can't
# come". "Plus a kid" is no change: "2 adults plus a kid" counts the party.
CHILDREN_MORE_RE = re.compile(
    rf"\b(?:{NUM_COUNT}|another|an extra)\s+more\s+{_CHILD}\b{_CHILD_THING}"
    rf"|\b(?:another|an extra|one extra)\s+{_CHILD}\b{_CHILD_THING}"
    rf"|\b(?:add|adding|tambah|tambahkan|campur)\s+(?:lagi\s+)?(?:{NUM_COUNT}|another|an?|one more|seorang|sorang)"
    rf"\s*(?:more\s+|orang\s+|org\s+)?{_CHILD}\b{_CHILD_THING}(?:\s+lagi\b)?"
    rf"|\b{_CHILD}\s+(?:{NUM_COUNT}|seorang|sorang)\s+(?:orang\s+)?lagi\b"
    # "sorang lagi baby", "seorang lagi anak" (Malay puts "lagi", more, before the child); "one more, a baby".
    rf"|\b(?:{NUM_COUNT}|seorang|sorang)\s+(?:orang\s+)?lagi\s+{_CHILD}\b{_CHILD_THING}"
    rf"|\b(?:{NUM_COUNT}|another)\s+more\s*[,:\-–]\s*(?:an?\s+)?{_CHILD}\b{_CHILD_THING}"
)
# "sorang anak tak jadi ikut", "one of the kids isn't coming anymore", "one of our children won't be joining": one child
# fewer, not every child (`CHILDREN_DROPPED_RE` reads only what is left once these are taken out).
CHILDREN_LESS_RE = re.compile(
    rf"\b(?:{NUM_COUNT}|one)\s+(?:less|fewer)\s+{_CHILD}\b{_CHILD_THING}|\b(?:{NUM_COUNT}|one)\s+{_CHILD}\s+(?:less|fewer)\b"
    rf"|\b(?<!lebih )(?:kurang|tolak)\s+(?:{NUM_COUNT}|seorang|sorang)\s*(?:orang\s+)?{_CHILD}\b{_CHILD_THING}"
    rf"|\b(?:{NUM_COUNT}|one)\s+(?:orang\s+)?(?:of (?:the|our|my|his|her)\s+)?{_CHILD}(?:\s+(?:kami|saya|sy|aku|kita))?"
    r"\s+(?:can(?:no|')?t|cannot|won't(?: be)?|will not(?: be)?|isn't|is not|(?:tak|x|tidak) (?:dapat|boleh|jadi))"
    r"\s+(?:come|coming|make it|join|joining|ikut|datang)\b"
)
# No child comes after all, said after the children were counted: "the kids aren't coming anymore", "anak tak jadi
# ikut", "no kids after all".
CHILDREN_DROPPED_RE = re.compile(
    rf"\b{_CHILD}\s+(?:(?:is|are)(?:n't| not)|(?:won't|will not|can(?:no|')?t|cannot)|tak(?: jadi)?|x(?: jadi)?"
    r"|tidak(?: jadi)?)\s+(?:be\s+)?(?:coming|joining|come|join|ikut|datang)\b"
    r"(?=\s*(?:anymore|any more|after all|lagi|dah|la|lah|je|pun)?\s*(?:$|[,.!?;]))"  # not "… coming for breakfast"
    r"|\bno (?:kids|children|child)\b[^.?!\n]{0,12}\bafter all\b"
)


def _change_count(match: re.Match[str]) -> int:
    token = next((group for group in match.groups() if group), None)
    return number_value(token) if token else 1  # "another", "seorang", "one more": one


# "seorang lagi" after the children counted in the same message is the other one of them ("anak 2 orang, sorang 7
# tahun, seorang lagi bayi"), not one more.
_THE_OTHER_ONE = re.compile(r"\b(?:seorang|sorang|satu)\s+(?:orang\s+)?lagi\b")


def _the_other_one(lowered: str, match: re.Match[str]) -> bool:
    before = lowered[: match.start()]
    counted = (CHILDREN_RE, CHILDREN_AFTER_RE, CHILDREN_LABEL_RE)
    return bool(_THE_OTHER_ONE.match(match.group(0))) and any(p.search(before) for p in counted)


def children_change(text: str) -> int:
    """How many children this message adds to (or takes from) the children already counted."""
    lowered = counting_text(text.lower())
    more = sum(_change_count(m) for m in CHILDREN_MORE_RE.finditer(lowered) if not _the_other_one(lowered, m))
    return more - sum(_change_count(m) for m in CHILDREN_LESS_RE.finditer(lowered))


def without_children_changes(lowered: str) -> str:
    """Lower-case counting text with the changes to the children taken out: they are no count of their own."""
    for pattern in (CHILDREN_MORE_RE, CHILDREN_LESS_RE, CHILDREN_DROPPED_RE):
        lowered = pattern.sub(" ", lowered)
    return lowered


# "berapa satu malam?", "how much is it a night?": the price of one night, not a stay of one.
PER_NIGHT_PRICE_RE = re.compile(
    r"\b(?:berapa|harga|kadar|how much|price|rate|cost)\b[^.?!\n]{0,40}?"
    r"\b(?:satu|1|one|a|per|se)\s*-?\s*(?:malam|mlm|night)\b"
)
PER_NIGHT = re.compile(r"\b(?:satu|1|one|a|per|se)\s*-?\s*(?:malam|mlm|night)\b$")


def without_price_nights(lowered: str) -> str:
    """Lower-case text with the night of a price question ("berapa satu malam") taken out, the rest kept."""
    return PER_NIGHT_PRICE_RE.sub(lambda m: PER_NIGHT.sub(" ", m.group(0)), lowered)


NIGHTS_MORE_RE = re.compile(
    rf"\b(?:add|adding|extend(?: it| that| the stay)? by|tambah|tambahkan)\s+(?:another\s+|an extra\s+)?{NUM}"
    r"(?:\s+(?:more|extra))?\s+(?:nights?|malam|mlm)(?:\s+lagi)?\b"
    rf"|\b(?:another|{NUM} more|an extra)\s+nights?\b|\b{NUM}\s+(?:malam|mlm)\s+lagi\b"
)


def nights_added(text: str) -> int:
    """The nights this message adds to the stay already given ("add one more night", "2 malam lagi")."""
    total = 0
    for match in NIGHTS_MORE_RE.finditer(counting_text(text.lower())):
        token = next((group for group in match.groups() if group), None)
        total += number_value(token) if token else 1  # "another night", "an extra night": one
    return total


def party_change(text: str, before: str = "") -> int:
    """How many people this message adds to (or takes from) the party already given; `before`, the earlier messages
    in counting text (whose "his" or "dia" is)."""
    # "anak kami 2 orang ikut": the children counted, no two more people
    lowered = CHILDREN_AFTER_RE.sub(" ", without_children_changes(counting_text(text.lower())))
    more = sum(_change_count(m) for m in PARTY_MORE_RE.finditer(lowered)) + joining_adults(lowered, before)
    return more - sum(_change_count(m) for m in PARTY_LESS_RE.finditer(lowered))


def without_party_changes(lowered: str) -> str:
    """Counting text with the changes to the party taken out; a count of the children that reads like one ("anak
    kami 2 orang ikut") stays: it is the children's count."""
    children = [m.span() for m in CHILDREN_AFTER_RE.finditer(lowered)]

    def dropped(match: re.Match[str]) -> str:
        return match.group(0) if any(start <= match.start() < end for start, end in children) else " "

    return without_joining(PARTY_LESS_RE.sub(" ", PARTY_MORE_RE.sub(dropped, lowered)))


def _lowered(text: str) -> str:
    return counting_text(text.lower())


# A day and month ("a room for 20 June", "untuk 5hb Mei", "2027-06-20", "20/6"): a date, never a count of people.
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE_PHRASE_RE = re.compile(
    # Within a line: the messages are joined with line breaks ("… my name is Mei" and then "2 dewasa" is no date).
    rf"\b\d{{1,2}}(?:st|nd|rd|th|hb)?[ \t]*(?:of[ \t]+)?(?:{_MONTH_NAMES})\b\.?"
    rf"|\b(?:{_MONTH_NAMES})\.?[ \t]+\d{{1,2}}\b"
    r"|\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b\d{1,2}[.\-]\d{1,2}[.\-]\d{4}\b"
)
ROOMS_RE = re.compile(rf"\b{NUM}\s*(?:rooms?|bilik|units?)\b")

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")

# An initial ("K. Rajan", "S. Letchumi", "Ahmad Z.") is a name word when a name word follows it or ends the name.
# A name's letters, accented ones too ("Jürgen Müller", "José Álvarez", "Zoë"): Latin-1's letters, not × or ÷.
_UPPER = "A-ZÀ-ÖØ-Þ"
_LETTER = "A-Za-zÀ-ÖØ-Þß-öø-ÿ"
_INITIAL = r"[A-Z]\.(?=[ \t]+[A-Z]|[ \t]*(?:$|[,;\n]))"
# A title or a Malay name's usual short form keeps its full stop: "Ts. Dr. Aminah", "Muhd. Hafiz bin Abd. Rahman".
# Malay titles are written short with their stop too ("En. Kamarul", "Pn. Zaleha", "Tn. Haji Ali"): the stop is no end
# of the name, and the title alone names nobody.
MALAY_SHORT_TITLES = {"en", "pn", "tn"}
ABBREVIATED = {"mohd", "muhd", "mhd", "md", "abd", "hj", "hjh", "ts", "ir", "prof", *MALAY_SHORT_TITLES}
_ABBREVIATED = "|".join(sorted(ABBREVIATED, key=len, reverse=True))
_NAME_WORD = rf"(?:(?i:mr|mrs|ms|dr|mdm|{_ABBREVIATED})\.(?=[ \t])|{_INITIAL}|[{_LETTER}][{_LETTER}'’\-]+)"
# A title first: "Mr. Tan" is one name, not "Mr" and a full stop.
_CAP_WORD = (
    rf"(?:(?:Mr|Mrs|Ms|Dr|Mdm)\.?(?=[ \t])|(?i:{_ABBREVIATED})\.(?=[ \t])|{_INITIAL}|[{_UPPER}][{_LETTER}'’\-]+)"
)
TITLES = {"mr", "mrs", "ms", "dr", "mdm", "ts", "ir", "prof", *MALAY_SHORT_TITLES}
_CONNECT = r"(?:binti|bin|bte|bt|a/l|a/p|s/o|d/o|van|de)(?![A-Za-z])"  # "binti" whole, not "bin" then "ti"
# A long name goes on in capitals ("Nur Aisyah binti Mohd Razak", "Muhammad Amirul Hakim bin Abdul Rahman"): up to
# three more capitalised words or connectors after the first four.
_NAME_TAIL = rf"(?:[ \t]+(?:{_CONNECT}|{_CAP_WORD})){{0,3}}"
EXPLICIT_NAME_RE = re.compile(
    r"(?:(?i:\bmy name is|\bmy name's|\bname's|\bthe name is|(?:^|[,;.]\s*|\band\s+)name is|\bname\s*:"
    r"|\bcontact(?: person| name)?\s*:|\bpic\s*:"
    rf"|\battn\.?\s*:?|\bnama (?:saya|sy|aku)(?![A-Za-z])(?:\s+(?:ialah|adalah))?"
    rf"|\bsaya bernama|\bnama\s*:|\bnama penuh(?: saya)?\s*:?|\b(?:my )?full name(?: is)?\s*:?"
    # "booking under the name of …", "under my name, …", "tempahan atas nama …"
    r"|\bunder (?:the name(?: of)?|my name,?)|\batas nama(?: saya| sy)?(?![A-Za-z]))"
    # "it's under Lee", "put it under Wong": only a capitalised word ("it's under renovation" names nobody).
    r"|\b(?i:booking|booked|reservation|reserved|book it|put it|it['’]?s|its|it is)[ \t]+(?i:under)(?=[ \t]+[A-Z])"
    # "nama Kelvin", "ok. nama Kelvin, 012…": a bare "nama" opening a message or a clause.
    r"|(?:^|[\n.!?,;]|\b(?i:ok|okay|baik|dan|and))\s*(?i:nama|name)(?=[ \t]+[A-Z])"
    # "my name Priya", "ok thanks ya, my name Wei Jie": Malaysian English leaves the "is" out.
    r"|\b(?i:my name)(?=[ \t]+[A-Z]))"
    rf"[ \t]*({_NAME_WORD}(?:[ \t]+(?:{_CONNECT}|{_NAME_WORD})){{0,3}}{_NAME_TAIL})"
)
# A capitalised name, a Malay title allowed before it ("Encik Farid Ismail", "Puan Aini").
_TITLED_NAME = (
    rf"((?:(?i:encik|en\.?|puan|pn\.?|cik|tuan|dato'?|datuk|datin)[ \t]+)?{_CAP_WORD}"
    rf"(?:[ \t]+(?:{_CONNECT}|{_CAP_WORD})){{0,3}}{_NAME_TAIL})"
)
WEAK_NAME_RE = re.compile(
    rf"(?:\b(?i:i'm|i am|im|this is|it's|its|saya|sy|aku|ini|here is|call me)[,:]?"
    # "ni Syafiq, nak tanya…", "Salam, ni Aiman": the short "ini" only opening a message or a clause ("bilik ni").
    r"|(?:^|[,.!;]\s*)(?i:ni)|^)\s+"
    rf"{_TITLED_NAME}"
)
# "Booking for K. Rajan", "a room for Mr. Tan", "tempahan untuk Puan Aini": the person a booking is for ("a room for
# June 20", "booking for Deluxe King" name nobody: `_tidy_name` refuses a month or a room's word).
FOR_NAME_RE = re.compile(
    r"\b(?i:booking|reservation|reserve|book(?:ed)?(?: it)?|tempahan|tempah|room|bilik)[ \t]+(?i:for|untuk|utk)[ \t]+"
    rf"{_TITLED_NAME}"
)
# "Aisyah here", "Hello, Tan Wei here": a name said before "here" at the start of a message.
HERE_NAME_RE = re.compile(
    r"^\s*(?:(?i:hi|hello|hey|hai|helo|salam|assalamualaikum|good (?:morning|afternoon|evening)"
    # "Apologies - Kevin here", "Maaf, Rahim di sini": an apology opening the message too
    r"|selamat (?:pagi|petang|malam)|sorry|apologies|maaf|oops|ok|okay)"
    r"(?:[ \t]+(?i:again|there|all|team))?\W+)?"  # "Hi again, Grace Lim here", "Hello there, …"
    rf"({_CAP_WORD}(?:[ \t]+(?:{_CONNECT}|{_CAP_WORD})){{0,5}})"  # "Hjh. Rosmah binti Abd. Kadir here"
    # "Sarah from Brightwave Sdn Bhd here", "Kumar dari Ipoh di sini": where the writer is from, before the "here".
    r"(?P<org>[ \t]+(?i:from|dari)[ \t]+[A-Z][\w&.'’\-]*(?:[ \t]+(?:[A-Z][\w&.'’\-]*|&)){0,5})?"
    r"[ \t]+(?:here|speaking|di ?sini)\b(?=\s*(?:$|[,.!\-–]|from\b|again\b|dari\b))"  # "dinner here is good?": nobody
)
# Typed in lower case on a phone: only right at the start ("hey im daniel, …"), one or two words, then punctuation.
LOWER_NAME_RE = re.compile(
    r"^\s*(?:(?:hi|hey|hello|hai|helo|salam|assalamualaikum)\W+)?(?:i'm|im|i am|saya|sy|aku)[ \t]+"
    # "hi im jess" ends the message: `lower_case_name` then checks that no word of it is one we know.
    r"([a-z][a-z'\-]+(?:[ \t]+(?:bin|binti|[a-z][a-z'\-]+))?)[ \t]*(?P<end>[,.!]|$)",
    re.IGNORECASE,
)
SIGN_OFF_RE = re.compile(
    r"(?:^|[.!?]\s+)\s*(?:best regards|kind regards|warm regards|regards|thanks|thank you|many thanks|cheers|sincerely|"
    r"yours sincerely|best|terima kasih|tq|salam|sekian|yang benar)\s*[,.!-]*\s*(.*)$",
    re.IGNORECASE,
)
FORMAL_SIGN_OFF_RE = re.compile(
    r"\W*(?:best regards|kind regards|warm regards|regards|sincerely|yours sincerely|yang benar|sekian)\b",
    re.IGNORECASE,
)
SIGNATURE_NAME_RE = re.compile(rf"{_CAP_WORD}(?:[ \t]+(?:{_CONNECT}|{_CAP_WORD})){{0,3}}{_NAME_TAIL}")
DASH_SIGNATURE_RE = re.compile(r"^\s*[-–—~]\s*(.+)$")
# "… Please call me at 019-333 4455 - Jason": a name signed after a spaced dash at the very end of the message.
TRAILING_DASH_NAME_RE = re.compile(r"\s[-–—~]+\s*([^-–—~\d]+?)\s*[.!]*\s*$")
# A contact and, beside it, nothing but a capitalised name ("Wei Ling Chong, weiling@example.com", "0129988776
# Priya", "Encik Farid Ismail 013-404 4040"): the guest signs the contact they give, in any mode and either order.
_HONORIFIC = (
    r"(?:(?:Mr|Mrs|Ms|Miss|Dr|Mdm|Prof|En|Pn|Encik|Puan|Cik|Tuan|Dato['’]?|Datuk|Datin|Tan Sri|Puan Sri)\.?[ \t]+)"
)
CONTACT_NAME_RE = re.compile(
    rf"{_HONORIFIC}?[{_UPPER}][{_LETTER}'’\-]+(?:[ \t]+(?:{_CONNECT}|{_CAP_WORD})){{0,3}}{_NAME_TAIL}"
)
# What stands beside a contact and is no part of the name written there: the words that lead to it ("call me on",
# "you can reach me at", "my number is", "hubungi saya di", "nombor saya") and its label ("Tel:", "emel").
CONTACT_LABEL_RE = re.compile(
    # "ok my details:", "here are my contact details", "maklumat saya:"
    r"\b(?:(?:ok|okay|sure|here|here are|these are|and)\s+)?(?:my|our)\s+(?:contact\s+)?(?:details|particulars|info)"
    r"(?:\s+(?:are|is))?\s*:?"
    r"|\b(?:maklumat|butiran)\s+(?:saya|sy|kami)\s*:?"
    r"|\b(?:(?:you can|u can|please|pls|just)\s+)?(?:call|reach|contact|text|message|ring|email|e-mail|whatsapp|wa)"
    r"\s+(?:me|us)(?:\s+(?:on|at|via|through|thru))?(?=[\s:,.]|$)"
    r"|\b(?:here is |here's )?(?:my|our)\s+(?:(?:mobile|phone|contact|hp|handphone|whatsapp|wa|office)\s+)?"
    r"(?:number|no\.?|phone|mobile|e-?mail|contact|hp)(?:\s+is)?(?=[\s:,.]|$)"
    r"|\b(?:boleh\s+)?(?:hubungi|call|telefon|whatsapp|wa|emel)\s+(?:saya|sy|kami)(?:\s+(?:di|kat|melalui|ke))?(?=[\s:,.]|$)"
    r"|\b(?:nombor|no|nombor telefon|no tel|no\. tel|emel)\s+(?:saya|sy)(?:\s+(?:ialah|adalah))?(?=[\s:,.]|$)"
    r"|\b(?:e-?mail|emel|tel|telefon|phone|hp|h/p|mobile|handphone|no\.?(?:\s*(?:tel|fon|hp))?|wa|whatsapp|contact"
    r"|office|home|work|fax)\b\s*[:.\-]?",
    re.IGNORECASE,
)
NAME_STOPWORDS = {
    "and", "from", "here", "looking", "interested", "planning", "asking", "want", "would", "wanted", "just", "also",
    "dan", "dari", "nak", "mahu", "ingin", "hendak", "mau", "tak", "sudah", "dah", "boleh", "nk", "ada", "tanya",
    "the", "a", "at", "in", "on", "for", "with", "to", "of", "my", "your", "is", "i", "we", "call", "whatsapp",
    "hotel", "room", "bilik", "booking", "book", "please", "pls", "sila", "hi", "hello", "hai", "helo", "hey",
    "good", "not", "sure", "going", "coming", "staying", "still", "travelling", "traveling", "writing", "sorry",
    "back", "fine", "ok", "okay", "well", "new", "glad", "happy", "ready", "there", "sedang", "tengah", "baru",
    "akan", "perlu", "calling", "texting", "messaging", "trying", "under",
}  # fmt: skip
NOT_NAMES = NAME_STOPWORDS | {
    "deluxe", "superior", "suite", "family", "standard", "premier", "executive", "king", "queen", "twin",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "isnin", "selasa", "rabu",
    "khamis", "jumaat", "sabtu", "ahad", "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december", "disember", "ogos", "julai", "mac", "mei", "jun", "interested",
    "available", "malaysia", "kl", "ok", "okay", "yes", "no", "ya", "tidak", "terima", "kasih", "thanks", "asap",
    "cheers", "regards", "christmas", "xmas", "raya", "deepavali", "diwali", "easter", "merdeka", "cny", "chinese",
    "hari", "tahun", "valentine", "valentine's", "weekend", "tonight", "tomorrow", "today", "esok", "lusa",
    # Who comes, said after "saya" as a name would be ("saya seorang", "saya berdua"): the party, never a name.
    "seorang", "sorang", "berdua", "bertiga", "berempat", "sendiri", "sendirian",
}  # fmt: skip

INTENT_WORDS: dict[str, list[str]] = {
    "event": [
        "wedding", "kahwin", "perkahwinan", "nikah", "majlis", "kenduri", "resepsi", "reception", "meeting",
        "mesyuarat", "conference", "persidangan", "seminar", "workshop", "bengkel", "banquet", "ballroom", "dewan",
        "function room", "event", "acara", "team building", "gathering", "birthday party", "convention",
        "retreat", "engagement", "pertunangan", "tunang", "reunion", "gala", "product launch", "training", "latihan",
        "offsite", "off-site", "aqiqah", "majlis makan malam", "annual dinner", "company dinner", "gala dinner",
        "makan malam tahunan", "baby shower", "bridal shower", "graduation party", "farewell party", "open house",
        "rumah terbuka", "tahlil", "doa selamat", "dinner and dance", "christmas party", "year-end party",
        "year end party", "anniversary party", "hen party", "high tea party", "majlis bertunang",
        # A birthday is a party to host only when called one; "makan malam hari jadi" is a table for dinner.
        "parti hari jadi", "sambutan hari jadi", "jamuan",
        # Said without a word for the event: "we're getting married on …", "a venue for 300", "launching a product".
        "getting married", "get married", "venue", "launch", "launching", "tying the knot", "tie the knot",
        "town hall", "townhall", "bash", "boardroom", "board room", "board meeting",
    ],
    "fb_inquiry": [
        "restaurant", "restoran", "dinner", "makan malam", "lunch", "makan tengah hari", "buffet", "bufet", "table",
        "meja", "menu", "cafe", "kafe", "high tea", "high-tea", "hi-tea", "hi tea", "brunch", "iftar", "buka puasa",
        "set menu", "a la carte",
    ],
    "room_booking": [
        "room", "rooms", "bilik", "stay", "staying", "menginap", "bermalam", "check in", "check-in", "checkin",
        "availability", "available", "kosong", "suite", "accommodation", "penginapan",
    ],
}  # fmt: skip
BOOKING_WORDS = [
    "book", "booking", "reserve", "reservation", "tempah", "tempahan", "menempah", "nak book", "confirm",
    "sahkan", "secure", "hold the room", "how do i pay", "bayar", "deposit",
]  # fmt: skip
ROOM_WORD_ALIASES = {
    "keluarga": "family", "berkembar": "twin", "kembar": "twin", "deluks": "deluxe", "delux": "deluxe",
    "eksekutif": "executive", "permaisuri": "queen", "raja": "king", "kolam": "pool", "laut": "sea",
    "oku": "accessible", "wheelchair": "accessible", "pemandangan": "view", "bandar": "city",
}  # fmt: skip
# "A family group", "rombongan keluarga", "with my family": the guests, not a room ("family suite" is one).
_ROOM_NOUN = r"(?!\s+(?:suites?|rooms?|bilik|units?))"
PEOPLE_NOT_ROOMS = re.compile(
    r"\b(?:family|keluarga) of \w+"
    rf"|\b(?:my|our|with|the whole|whole|big|extended|with the|and)\s+family\b{_ROOM_NOUN}"
    r"|\bfamily[- ](?:group|trip|holiday|vacation|gathering|reunion|day|members?|and friends|event|dinner|lunch"
    r"|outing|friendly)\b"
    rf"|\b(?:rombongan|ahli|bersama|dengan|seisi|satu|sekeluarga|anak)\s+keluarga\b{_ROOM_NOUN}"
    r"|\bkeluarga\s+(?:saya|sy|kami|besar|kecil|ramai|sahaja|je)\b"
)
GENERIC_ROOM_WORDS = {"room", "rooms", "bilik", "the", "with", "and", "view", "type", "katil", "bed"}


def _words_present(text: str, words: Sequence[str]) -> list[str]:
    """The words (or phrases) of `words` in `text`, a plural counting as its word ("weddings", "conferences")."""
    found = []
    for word in words:
        literal, pattern = _word_pattern(word)
        # Every match contains the literal: a substring test first skips the regex for most words (each
        # turn tests ~200 of them; compiled once, not looked up in re's cache, which they overflowed).
        if literal in text and pattern.search(text):
            found.append(word)
    return found


@functools.lru_cache(maxsize=2048)
def _word_pattern(word: str) -> tuple[str, re.Pattern[str]]:
    literal = word[:-1] if word.endswith("y") and word[-2:-1] not in "aeiou" else word
    return literal, re.compile(rf"(?<![\w-]){_plural(word)}(?![\w-])")


def _plural(word: str) -> str:
    """A pattern for `word` and its plural ("party"/"parties", "meeting"/"meetings")."""
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return re.escape(word[:-1]) + "(?:y|ies)"
    return re.escape(word) + "(?:s|es)?"


# The room a guest is staying in: "my room", "bilik saya", and the room they complain of as it is now ("the room
# smells of smoke", "the room was dirty", "bilik ni bising"); never a room asked about ("is the room available?").
OWN_ROOM_RE = re.compile(
    r"\b(?:my|our)\s+(?:hotel\s+)?rooms?\b|\bbilik\s+(?:saya|sy|kami|aku)\b"
    r"|\b(?:the|this)\s+room\s+(?=(?:is|was|still|really|so|very|smells|stinks|reeks|feels|keeps|isn['’]t|wasn['’]t"
    r"|is not|was not)\b(?:\s+\w+)?\s*(?:dirty|smelly|smells?|stinks?|noisy|cold|hot|stuffy|filthy|disgusting"
    r"|broken|leaking|mouldy|moldy|not clean|unacceptable|terrible|awful|of\b))"
    r"|\bbilik\s+(?:ni|ini|tu|itu)\s+(?=(?:sangat\s+|terlalu\s+|masih\s+)?(?:kotor|bising|busuk|panas|sejuk|bau|rosak)\b)"
)


# A table or the restaurant's private room: the meal is the booking, whatever it celebrates ("a private dining room
# for 14, it's my dad's 70th", "meja untuk 6, sambut ulang tahun perkahwinan", "bilik makan persendirian, jamuan
# persaraan"). The room of "dining room" books no bed.
DINING_PLACE_RE = re.compile(
    r"\b(?:private dining(?:\s+(?:room|area|hall))?|dining room|bilik makan(?:\s+(?:persendirian|peribadi|vip))?"
    r"|ruang makan(?:\s+(?:persendirian|peribadi|vip))?)\b"
)
TABLE_RE = re.compile(r"\b(?:(?:a|the|book|reserve|hold) table|tables? for|meja untuk|tempah meja|meja makan)\b")
HOST_CROWD_RE = re.compile(
    r"\b(?:host|hold|accommodate|fit|seat)\s+(?:about\s+|around\s+|roughly\s+|up to\s+|approximately\s+|some\s+)?"
    r"\d{2,4}\s*(?:guests|people|pax|persons|staff|employees|delegates|participants|attendees|tetamu|orang)\b"
)
# A wedding anniversary is an occasion, not a wedding.
ANNIVERSARY_RE = re.compile(r"\b(?:wedding anniversary|ulang ?tahun perkahwinan|ulang ?tahun kahwin)\b")
# The events a table never hosts: a hall, a meeting room, a wedding. Any other event word beside a table or a private
# dining room ("jamuan", "birthday party", "reunion") is what the meal celebrates.
HALL_EVENT_WORDS = [
    "wedding", "kahwin", "perkahwinan", "nikah", "kenduri", "resepsi", "reception", "meeting", "mesyuarat",
    "conference", "persidangan", "seminar", "workshop", "bengkel", "banquet", "ballroom", "dewan", "function room",
    "team building", "convention", "retreat", "training", "latihan", "offsite", "off-site", "product launch",
    "getting married", "get married", "venue", "launch", "launching", "tying the knot", "tie the knot", "town hall",
    "townhall", "gala", "dinner and dance", "tahlil",
    "doa selamat", "aqiqah", "rumah terbuka", "open house",
]  # fmt: skip


# A dinner or a lunch for a crowd no restaurant table seats ("an appreciation dinner for our teachers, about 60 people")
# is a function the events team quotes; a buffet, a table or the restaurant keeps it a meal.
BANQUET_SIZE = 30
_MEAL = re.compile(r"\b(?:dinner|lunch|makan malam|makan tengah hari)\b")
_RESTAURANT_SERVICE = re.compile(
    r"\b(?:restaurant|restoran|buffet|bufet|iftar|buka puasa|high[ -]tea|hi[ -]tea|brunch|cafe|kafe|set menu"
    r"|a la carte)\b"
)


def _banquet(lowered: str, at_table: bool) -> bool:
    if at_table or not _MEAL.search(lowered) or _RESTAURANT_SERVICE.search(lowered):
        return False
    crowd = _last_number(GROUP_RE, counting_text(lowered))
    return crowd is not None and crowd >= BANQUET_SIZE


def detect_intent(text: str, signals: Signals, room_chosen: bool = False) -> str:
    """Events outrank rooms (a wedding brings rooms); F&B wins over rooms only when it dominates.

    A night count ("3 malam") or a named room type counts as a room word; bare "malam" does not
    ("jam 8 malam" is 8 pm).
    """
    lowered = ANNIVERSARY_RE.sub("anniversary", text.lower())
    # "The shower in my room is broken": a guest already staying speaks of their room; that books nothing.
    stay_words = OWN_ROOM_RE.sub(" ", lowered)
    dining = bool(DINING_PLACE_RE.search(stay_words))
    stay_words = DINING_PLACE_RE.sub(" restaurant ", stay_words)
    hits = {intent: len(_words_present(stay_words, words)) for intent, words in INTENT_WORDS.items()}
    hits["room_booking"] += int(bool(NIGHTS_RE.search(lowered) or DAYS_NIGHTS_RE.search(lowered))) + int(room_chosen)
    signals.intent_hits = {intent: count for intent, count in hits.items() if count}
    signals.booking_words = _words_present(lowered, BOOKING_WORDS)
    if len(signals.intent_hits) > 1:
        signals.ambiguities.append("intent_mixed")
    # "Could your hotel host around 220 guests?": a crowd no room sleeps is an event, whatever it is called.
    hits["event"] += int(bool(HOST_CROWD_RE.search(stay_words)))
    at_table = dining or bool(TABLE_RE.search(stay_words))
    if hits["event"] and at_table and not _words_present(stay_words, HALL_EVENT_WORDS):
        return "fb_inquiry"
    if hits["event"]:
        return "event"
    if hits["fb_inquiry"] and _banquet(stay_words, at_table):
        return "event"
    if hits["fb_inquiry"] and hits["fb_inquiry"] >= hits["room_booking"]:
        return "fb_inquiry"
    if hits["room_booking"] or BOOK_A_STAY.search(lowered):
        return "room_booking"
    return "general"


# "Can I book for next week?", "nak tempah untuk 3 malam", "I'd like to reserve": at a hotel, a booking that names
# nothing else is a room ("book a taxi", "tempah meja" name what they book).
BOOK_A_STAY = re.compile(
    r"\b(?:book|reserve|tempah|menempah|(?:make|buat)\s+(?:a\s+)?(?:booking|reservation|tempahan))"
    r"(?=\s*(?:$|[.,!?]|(?:for|from|on|this|next|untuk|utk|pada|dari|mulai|minggu|hujung|esok|lusa|tomorrow"
    r"|tonight)\b))"
)


# Words that say what a booking is for, not whom: a room's words, a kind of stay or a party.
_NOT_BOOKED_FOR = (
    NOT_NAMES | GENERIC_ROOM_WORDS | set(ROOM_WORD_ALIASES) | set(ROOM_WORD_ALIASES.values())
    | {"accessible", "single", "double", "triple", "junior", "presidential", "honeymoon", "studio", "superior",
       "both", "all", "everyone", "us", "two", "three", "four", "adults", "couple", "group", "company", "staff"}
)  # fmt: skip


# Given names that are also words of a sentence ("Dan" is Malay "and", "Ada" "there is"): a name when written as one,
# in capitals before another capitalised name word ("Dan Whitfield here", "Ada Tan, 012…").
STOPWORD_NAMES = {"dan", "ada"}


def _stopword_name(words: list[str], index: int) -> bool:
    word, following = words[index].strip(".,!"), words[index + 1].strip(".,!") if index + 1 < len(words) else ""
    return (
        index == 0
        and word.lower() in STOPWORD_NAMES
        and word[:1].isupper()
        and following[:1].isupper()
        and following.lower() not in NOT_NAMES
    )


def _tidy_name(raw: str, explicit: bool = False) -> str | None:
    """The name in `raw`, up to the first word that is not one; `explicit` ("my name is …"): a month or a
    room word may start it ("Mei Ling", "June Tan"), only a stopword ends it."""
    words: list[str] = []
    said = raw.split()
    for index, word in enumerate(said):
        if word.lower().strip(".,!") in NAME_STOPWORDS and not _stopword_name(said, index):
            break
        bare = word.strip(".,!")
        initial = len(bare) == 1 and bare.isupper()  # "K. Rajan" keeps its initial's full stop
        keep_stop = (bare.lower() in TITLES | ABBREVIATED or initial) and word.rstrip(",!").endswith(".")
        words.append(bare + "." if keep_stop else bare)
    if all(word.lower().rstrip(".") in TITLES for word in words):
        return None  # "this is Mr." names nobody yet
    while words and words[-1].lower() in {"bin", "binti", "bt", "bte", "a/l", "a/p", "s/o", "d/o", "van", "de"}:
        words.pop()
    if not words:
        return None
    first = words[0].lower().rstrip(".")
    # "Mei Ling", "June Tan": a month starts a name of two words or more when the next one is a name word too.
    after_month = first in MONTHS and len(words) > 1 and words[1].lower() not in NOT_NAMES
    if first in (NAME_STOPWORDS if explicit else NOT_NAMES) and not after_month and not _stopword_name(words, 0):
        return None
    return " ".join(words)


_DESKS = {"reception", "sales", "reservations", "frontdesk", "front", "desk", "office", "admin", "hr", "hotel", "team"}
# "Contact Ms. Rekha at rekha@solvex.my", "hubungi Encik Azman di 012…": the person to reach, named before the
# address or number they are reached at.
# "Please contact me, Farah Aziz, on 017…", "hubungi saya, Puan Aini, di …": the writer names themself beside the "me".
CONTACT_PERSON_RE = re.compile(
    rf"\b(?i:contact|call|reach|e-?mail|whatsapp|hubungi|telefon)(?:[ \t]+(?i:me|us|saya|sy|kami)[ \t]*,)?[ \t]+"
    rf"{_TITLED_NAME}[ \t]*,?[ \t]*(?:(?i:at|on|via|di|kat)[ \t]+|:[ \t]*)(?=\+?\d|[\w.+-]+@)"
)


def _after_sign_offs(text: str) -> str:
    """ "Sekian, terima kasih. Dr. Halim": one sign-off after another, the name after the last."""
    while (again := SIGN_OFF_RE.match(text)) and again.group(1) != text:
        text = again.group(1)
    return text


def find_name(text: str) -> tuple[str | None, str]:
    """The guest's name and how sure we are: 'explicit' (my name is), 'signature', 'weak' (I'm Sarah)."""
    match = EXPLICIT_NAME_RE.search(text)
    if match and (name := _tidy_name(match.group(1), explicit=True)):
        return name, "explicit"
    person = (match := CONTACT_PERSON_RE.search(text)) and _tidy_name(match.group(1))
    # "Call Reception at …", "contact Sales at …": a desk, not a person.
    if person and not any(word.lower().strip(".") in _NOT_BOOKED_FOR | _DESKS for word in person.split()):
        return person, "signature"
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for index, line in enumerate(lines):
        sign_off = SIGN_OFF_RE.search(line)
        if sign_off:
            # The name on the sign-off's line, else on the next one ("Sekian, terima kasih.\nNorazlina").
            candidate = _after_sign_offs(sign_off.group(1))
            if not candidate.strip(" .,!-"):
                candidate = _after_sign_offs(lines[index + 1] if index + 1 < len(lines) else "")
            candidate = _AFFILIATION_RE.sub("", candidate)  # "Regards, Kumar from Ipoh"
            if candidate and SIGNATURE_NAME_RE.fullmatch(candidate) and (name := _tidy_name(candidate)):
                return name, "signature"
            # "Regards, wei ling": after a letter's sign-off, a name typed in lower case (not after a mere "thanks").
            if candidate and FORMAL_SIGN_OFF_RE.match(sign_off.group(0)) and (name := lower_case_name(candidate)):
                return name, "signature"
    if lines and (dash := DASH_SIGNATURE_RE.match(lines[-1])):
        candidate = dash.group(1).strip()
        if SIGNATURE_NAME_RE.fullmatch(candidate) and (name := _tidy_name(candidate)):
            return name, "signature"
    if lines and (tail := TRAILING_DASH_NAME_RE.search(lines[-1])):
        candidate = tail.group(1).strip()
        # "2 adults - Deluxe King", "5 June - Friday", "- Thanks" sign nobody: every word must be no word we know.
        known = any(word.lower().strip(".") in _NOT_BOOKED_FOR for word in candidate.split())
        if not known and SIGNATURE_NAME_RE.fullmatch(candidate) and (name := _tidy_name(candidate)):
            return name, "signature"
    for match in WEAK_NAME_RE.finditer(text):
        if match.group(0).strip() == match.group(1).strip():
            continue  # a capitalised word at the start of a line is not a name cue on its own
        if name := _tidy_name(match.group(1)):
            return name, "weak"
    for match in FOR_NAME_RE.finditer(text):
        name = _tidy_name(match.group(1))
        if name and not any(word.lower() in _NOT_BOOKED_FOR for word in name.split()):
            return name, "weak"
    # "Parking here, is it free?" asks about the hotel: only a message that asks nothing names its writer so.
    # A title or where the writer is from says it is a person ("Mrs Fernandez speaking. Could I …?").
    here = HERE_NAME_RE.match(text)
    titled = here is not None and here.group(1).split()[0].lower().rstrip(".") in TITLES
    if here and ("?" not in text or here.group("org") or titled) and (name := _tidy_name(here.group(1))):
        return name, "weak"
    if (lower := LOWER_NAME_RE.match(text)) and (name := _tidy_name(lower.group(1))):
        # At the end of the message without a stop, "i'm checking" or "i'm wondering" is what the guest is doing.
        doing = any(len(word) > 5 and word.lower().endswith("ing") for word in name.split())
        if lower.group("end") or (not doing and lower_case_name(lower.group(1).lower())):
            return name, "weak"
    return None, ""


# A name written in a script of its own (Chinese, Cyrillic, Arabic, Thai, Korean …): up to four words, each opening
# with a letter that is not a Latin one; no case to tell a name by, but nothing else stands beside the contact.
OTHER_SCRIPT_NAME_RE = re.compile(
    r"[^\W\d_A-Za-zÀ-ÿ][^\sA-Za-zÀ-ÿ\d,.;:!?@]*(?:[ \t][^\W\d_A-Za-zÀ-ÿ][^\sA-Za-zÀ-ÿ\d,.;:!?@]*){0,3}"
)


def name_beside_contact(text: str, region: str) -> str | None:
    """The name a guest writes beside the phone or e-mail they give, alone in the message (CONTACT_NAME_RE)."""
    contacts = EMAIL_RE.findall(text) + phone_strings(text, region)
    if not contacts:
        return None
    rest = text
    for contact in contacts:
        rest = rest.replace(contact, ",")
    # Cut at commas, brackets and sentence ends ("ok book it. Sam Ho, 012…"; a title's or an initial's full stop stays).
    pieces = re.split(r"[,;|\n()\[\]]+", CONTACT_LABEL_RE.sub(",", rest))
    parts = [part.strip(" \t.!-–—~:/") for piece in pieces for part in clauses(piece)]
    # "ok 012… Lee Wei", "012… tq, Lee Wei": the acknowledgement or the thanks beside the contact is no name.
    parts = [chatter_less for part in parts if part and (chatter_less := without_chatter(part))]
    # "Mr. Kumar, teacher, 012…": the name first, then only the writer's role in lower case.
    # "ok book it. Sam Ho, 012…": one name in capitals among words in lower case around it.
    named = [part for part in parts if CONTACT_NAME_RE.fullmatch(_AFFILIATION_RE.sub("", part))]
    if len(parts) > 1 and len(named) == 1 and all(re.fullmatch(r"[a-z][a-z' ]*", p) for p in parts if p not in named):
        parts = named
    if len(parts) != 1:
        return None
    # "Kumar from Ipoh, kumar@…", "Sarah dari Acme Sdn Bhd 012…": the name ends where the town or the company begins.
    said = _AFFILIATION_RE.sub("", parts[0])
    said = _SELF_CUE_RE.sub("", said)  # "sy hanis 013…", "i'm raj, 012…": the name after the "I am"
    if OTHER_SCRIPT_NAME_RE.fullmatch(said):
        return said  # "李明 +86 138…", "Мария Иванова +7 916…": the name as the guest writes it, in its own script
    if not CONTACT_NAME_RE.fullmatch(said):
        return lower_case_name(said)
    name = _tidy_name(said)
    # Every word must be a name word: "Thanks", "Deluxe King" or "Sure" beside a number name nobody; nor does the
    # town the guest writes from ("Penang, 012…").
    if name and all(word.lower() in PLACES for word in name.split()):
        return None
    return name if name and len(name.split()) == len(said.split()) else None


# "dr" in lower case after a name is "dari" typed short ("Aina dr HR"); "Dr" before a name is a title.
_AFFILIATION_RE = re.compile(rf"[ \t]+(?:from|dari|daripada|dr)[ \t]+(?:[A-Z]|(?i:{'|'.join(PLACES)})\b).*$")
_LOWER_NAME_BESIDE = re.compile(r"[a-z][a-z'’\-]+(?:[ \t]+(?:bin|binti|bt|a/l|a/p|s/o|d/o|[a-z][a-z'’\-]+)){0,3}")
_SELF_CUE_RE = re.compile(r"^(?:saya|sy|aku|i'm|im|i am|it's|its|this is|ini|ni)[ \t]+(?=\S)", re.IGNORECASE)
_CONNECTORS = {"bin", "binti", "bt", "a/l", "a/p", "s/o", "d/o"}


def lower_case_name(said: str) -> str | None:
    """A name typed in lower case beside the contact ("raj 017-220 3344", "tan wei ming +6016…"), written with its
    capitals: only when every word is no word we know for something else (a room, a day, a reply, a greeting, or a
    word about the contact itself: "whatsapp only 012…", "office 03-…")."""
    if not _LOWER_NAME_BESIDE.fullmatch(said):
        return None
    words = said.split()
    known = NOT_NAMES | _NOT_BOOKED_FOR | CHATTER | PLACES | CONTACT_WORDS | MALAY_WORDS | ENGLISH_WORDS
    if len(words) > 1:
        known -= set(MONTHS)  # "tan mei ling": "Mei" inside a name of more words is no month
    if any(word in known for word in words if word not in _CONNECTORS) or words[-1] in _CONNECTORS:
        return None
    return " ".join(word if word in _CONNECTORS else word[:1].upper() + word[1:] for word in words)


# No country's numbers are shorter (libphonenumber's possible lengths; a test checks its metadata).
MIN_PHONE_DIGITS = 4


@functools.lru_cache(maxsize=8)
def _phone_matches(text: str, region: str) -> tuple[Any, ...]:
    """Phone numbers in `text`: valid ones for `region`, any written in international form ("+44 …", "+61 …")
    that has a possible length for its country (a guest abroad gives their number that way), and local ones
    with a mobile number's length: libphonenumber's list of allocated ranges lags behind the numbers people have.

    Kept for the turn's few texts only (a turn reads the same text three times; eight texts, so a guest's
    words do not linger in the worker) and skipped for a text with too few digits to hold a number: most
    guest messages have none, and the matchers cost ~0.1 ms a text."""
    if sum(ch.isdigit() for ch in text) < MIN_PHONE_DIGITS:
        return ()
    valid = list(phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID))
    taken = [(m.start, m.end) for m in valid]
    international = [
        m
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE)
        if (_international(m) or _local_mobile(m)) and not any(start < m.end and m.start < end for start, end in taken)
    ]
    taken += [(m.start, m.end) for m in international]
    dialled = [m for m in _without_plus(text) if not any(start < m.end and m.start < end for start, end in taken)]
    return tuple(sorted(valid + international + dialled, key=lambda m: m.start))


# A number from abroad written with its country code but without the "+" ("44 7700 900123", "65 9123 4567",
# "(65) 9123 4567", "1-415-555-0132"): digits in groups, 9 to 15 of them, not opening with the trunk 0.
_WITHOUT_PLUS_RE = re.compile(
    r"(?<![\w+(])\(?[1-9]\d{0,3}\)?(?:[ .\-]\d{1,10}){1,5}(?![\w])|(?<![\w+])[1-9]\d{9,14}(?!\w)"
)


def _without_plus(text: str) -> list[Any]:
    """The runs of `_WITHOUT_PLUS_RE` that are a number once a "+" is put before them: a guest abroad who leaves
    off the "+" gives their number all the same. Valid, or of a possible length for its country when the guest
    set the country code apart ("44 7700 900123": a range libphonenumber does not list, as it accepts "+44 …");
    a date, a count or a price never makes one of those."""
    found = []
    for match in _WITHOUT_PLUS_RE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if not 9 <= len(digits) <= 15:
            continue
        try:
            number = phonenumbers.parse("+" + digits, None)
        except phonenumbers.NumberParseException:
            continue
        code_apart = re.match(r"\(?(\d+)\)?[ .\-]", match.group())
        said_as_code = bool(code_apart) and code_apart.group(1) == str(number.country_code)
        possible = said_as_code and phonenumbers.is_possible_number(number)
        if phonenumbers.is_valid_number(number) or (possible and _a_country(number)):
            found.append(phonenumbers.PhoneNumberMatch(match.start(), match.group(), number))
    return found


def _a_country(number: Any) -> bool:
    return phonenumbers.region_code_for_country_code(number.country_code) != "ZZ"


def _international(match: Any) -> bool:
    return match.raw_string.startswith("+") and _a_country(match.number)


def _local_mobile(match: Any) -> bool:
    """ "011-9988 7766": written from the trunk prefix with a mobile number's length; a range newer than
    libphonenumber's list is still the guest's phone (a date or a price never starts with a 0)."""
    possible = phonenumbers.is_possible_number_for_type_with_reason(match.number, phonenumbers.PhoneNumberType.MOBILE)
    return match.raw_string.lstrip().startswith("0") and possible == phonenumbers.ValidationResult.IS_POSSIBLE


def phone_strings(text: str, region: str) -> list[str]:
    """The phone numbers of `text` as written (to keep their digits out of the counts)."""
    return [m.raw_string for m in _phone_matches(text, region)]


def find_phone(text: str, region: str) -> str | None:
    """The last phone number in `text`, in E.164."""
    found = None
    for match in _phone_matches(text, region):
        found = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    return found


# The words just before a room the guest no longer wants: "instead of the", "rather than", "not the", "bukan".
RULED_OUT_ROOM = re.compile(
    r"\b(?:instead of|rather than|in place of|not|no longer|bukan|tak jadi|x jadi|tidak jadi|ganti|gantikan)"
    r"(?:\s+(?:the|a|an|that|this|our|my|dengan|bilik))?\s*$"
)


# A room's word said in two Malay words: "bilik yang sesuai untuk kerusi roda" asks for the room a wheelchair fits, as
# "wheelchair" does in English (`ROOM_WORD_ALIASES`).
ROOM_PHRASE_ALIASES = {"kerusi roda": "wheelchair"}
_ROOM_PHRASES = re.compile(r"\b(?:ber)?(" + "|".join(ROOM_PHRASE_ALIASES) + r")\b")  # "ayah saya berkerusi roda"


def match_room_type(text: str, rooms: Sequence[RoomOption], signals: Signals) -> str | None:
    """The property's room type the guest means: its name or an alias, else its distinctive words (typos allowed)."""
    lowered = PEOPLE_NOT_ROOMS.sub(" ", text.lower())
    lowered = _ROOM_PHRASES.sub(lambda m: ROOM_PHRASE_ALIASES[m.group(1)], lowered)
    words = [ROOM_WORD_ALIASES.get(word, word) for word in re.findall(r"[a-z]+", lowered)]
    vocabulary = set(words)
    aliased = " ".join(words)
    scores: list[tuple[float, int, bool, RoomOption]] = []  # (score, last position, fuzzy, room)
    for room in rooms:
        phrases = [room.name, *room.aliases]
        positions = [m.start() for p in phrases for m in re.finditer(rf"\b{re.escape(p.lower())}\b", lowered)]
        if positions:
            # "the family suite instead of the deluxe king": a room ruled out counts as said before any other.
            kept = [at for at in positions if not RULED_OUT_ROOM.search(lowered, max(0, at - 20), at)]
            scores.append((2.0, max(kept, default=-1), False, room))
            continue
        distinctive = [w for w in re.findall(r"[a-z]+", room.name.lower()) if w not in GENERIC_ROOM_WORDS]
        if not distinctive:
            continue
        points, fuzzy, last = 0.0, False, -1
        for word in distinctive:
            close = [word] if word in vocabulary else []
            if not close and len(word) >= 5:
                close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.84)
                fuzzy = fuzzy or bool(close)
            if close:
                points += 1 if close[0] == word else 0.8
                last = max(last, max(m.start() for m in re.finditer(rf"\b{close[0]}\b", aliased)))
        score = points / len(distinctive)
        if score >= 0.5:
            scores.append((score, last, fuzzy, room))
    if not scores:
        described = _room_by_description(aliased, rooms)
        if described is not None:
            signals.ambiguities.append("room_type_partial")  # the guest described it; the team confirms the name
        return described
    # Full matches beat partial ones; among equals the latest mention wins ("family room? no, a superior queen").
    scores.sort(key=lambda item: (item[0] >= 1, item[0] if item[0] < 1 else 0, item[1]), reverse=True)
    best_score, at, fuzzy, best = scores[0]
    if best_score < 1 and _inside_a_description(aliased, at):
        # "the room with the view of the twin towers": a word of one room's name said inside what describes another
        described = _room_by_description(aliased, rooms)
        if described is not None:
            signals.ambiguities.append("room_type_partial")
            return described
    if len(scores) > 1 and best_score < 1 and scores[1][0] == best_score:
        signals.ambiguities.append("room_type_tie")
    if fuzzy or best_score < 1:
        signals.ambiguities.append("room_type_partial")
    return best.name


# "the room with the city view", "the one that has two bathrooms", "bilik yang ada pemandangan bandar": the words
# after the cue, to the end of the clause, describe the room.
DESCRIBED_ROOM_RE = re.compile(
    r"\b(?:(?:room|rooms|suite|one|bilik)\s+"
    r"(?:with|that has|which has|having|dengan|yang (?:ada|mempunyai|menghadap)|ada)"
    r"|(?<!apa )(?<!mana )yang (?:ada|mempunyai|menghadap))"  # "yang ada pemandangan bandar tu", not "apa yang ada"
    r"\s+([^.,;!?\n]{3,60})"
)
_DESCRIPTION_NOISE = {"the", "and", "with", "that", "has", "have", "for", "our", "its", "one", "are", "yang", "ada"}
# A room described in Malay, read against a description written in English ("bilik yang ada dua bilik air").
_DESCRIPTION_PHRASES = re.compile(r"\b(?:bilik air|bilik mandi|tandas)\b")
_DESCRIPTION_WORDS = {
    "dua": "two", "tiga": "three", "menara": "tower", "katil": "bed", "bujang": "single", "besar": "large",
    "ruang": "area", "tamu": "living", "pancuran": "shower", "balkoni": "balcony", "beranda": "balcony",
}  # fmt: skip


def _stems(text: str) -> set[str]:
    text = _DESCRIPTION_PHRASES.sub("bathroom", text.lower())
    words = (_DESCRIPTION_WORDS.get(w, w) for w in re.findall(r"[a-z]{3,}", text))
    return {w.rstrip("s") for w in words if w not in _DESCRIPTION_NOISE}


def _inside_a_description(aliased: str, position: int) -> bool:
    return any(m.start(1) <= position < m.end(1) for m in DESCRIBED_ROOM_RE.finditer(aliased))


def _room_by_description(aliased: str, rooms: Sequence[RoomOption]) -> str | None:
    """The room whose knowledge-base description alone holds the words the guest described it with; None
    when the words fit none, or two rooms as well."""
    described = [room for room in rooms if room.description]
    if not described:
        return None
    wanted = set().union(*(_stems(m.group(1)) for m in DESCRIBED_ROOM_RE.finditer(aliased)))
    if not wanted:
        return None
    words = {room.name: _stems(room.description) for room in described}
    scores = []
    for room in described:
        others = set().union(*(w for name, w in words.items() if name != room.name))
        scores.append((len(wanted & (words[room.name] - others)), room.name))
    scores.sort(reverse=True)
    if scores[0][0] == 0 or (len(scores) > 1 and scores[1][0] == scores[0][0]):
        return None
    return scores[0][1]


def _last_number(pattern: re.Pattern[str], text: str, *more: re.Pattern[str]) -> int | None:
    """The count of the last match of `pattern` (or of `more`, the same count written another way)."""
    value, at = None, -1
    for each in (pattern, *more):
        for match in each.finditer(text):
            if match.start() > at:
                token = next(group for group in match.groups() if group)
                value, at = number_value(token), match.start()
    return value


def _last_match(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    matches = list(pattern.finditer(text))
    return matches[-1] if matches else None


def _us_after_adults(text: str) -> int | None:
    """The party said as "us" ("only 3 of us now", "kami bertiga") in a later message than the last adults counted."""
    ends = [m.end() for pattern in (ADULTS_RE, ADULTS_LABEL_RE) for m in pattern.finditer(text)]
    us = _last_match(ADULTS_AS_US_RE, text)
    if not ends or us is None or "\n" not in text[max(ends) : us.start()]:
        return None
    return number_value(next(group for group in us.groups() if group))


def _named_after_count(text: str) -> bool:
    """A later message names the party after the last count of adults ("2 adults", then "actually it's me, my wife
    and my mother"): the later message wins, as everywhere."""
    ends = [m.end() for pattern in (ADULTS_RE, ADULTS_LABEL_RE) for m in pattern.finditer(text)]
    later = text.find("\n", max(ends)) if ends else -1
    return later >= 0 and named_adults(text[later:]) is not None


def _same_month_day(day: dt.date, number: int) -> dt.date | None:
    try:
        return day.replace(day=number)
    except ValueError:
        return None


_LONGEST_STAY = dt.timedelta(days=31)


def _in_month(day: dt.date, month: int) -> dt.date | None:
    """`day` moved to `month`: this year's, or the next when that month has passed for this stay."""
    year = day.year if month >= day.month else day.year + 1
    try:
        return day.replace(year=year, month=month)
    except ValueError:  # the 31st in a shorter month
        return None


def _end_after(check_in: dt.date, end: dt.date) -> dt.date | None:
    """The end of a stay written without its year ("arriving 23 Dec 2027, leaving 26 Dec"): read in the check-in's
    year (or the next, over New Year) when that falls within a month after the check-in."""
    if end > check_in:
        return end
    for year in (check_in.year, check_in.year + 1):
        try:
            moved = end.replace(year=year)
        except ValueError:  # 29 February
            continue
        if check_in < moved <= check_in + _LONGEST_STAY:
            return moved
    return None


def _assign_dates(
    per_message: list[list[DateMention]], intent: str, signals: Signals, nights_said_in: int = -1
) -> dict[str, dt.date | None]:
    """Check-in/out (or the event date) from each message's date mentions, the newest winning.

    `nights_said_in`: the index of the last message that gave a night count; a night count said
    after the dates ("make that 3 nights") corrects the check-out the dates implied.
    """
    check_in: dt.date | None = None
    check_out: dt.date | None = None
    check_out_said_in = -1
    for index, mentions in enumerate(per_message):
        if not mentions:
            continue
        first = mentions[0] if check_in is None else mentions[0].near(check_in)  # "20 Nov 2027", then "27 Nov"
        if first.kind == "month_only":  # "eh bukan Jun, Julai": the same days, in that month
            if check_in is not None and (moved := _in_month(check_in, first.start.month)):
                check_out = check_out + (moved - check_in) if check_out is not None else None
                check_in = moved
            continue
        # "checking out on the 5th", said after the check-in: the first such day after it.
        out = day_after(check_in, first.start.day) if first.kind == "bare_day" and check_in is not None else None
        # "make it the 8th instead of the 7th": the day ruled out says which end of the stay moves.
        ends_it = check_out is not None and first.replaces == check_out.day != getattr(check_in, "day", None)
        if out is not None and (first.is_checkout_hint or ends_it):
            check_out, check_out_said_in = out, index
            continue
        day_of_it = out if first.kind == "bare_day" else first.start  # "out on 12 May for the day" is said in full
        if first.aside and day_of_it is not None and check_out is not None and check_in < day_of_it < check_out:
            continue  # "we'll eat out on the 11th" of a stay from the 10th to the 13th: a day of it, no new stay
        if first.kind == "bare_day" and check_in is not None:
            # "sorry, the 21st not the 20th": the same month as the stay we know, the stay's length kept.
            moved = _same_month_day(check_in, first.start.day)
            # "actually the 11th to the 14th", "11hb hingga 14hb": the next day said right after it ends the stay moved.
            then = next((m for m in mentions[1:] if m.kind == "bare_day" and m.position - first.position <= 16), None)
            if moved is not None and then is not None and (out := day_after(moved, then.start.day)) is not None:
                check_in, check_out, check_out_said_in = moved, out, index
                continue
            if moved is not None:
                if check_out is not None:
                    check_out += moved - check_in
                check_in = moved
                continue
        if first.end is not None:
            check_in, check_out, check_out_said_in = first.start, first.end, index
        elif check_in and first.is_checkout_hint and (out := _end_after(check_in, first.start)):
            check_out, check_out_said_in = out, index
            continue
        else:
            check_in, check_out = first.start, None
        for later in mentions[1:]:
            if check_out is None and (out := _end_after(check_in, later.start)):
                check_out, check_out_said_in = out, index
                break
        if any(mention.vague for mention in mentions):
            signals.ambiguities.append("date_vague")
    if check_out is not None and nights_said_in > check_out_said_in:
        check_out = None
    if intent in ("event", "fb_inquiry"):
        return {"event_date": check_in, "check_in": None, "check_out": None}
    return {"check_in": check_in, "check_out": check_out, "event_date": None}


# Requests a receptionist writes on the booking without asking for them (English and Malay). An allergy
# keeps the words that follow it, up to the end of the clause: "allergic to peanuts", "alahan kacang".
# A late arrival keeps its time: "arriving late, around midnight" is what the night desk must know.
_AT_TIME = (
    r"(?:\s*,?\s*(?:at|around|about|after|by|before|sekitar|lebih kurang|dalam|pukul|pkl|jam|kira-kira|maybe|mungkin"
    r"|probably|roughly|approximately|likely)"
    r"){0,2}\s+(?:midnight|(?:tengah|tgh)\s+malam"
    r"|\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|(?:tengah|tgh)\s+malam|pagi|malam|mlm|petang)|\d{1,2}[:.]\d{2})"
)
# An event's meal, after the word that asks for it; the word itself is left off the phrase kept.
_MEAL_ASKING_WORDS = (
    r"(?:need|needs|want|with|plus|including|include|and|perlu|perlukan|dengan|serta|dan|nak|mahu|sediakan|termasuk)"
)
_MEAL_WANTED = (
    rf"\b{_MEAL_ASKING_WORDS}\s+(?:a\s+)?(?:buffet\s+)?(?:lunch|dinner|hi-?tea|high\s+tea|tea\s+break"
    r"|makan\s+(?:tengah\s+hari|tengahari|malam)|jamuan(?:\s+(?:makan|tengah\s+hari|malam))?)\b"
    r"(?:\s+(?:for|untuk)\s+(?:everyone|everybody|all(?:\s+of\s+us)?|the\s+(?:group|team)|semua(?:\s+orang)?))?"
)
_MEAL_ASKING_WORD_RE = re.compile(rf"^{_MEAL_ASKING_WORDS}\s+", re.IGNORECASE)
SPECIAL_REQUEST_RE = re.compile(
    r"\b(?:extra|additional|more|spare)\s+(?:pillows?|blankets?|towels?|bed ?sheets?|beds?|mattress(?:es)?)\b"
    r"|\b(?:bantal|selimut|tuala|cadar|katil|tilam)\s+(?:tambahan|lebih)\b"
    # What an event needs: its equipment and its meals ("a projector", "PA system", "vegetarian meals", "pelamin").
    r"|\b(?:projectors?|projektor|(?:lcd|led)\s+screen|microphones?|mikrofon|wireless mics?|pa system|sound system"
    r"|sistem (?:pa|bunyi)|whiteboard|flip ?charts?|pelamin|wheelchair(?:\s+access)?|kerusi roda"
    r"|(?:coffee|tea)[ -]breaks?|minum (?:pagi|petang))\b"
    r"|\b(?:vegetarian|vegan)(?:\s+(?:meals?|food|menu|options?))?\b|\bmakanan\s+(?:vegetarian|sayur(?:an)?)\b"
    r"|\b(?:(?:late|early)\s+(?:check[- ]?in|arrival)|arriv(?:e|ing)\s+late"
    rf"|(?:daftar masuk|check[- ]?in)\s+(?:lewat|awal)|(?:sampai|tiba)\s+lewat(?:\s+malam)?)(?:{_AT_TIME})?"
    rf"|\b(?:arriv(?:e|ing|al)|(?:sampai|tiba)(?:\s+di\s+hotel)?)(?:{_AT_TIME})"
    r"|\b(?:late|early)\s+check[- ]?out\b|\b(?:daftar keluar|check[- ]?out)\s+(?:lewat|awal)\b"
    rf"|\bcheck(?:ing)?[- ]?in\s+(?:late|early)\b(?:{_AT_TIME})?"
    r"|\b(?:baby\s+)?(?:cot|crib)\b|\bkatil\s+bayi\b"
    # The ride from the airport, and a room without smoke, in either language ("jemput di lapangan terbang").
    r"|\bairport\s+(?:pick[- ]?ups?|transfers?|shuttle|transport|limo)\b"
    r"|\bpick\s+(?:us|me|them)\s+up\s+(?:from|at)\s+(?:the\s+)?airport\b"
    r"|\b(?:jemput(?:an)?|ambil|pengangkutan|transport)\s+(?:(?:di|dari|ke)\s+)?(?:lapangan\s+terbang|airport|klia2?)\b"
    r"|\bnon[- ]?smoking(?:\s+rooms?)?\b|\bno[- ]smoking\s+rooms?\b"
    r"|\b(?:bilik\s+)?(?:(?:yang\s+)?(?:tak|tidak|bukan|x)\s+merokok|bebas\s+(?:asap\s+)?rokok)\b"
    r"|\b(?:adjoining|interconnecting)\s+rooms?\b|\bbilik\s+(?:mesra\s+)?oku\b"
    r"|\baway\s+from\s+the\s+(?:lifts?|elevators?|road|street)\b|\bjauh\s+dari\s+(?:lif|jalan(?:\s+raya)?)\b"
    # What decorates the room or the table: "kek hari jadi" keeps its cake, "hiasan belon" its balloons.
    r"|\bkek(?:\s+(?:hari\s+jadi|harijadi|ulang\s*tahun|birthday|perkahwinan))?\b"
    r"|\b(?:(?:room|birthday|anniversary|balloon|flower)\s+)?decorations?\b|\bhiasan(?:\s+(?:bilik|belon|bunga))?\b"
    r"|\b(?:balloons?|belon|rose\s+petals?)\b"
    r"|\bhalal\s+(?:food|meals?|menu|catering|options?)\b|\b(?:menu|makanan|hidangan)\s+halal\b"
    # An event's meal, only beside a word that asks for it: "we need lunch", "dengan makan tengah hari" (a guest who
    # asks whether breakfast is served is asking a question, not adding to the booking).
    rf"|{_MEAL_WANTED}"
    r"|\b(?:high|higher|top)\s+floor\b|\btingkat\s+(?:atas|tinggi)\b|\bquiet\s+room\b|\bbilik\s+senyap\b"
    r"|\bconnecting\s+rooms?\b|\bbilik\s+bersambung\b"
    # What the stay or the meal celebrates: "my dad's 70th (birthday)", "ulang tahun perkahwinan", "hari jadi ke-60",
    # a farewell or a retirement.
    r"|\b(?:[a-z]+['’]s|my|our|his|her)\s+\d{1,3}(?:st|nd|rd|th)\b(?:\s+(?:birthday|anniversary))?"
    r"|\b(?:(?:wedding\s+)?anniversary|birthday|hari\s+jadi|ulang\s*tahun(?:\s+(?:perkahwinan|kahwin))?)"
    r"(?:\s+(?:yang\s+)?ke-?\s?\d{1,3})?(?:\s+(?:cake|surprise|decoration|kek))?\b"
    r"|\b(?:farewell|retirement|persaraan|bersara|graduation|konvokesyen)\b"
    r"|\b(?:allergic\s+to|allergy\s+to|allergies\s+to|alergi|alahan)\s+[^.,;!?\n]{2,40}"
    # When the guest wants to come in their own words, beside the date we read from them: a holiday that moves with
    # its calendar ("over Deepavali", "the Hari Raya weekend") or the school holidays, for the team to confirm.
    r"|\b(?:(?:over|during|for|at|on|masa|semasa|waktu|pada|sempena|time of)\s+(?:the\s+)?)?"
    rf"{NOT_A_HOLIDAY_BEFORE}\b(?:{MOVING_HOLIDAY_NAMES})(?:['’]s)?(?:\s+(?:eve|weekend|week|holidays?|break))?\b"
    r"|\b(?:(?:over|during|for|in|masa|semasa|waktu|pada)\s+(?:the\s+)?)?(?:school\s+(?:holidays?|break)|cuti\s+sekolah"
    r"|cuti\s+penggal|half[- ]term)\b",
    re.IGNORECASE,
)


# A thing asked to be arranged for the stay, in an open form: "could you arrange some flowers in the room?", "can you
# please prepare a cake", "boleh sediakan sejadah?", "tolong aturkan bilik dekat lif". Only the verbs that ask the hotel
# to set something up: "could you tell me …", "boleh saya tahu …" ask a question and add nothing, nor does a thing
# that is information ("could you provide the price").
OPEN_REQUEST_RE = re.compile(
    r"\b(?:(?:could|can|would|will)\s+you\s+(?:please\s+|kindly\s+|also\s+)*"
    r"|(?:please|pls|kindly)\s+(?:also\s+)?|(?:boleh|tolong|mohon|minta|sila)\s+(?:tak\s+|x\s+|juga\s+)*)"
    r"(?:arrange|organi[sz]e|prepare|set\s+up|put|place|provide|sediakan|aturkan|atur|uruskan|siapkan|letakkan"
    r"|sediakan|bagi|berikan)\s+"
    r"(?P<what>(?!(?:me|us|kami|saya)\b|(?:the\s+|some\s+|more\s+)?(?:info|information|details?|price|prices|rates?"
    r"|quote|quotation|maklumat|harga|butiran|sebut\s+harga)\b)[^.?!,;\n]{3,60})",
    re.IGNORECASE,
)
_REQUEST_WHEN = re.compile(r"\s+(?:for|untuk|utk|on|pada|at|from|dari)\s+\d.*$", re.I)  # "… for 20 people on 3 March"
_REQUEST_TAIL = re.compile(
    r"(?:\s+(?:ya|yea|yah|please|pls|tak|x|ke|kah|thanks|thank\s+you|tq|for\s+us|if\s+possible))+\s*$", re.I
)


# A service of the hotel's booked for a day, not a room: "can I book a massage for tomorrow", "nak book spa esok",
# "tempah urutan untuk 2 orang", "book me a taxi to KLIA". The thing booked is what staff arrange; a question about
# the spa or a taxi's fare asks for nothing.
SERVICE_BOOKED_RE = re.compile(
    r"\b(?:book|booking|reserve|tempah|tempahan|arrange|schedule|aturkan|uruskan)\s+"
    r"(?:(?:me|us|for\s+(?:me|us)|untuk\s+(?:saya|kami))\s+)?(?:(?:an?|the|one|two|\d|satu|dua|sesi)\s+)?"
    r"(?P<what>(?:(?:couples?|body|foot|full[- ]body|aromatherapy|balinese|thai|traditional|hot stone)\s+)?massages?"
    r"|spa(?:\s+(?:treatments?|sessions?|packages?|appointments?|slots?))?|facials?|(?:foot\s+)?reflexology"
    r"|urut(?:an)?(?:\s+(?:badan|kaki|tradisional))?|rawatan\s+spa|taxis?|cabs?|teksi|limo(?:usine)?"
    r"|(?:airport\s+)?(?:transfers?|shuttle)|car\s+rental|kereta\s+sewa)\b",
    re.IGNORECASE,
)


def find_special_requests(items: Sequence[GuestText]) -> str | None:
    """Every special request the guest made, in their words, once each and in the order made."""
    found: list[str] = []
    for item in items:
        phrases = [
            _MEAL_ASKING_WORD_RE.sub("", " ".join(m.group(0).split()).rstrip())
            for m in SPECIAL_REQUEST_RE.finditer(item.text)
        ]
        booked = (" ".join(m.group("what").split()) for m in SERVICE_BOOKED_RE.finditer(item.text))
        phrases += [thing for thing in booked if not any(thing.casefold() in p.casefold() for p in phrases)]
        for match in OPEN_REQUEST_RE.finditer(item.text):
            asked = _REQUEST_TAIL.sub("", _REQUEST_WHEN.sub("", " ".join(match.group("what").split())))
            # "boleh sediakan sejadah dan kerusi roda?": what the list reads already ("kerusi roda") is kept once.
            for phrase in phrases:
                asked = re.sub(rf"(?:\s*\b(?:and|dan|&|,)\s*)?\b{re.escape(phrase)}\b", " ", asked, flags=re.I)
            asked = _REQUEST_TAIL.sub("", re.sub(r"^\W*(?:(?:an?|the|some|and|dan)\b\W*)*", "", asked).strip(" ,&"))
            if len(asked) >= 3:
                phrases.append(asked)
        for phrase in phrases:
            if phrase.casefold() not in {f.casefold() for f in found}:
                found.append(phrase)
    return "; ".join(found) or None


# Kept per text (pure functions of one guest message): every turn reads all of the conversation's messages again,
# twice (before the answer and for the lead's upsert), and each count check read each message once per pattern.
@functools.lru_cache(maxsize=4096)
def _without_changes(text: str) -> str:
    lowered = without_children_changes(counting_text(text.lower()))
    return without_party_changes(lowered)


@functools.lru_cache(maxsize=4096)
def _gives_count(text: str, patterns: tuple[re.Pattern[str], ...]) -> bool:
    """Does one guest message say a count one of `patterns` reads, the changes to the party taken out?"""
    lowered = _without_changes(text)
    return any(p.search(lowered) for p in patterns)


_CHILDREN_COUNTS = (
    CHILDREN_RE, CHILDREN_LABEL_RE, AGENT_PARTY_RE, PLUS_PARTY_RE, CHILDREN_AMONG_RE, LABELLED_PAIR_RE,
)  # fmt: skip
_CHILDREN_COUNTS_OR_NONE = (*_CHILDREN_COUNTS, NO_CHILDREN_RE)


def _no_children_said(lowered: str) -> bool:
    return bool(NO_CHILDREN_RE.search(lowered)) and not any(p.search(lowered) for p in _CHILDREN_COUNTS)


def _apply_children_changes(raw: dict[str, Any], items: Sequence[GuestText]) -> None:
    """ "One more kid" after "2 adults and 1 child" is 2 children, "the kids aren't coming after all" none: the
    changes said after the last count of the children, in the order said. A count said again wins over them."""
    last_count = max(
        (i for i, item in enumerate(items) if _gives_count(item.text, _CHILDREN_COUNTS_OR_NONE)), default=-1
    )
    children = raw["children"]
    if last_count >= 0 and children and _no_children_said(_without_changes(items[last_count].text)):
        children = 0  # "2 adults and a kid", then "sorry, no kids, all adults"
    said = [_lowered(item.text) for item in items]  # each message's counting text, made once
    for index in range(last_count + 1, len(items)):
        item, lowered = items[index], said[index]
        if last_count >= 0:
            # "2 adults 1 child", then "her twin brother is coming too": the child's brother or sister is one more.
            children = (children or 0) + childs_kin(lowered, "\n".join(said[:index]))
        if CHILDREN_DROPPED_RE.search(CHILDREN_LESS_RE.sub(" ", lowered)) and children:
            if raw["group_size"] is not None and raw["group_size"] > children:
                raw["group_size"] -= children
            children = 0
        delta = children_change(item.text)
        if delta > 0 and last_count < 0 and KIN_RE.search(without_children_changes(lowered)):
            # "Our son wants to come too, so add one more kid": with no count of the children said, the family's
            # words are the count, and the son named here is already in it; the kid added is him ("tambah sorang
            # baby" names the baby only as the one added: one more).
            delta = 0
        if delta and (children or 0) + delta >= 0:
            children = (children or 0) + delta
            if raw["group_size"] is not None and raw["group_size"] + delta >= 1:
                raw["group_size"] += delta
    raw["children"] = children


_ADULT_COUNTS = (
    ADULTS_RE,
    ADULTS_LABEL_RE,
    COUPLE_RE,
    SOLO_RE,
    GROUP_RE,
    AGENT_PARTY_RE,
    PLUS_PARTY_RE,
    ADULTS_AS_US_RE,
)


def _apply_party_changes(raw: dict[str, Any], items: Sequence[GuestText]) -> None:
    """ "One more person is joining" after "2 adults" is 3 adults: the changes said after the last count given."""
    last_count = max((i for i, item in enumerate(items) if _gives_count(item.text, _ADULT_COUNTS)), default=-1)
    said = [_lowered(item.text) for item in items]
    delta = sum(party_change(item.text, "\n".join(said[:i])) for i, item in enumerate(items) if i > last_count)
    joining = sum(joining_adults(text, "\n".join(said[:i])) for i, text in enumerate(said))
    if last_count < 0 and raw["adults"] is None and joining:
        raw["adults"] = 1 + joining  # "my parents are joining me", nobody counted before: the guest and them
        return
    if not delta or last_count < 0:
        return
    for key in ("adults", "group_size"):
        if raw[key] is not None and raw[key] + delta >= 1:
            raw[key] += delta


def _a_stay_asked_first(items: Sequence[GuestText], ctx: ExtractionContext) -> bool:
    """The conversation opened as a room enquiry before any message spoke of the restaurant or its meals ("Deluxe King
    10-14 May", then "any good restaurant for dinner?", "can we book a table on the 11th?"): a guest who is staying asks
    where to eat, and a table beside the stay is one of its requests; the stay stays the enquiry."""
    for count in range(1, len(items)):
        said = "\n".join(item.text for item in items[:count])
        signals = Signals()  # a reading of the opening only: the whole conversation's signals are the caller's
        chosen = match_room_type(said, ctx.rooms, signals) is not None
        intent = detect_intent(EMAIL_RE.sub(" ", said), signals, room_chosen=chosen)
        if intent != "general":
            return intent == "room_booking" and chosen
    return False


def extract(messages: Sequence[GuestText | str], ctx: ExtractionContext) -> ExtractionResult:
    """Read every guest message of a conversation (oldest first) and return the validated lead fields."""
    items = [m if isinstance(m, GuestText) else GuestText(m) for m in messages]
    signals = Signals()
    whole = "\n".join(item.text for item in items)
    lowered = whole.lower()
    room_type = match_room_type(whole, ctx.rooms, signals)
    # "events@…", "seminar@…": an address names no intent.
    intent = detect_intent(EMAIL_RE.sub(" ", whole), signals, room_chosen=room_type is not None)
    if intent == "fb_inquiry" and room_type is not None and _a_stay_asked_first(items, ctx):
        intent = "room_booking"

    raw: dict[str, Any] = {"intent": intent}
    name_rank = {"explicit": 3, "signature": 2, "weak": 1}
    best_rank = 0
    per_message_dates: list[list[DateMention]] = []
    month_before: dt.date | None = None  # "any Family Suite in May 2027?", then "the 7th to the 9th"
    for item in items:
        base = (item.sent_at or ctx.reference).astimezone(ctx.tzinfo)
        mentions = find_dates(item.text, base, month_before)
        if not any(per_message_dates) and not mentions:
            month_before = month_named(item.text, base.date()) or month_before
        # "our son's birthday on the 19th", said beside the stay's dates or after them: that day is no stay date.
        other = other_occasion_dates(item.text, mentions) if intent not in ("event", "fb_inquiry") else []
        if other and (any(per_message_dates) or len(other) < len(mentions)):
            mentions = [m for m in mentions if m not in other]
        per_message_dates.append(mentions)
        name, how = find_name(item.text)
        if name is None and (name := name_beside_contact(item.text, ctx.country)):
            how = "weak"
        if name and (name_rank[how] >= best_rank or restates_name(raw.get("name"), name, item.text)):
            raw["name"], best_rank = name, max(best_rank, name_rank[how])
        if phone := find_phone(item.text, ctx.country):
            raw["phone"] = phone
        if emails := EMAIL_RE.findall(item.text):
            raw["email"] = emails[-1]
    if best_rank == name_rank["weak"]:
        signals.ambiguities.append("name_weak")
    without_phones = EMAIL_RE.sub(" ", lowered)
    for raw_number in phone_strings(whole, ctx.country):
        without_phones = without_phones.replace(raw_number.lower(), " ")
    without_phones = DATE_PHRASE_RE.sub(" ", counting_text(without_phones))
    # "One more person is joining" changes the party (`_apply_party_changes`); it is not a party of one.
    without_phones = without_children_changes(without_phones)  # "tambah sorang budak": `_apply_children_changes`
    without_phones = without_party_changes(without_phones)
    # "Add one more night", "tambah satu malam lagi" lengthens the stay; it is no count of nights of its own.
    without_phones = NIGHTS_MORE_RE.sub(" ", without_phones)
    without_phones = without_price_nights(without_phones)
    stay_texts = [NIGHTS_MORE_RE.sub(" ", without_price_nights(counting_text(item.text.lower()))) for item in items]
    nights_said_in = max(
        (i for i, text in enumerate(stay_texts) if any(p.search(text) for p in (NIGHTS_RE, WEEK_RE, DAYS_LATER_RE))),
        default=-1,
    )
    raw.update(_assign_dates(per_message_dates, intent, signals, nights_said_in))
    nights = _last_number(NIGHTS_RE, without_phones, DAYS_LATER_RE)
    if nights is None and (dn := DAYS_NIGHTS_RE.search(without_phones)):
        nights = int(next(group for group in dn.groups() if group))
    if nights is None and (weeks := WEEK_RE.search(without_phones)):
        nights = week_nights(weeks)
    added = sum(nights_added(item.text) for item in items[nights_said_in + 1 :])
    if added and nights is None and raw["check_in"] and raw["check_out"]:
        nights = (raw["check_out"] - raw["check_in"]).days
    if added and nights is not None:
        nights, raw["check_out"] = nights + added, None  # the check-out follows the longer stay
    if nights is None and raw["check_in"] and raw["check_out"] is None and TONIGHT_RE.search(lowered):
        nights = 1  # "any room for tonight?", "bilik utk mlm ni": tonight is one night until the guest says more
    raw["nights"] = nights
    if intent == "general" and raw["check_in"] and (raw["check_out"] or nights):
        # "2 adults, 14 to 16 September", "saya dan isteri, 20 hingga 22 Julai": a stay with its end or its length,
        # said to a hotel and naming nothing else, is a room.
        intent = raw["intent"] = "room_booking"
    elif intent == "general" and raw["check_in"]:
        # "Can I book a massage for tomorrow?", "nak tempah teksi pagi esok": no stay, the day of what is asked for.
        raw["event_date"], raw["check_in"], raw["check_out"] = raw["check_in"], None, None
    raw["adults"] = _last_number(ADULTS_RE, without_phones, ADULTS_LABEL_RE)
    if raw["adults"] is None:
        raw["adults"] = couples(without_phones)  # "two couples"
    if raw["adults"] is None or _named_after_count(without_phones):
        # "me, my wife and my parents", "saya, suami dan mak saya"; a party named after a count corrects it
        raw["adults"] = named_adults(without_phones) or raw["adults"]
    if raw["adults"] is None and (pair := _last_match(ADULTS_BEFORE_CHILDREN_RE, without_phones)):
        raw["adults"] = number_value(pair.group(1))  # "a room for 2 plus a baby"
    if raw["adults"] is None and COUPLE_RE.search(without_phones):
        raw["adults"] = 2
    elif raw["adults"] is None and (SOLO_RE.search(without_phones) or SOLO_WITH_CHILDREN_RE.search(without_phones)):
        raw["adults"] = 1
    raw["children"] = _last_number(CHILDREN_RE, without_phones, CHILDREN_LABEL_RE, CHILDREN_AMONG_RE)
    if raw["children"] == _last_number(CHILDREN_RE, without_phones) and (listed := joined_children(without_phones)):
        raw["children"] = listed
    agent = AGENT_PARTY_RE.search(without_phones) or PLUS_PARTY_RE.search(without_phones)
    if agent and raw["adults"] is None:
        raw["adults"], raw["children"] = int(agent.group(1)), raw["children"] or int(agent.group(2))
    if pairs := list(LABELLED_PAIR_RE.finditer(without_phones)):  # "dewasa 2 budak 3", unless counted again later
        pair = pairs[-1]
        if not any(m.start() >= pair.end() for m in ADULTS_RE.finditer(without_phones)):
            raw["adults"] = int(pair.group("adults"))
        if not any(m.start() >= pair.end() for m in CHILDREN_RE.finditer(without_phones)):
            raw["children"] = int(pair.group("children"))
    if raw["children"] is None:
        raw["children"] = children_after(without_phones)
    if raw["children"] is None:
        raw["children"] = children_by_ages(without_phones)  # "kids aged 5 and 8", "kanak2 umur 5 dan 8"
    if raw["children"] is None and (family := family_children(without_phones)) is not None:
        # "my two boys", "2 sons and a daughter"; "anak sulung … adik dia pun ikut": and their brothers and sisters
        raw["children"] = family + childs_kin(without_phones)
    if raw["children"] is None and NO_CHILDREN_RE.search(without_phones):
        raw["children"] = 0  # "no kids", "semua dewasa"
    if raw["adults"] is None and PARENT_AND_CHILD_RE.search(without_phones):
        raw["adults"] = 1  # "my daughter and me"
    # "anak2 nak ikut, 2 orang" counts the children, not the party.
    raw["group_size"] = _last_number(GROUP_RE, CHILDREN_AMONG_RE.sub(" ", CHILDREN_AFTER_RE.sub(" ", without_phones)))
    if agent and raw["group_size"] == int(agent.group(1)):
        raw["group_size"] += int(agent.group(2))  # "a room for 2+1": the "for 2" is the adults of a party of 3
    if raw["group_size"] is None and (others := AND_OTHERS_RE.search(without_phones)):
        raw["group_size"] = number_value(others.group(1)) + 1
    if raw["adults"] is None and raw["children"] is None and intent == "room_booking":
        raw["adults"] = _last_number(ADULTS_AS_US_RE, without_phones)
    us = us_before_children(without_phones) if raw["children"] and intent == "room_booking" else None
    if us is not None and raw["adults"] in (None, us):
        raw["adults"], raw["group_size"] = us, us + raw["children"]  # "2 of us and our daughter": 2 adults, 3 guests
    if raw["adults"] is None and raw["children"] and intent == "room_booking":
        if SPOUSE_AND_GUEST_RE.search(without_phones):
            raw["adults"] = 2  # "my wife, our 2 daughters and I"
        elif raw["group_size"] and raw["group_size"] > raw["children"]:
            raw["adults"] = raw["group_size"] - raw["children"]  # "a family of 4, 2 kids"
    # "a room for 2", "2 pax", "untuk dua orang": with nobody said to be a child, a receptionist books the party as its
    # adults (a family, children or students are not all adults: their split is asked).
    all_adults = raw["children"] == 0 or (raw["children"] is None and not NOT_ALL_ADULTS_RE.search(without_phones))
    if raw["adults"] is None and intent == "room_booking" and raw["group_size"] and all_adults:
        raw["adults"] = raw["group_size"] - (raw["children"] or 0)
    if intent == "room_booking" and not raw["children"] and (us := _us_after_adults(without_phones)):
        raw["adults"] = us  # "2 adults" then "scratch that, only 3 of us now": the newer count wins
    _apply_party_changes(raw, items)
    _apply_children_changes(raw, items)
    if intent == "room_booking" and raw["children"] is None:
        # "me, my wife and the kids", "a family of 4": how many children is the one thing left to ask of the party.
        family_size = raw["adults"] is None and FAMILY_SIZE_RE.search(without_phones)
        uncounted = UNCOUNTED_CHILDREN_RE.search(without_phones) or A_CHILD_NAMED_RE.search(without_phones)
        if uncounted and raw["adults"] and raw["group_size"] and raw["group_size"] > raw["adults"]:
            # "kami bertiga, saya, isteri dan anak", "we're 4, me, hubby and the kids": the rest of the party
            raw["children"] = raw["group_size"] - raw["adults"]
        elif uncounted or family_size:
            signals.unclear.append("children")
    raw["rooms"] = _last_number(ROOMS_RE, without_phones)
    raw["room_type"] = room_type
    raw["special_requests"] = find_special_requests(items)

    fields, rejected = validate_fields(raw, ctx)
    return ExtractionResult(fields=fields, rejected=rejected, signals=signals)
