"""Finding stay and event dates in English and Malay guest text.

dateparser parses each phrase we find; we find the phrases ourselves because its `search_dates`
swallows neighbouring words ("esok, 2" → a date) and misses Malay forms. What dateparser lacks
we compute: "lusa" (the day after tomorrow), weekends ("hujung minggu ini/depan"), Malay
weekdays with "depan"/"ini", and "15hb Disember" (the "hb" = haribulan suffix).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

import dateparser

MONTHS = {
    "january": 1, "jan": 1, "januari": 1,
    "february": 2, "feb": 2, "februari": 2,
    "march": 3, "mar": 3, "mac": 3,
    "april": 4, "apr": 4,
    "may": 5, "mei": 5,
    "june": 6, "jun": 6,
    "july": 7, "jul": 7, "julai": 7,
    "august": 8, "aug": 8, "ogos": 8, "ogo": 8,
    "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "oktober": 10, "okt": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12, "disember": 12, "dis": 12,
}  # fmt: skip
MONTH = r"(?P<{name}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
WEEKDAYS = {
    "monday": 0, "isnin": 0, "tuesday": 1, "selasa": 1, "wednesday": 2, "rabu": 2, "thursday": 3, "khamis": 3,
    "friday": 4, "jumaat": 4, "jumat": 4, "saturday": 5, "sabtu": 5, "sunday": 6, "ahad": 6, "minggu": 6,
}  # fmt: skip
_WEEKDAY = "|".join(day for day in WEEKDAYS if day != "minggu")  # "minggu" alone means "week"
# The short forms guests type ("Fri to Sun", "sat-mon", "this Thurs", "checking in sat, out mon", "arriving Thu"): a
# weekday only beside another weekday of a range or after "this", "next", "on", "in", "out", "arriving", "leaving"
# ("I sat by the pool", "sun deck" name none); read as the full name.
_SHORT_WEEKDAYS = {
    "mon": "monday", "tue": "tuesday", "tues": "tuesday", "wed": "wednesday", "weds": "wednesday",
    "thu": "thursday", "thur": "thursday", "thurs": "thursday", "fri": "friday", "sat": "saturday", "sun": "sunday",
    "jum": "jumaat", "sab": "sabtu",
}  # fmt: skip
_SHORT = "|".join(sorted(_SHORT_WEEKDAYS, key=len, reverse=True))
_ANY_DAY = rf"(?:{'|'.join(sorted(WEEKDAYS, key=len, reverse=True))}|{_SHORT})"
_SHORT_WEEKDAY = re.compile(
    r"(?P<pre>\b(?:this|next|coming|on|from|in|out|by|until|till|arriving|arrive|leaving|leave|departing|depart"
    rf"|pada|hari|masuk|keluar)\s+)?\b(?P<day>{_SHORT})\b\.?"
)
_DAY_SEP = r"\s*(?:-|–|to|till|until|thru|through|&|and|n|sampai|hingga|ke)\s*"
_DAY_AFTER = re.compile(rf"{_DAY_SEP}{_ANY_DAY}\b")
_DAY_BEFORE = re.compile(rf"\b{_ANY_DAY}\.?{_DAY_SEP}$")


# "fri 12 to sun 14 March", "Jumaat 5hb - Ahad 7hb Mac": a weekday before a day of a month named just after only
# restates that day, and would split the range; it goes ("Friday 2 adults" keeps its weekday: no month follows).
_WEEKDAY_OF_A_DATE = re.compile(
    rf"\b(?:hari\s+)?{_ANY_DAY}\.?,?\s+(?=(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th|hb)?\b[^\n]{{0,25}}?\b(?:"
    + "|".join(sorted(MONTHS, key=len, reverse=True))
    + r")\b)"
)


# "from Fri 3 Sept to Sun": a short weekday that ends the clause after "to" ends a range.
_TO_DAY_BEFORE = re.compile(r"\d[^,.;!?\n]{0,25}\b(?:to|sampai|hingga)\s+$")
_CLAUSE_END = re.compile(r"\s*(?:$|[,.;!?\n])")


def _full_weekday(match: re.Match[str]) -> str:
    text, start, end = match.string, match.start("day"), match.end()
    ends_a_range = _TO_DAY_BEFORE.search(text, 0, start) and _CLAUSE_END.match(text, match.end("day"))
    if match.group("pre") or _DAY_AFTER.match(text, end) or _DAY_BEFORE.search(text, 0, start) or ends_a_range:
        return (match.group("pre") or "") + _SHORT_WEEKDAYS[match.group("day")]
    return match.group(0)


# "12 to 15", "12 until 15", "12 through 15"; Malay "12 hingga / sehingga / sampai / ke 15", "hingga ke", "sampailah".
_RANGE_SEP = (
    r"\s*(?:-|–|—|to|until|till|through|thru|(?:se)?hingga(?:lah)?|sampai(?:lah)?|smpai|ke|and|&|dan)(?:\s+ke)?\s*"
)
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?"
_M = MONTH.format(name="m")

# Holidays on the same date every year, as guests name them (Hari Raya, Chinese New Year and Deepavali move
# with their calendars: the guest is asked for the date).
HOLIDAYS = {
    "christmas eve": (12, 24), "malam krismas": (12, 24), "christmas day": (12, 25), "christmas": (12, 25),
    "hari krismas": (12, 25), "krismas": (12, 25), "boxing day": (12, 26), "new year's eve": (12, 31),
    "new years eve": (12, 31), "malam tahun baru": (12, 31), "malam tahun baharu": (12, 31),
    "new year's day": (1, 1), "hari tahun baru": (1, 1), "valentine's day": (2, 14), "valentine's": (2, 14),
    "hari merdeka": (8, 31), "merdeka day": (8, 31), "malaysia day": (9, 16), "hari malaysia": (9, 16),
}  # fmt: skip
_HOLIDAY = "|".join(re.escape(name) for name in sorted(HOLIDAYS, key=len, reverse=True))
# Holidays that move with their calendars, as Malaysia gazettes them (the Islamic ones as announced ahead, which the
# moon sighting may still move by a day): the first day of each. A year missing here gives no date; the guest's
# words are kept as a request all the same (`extraction.SPECIAL_REQUEST_RE`) and the team confirms the day.
_CNY = {2026: (2, 17), 2027: (2, 6), 2028: (1, 26), 2029: (2, 13), 2030: (2, 3)}
_AIDILFITRI = {2026: (3, 21), 2027: (3, 10), 2028: (2, 27), 2029: (2, 14), 2030: (2, 4)}
_AIDILADHA = {2026: (5, 27), 2027: (5, 17), 2028: (5, 5), 2029: (4, 24), 2030: (4, 13)}
_DEEPAVALI = {2026: (11, 8), 2027: (10, 28), 2028: (10, 17), 2029: (11, 5), 2030: (10, 25)}
MOVING_HOLIDAYS: dict[str, dict[int, tuple[int, int]]] = {
    "chinese new year": _CNY, "cny": _CNY, "tahun baru cina": _CNY, "lunar new year": _CNY,
    "hari raya aidilfitri": _AIDILFITRI, "hari raya puasa": _AIDILFITRI, "hari raya": _AIDILFITRI,
    "raya puasa": _AIDILFITRI, "aidilfitri": _AIDILFITRI, "eid al-fitr": _AIDILFITRI, "eid": _AIDILFITRI,
    "hari raya haji": _AIDILADHA, "hari raya aidiladha": _AIDILADHA, "raya haji": _AIDILADHA,
    "aidiladha": _AIDILADHA, "eid al-adha": _AIDILADHA,
    "deepavali": _DEEPAVALI, "diwali": _DEEPAVALI,
    # "balik raya", "cuti raya", "raya ke-2": Raya alone is Aidilfitri ("jalan raya", a road, is none).
    "raya": _AIDILFITRI, "cuti raya": _AIDILFITRI,
}  # fmt: skip
MOVING_HOLIDAY_NAMES = "|".join(re.escape(name) for name in sorted(MOVING_HOLIDAYS, key=len, reverse=True))
# A greeting ("Selamat Hari Raya", "Happy Deepavali") or a road ("jalan raya") names no day.
NOT_A_HOLIDAY_BEFORE = r"(?<!merry )(?<!happy )(?<!selamat )(?<!selamat hari )(?<!jalan )(?<!pilihan )(?<!lebuh )"
# What a number counts when it is no day ("June, 2 adults", "Ogos, 3 malam").
_COUNT_WORDS = (
    r"adults?|dewasa|orang|org|pax|people|persons?|guests?|tetamu|nights?|malam|mlm|kids?|child(?:ren)?|anak|budak"
    r"|kanak|infants?|bayi|rooms?|bilik|units?|pm|am|days?|hari|weeks?|minggu"
)
_NEXT_YEAR = r"(?:\s+(?P<next>next year|tahun depan|tahun hadapan))"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("day_range", re.compile(rf"\b(?P<d1>\d{{1,2}}){_RANGE_SEP}(?P<d2>\d{{1,2}})\s+(?:of\s+)?{_M}{_YEAR}\b")),
    ("month_day_range", re.compile(rf"\b{_M}\s+(?P<d1>\d{{1,2}}){_RANGE_SEP}(?P<d2>\d{{1,2}})\b{_YEAR}")),
    ("day_month", re.compile(rf"\b(?P<d1>\d{{1,2}})\s*(?:of\s+)?{_M}{_YEAR}\b")),
    ("month_day", re.compile(rf"\b{_M}\s+(?P<d1>\d{{1,2}})\b{_YEAR}")),
    # "Ogos, 15hb", "August, the 15th": the month, a comma, then the day; not a count after it ("June, 2 adults").
    ("month_day", re.compile(rf"\b{_M},\s*(?P<d1>\d{{1,2}})\b(?!\s*(?:{_COUNT_WORDS})\b){_YEAR}")),
    ("iso", re.compile(r"\b(?P<year>\d{4})-(?P<m>\d{1,2})-(?P<d1>\d{1,2})\b")),
    ("numeric", re.compile(r"\b(?P<d1>\d{1,2})/(?P<m>\d{1,2})(?:/(?P<year>\d{2,4}))?\b")),
    ("numeric", re.compile(r"\b(?P<d1>\d{1,2})-(?P<m>\d{1,2})-(?P<year>\d{4})\b")),
    # "20.6.2027", "12.3.27": dots only with the year, so a time ("10.30") is no date.
    ("numeric", re.compile(r"\b(?P<d1>\d{1,2})\.(?P<m>\d{1,2})\.(?P<year>\d{4}|\d{2})\b(?!\.\d)")),
    # "over Deepavali", "CNY 2027", "the eve of Chinese New Year", "malam tahun baru cina", "Raya Haji tahun depan";
    # a greeting ("Selamat Hari Raya", "Happy Deepavali") is none.
    ("moving_holiday", re.compile(
        rf"{NOT_A_HOLIDAY_BEFORE}(?P<eve>\b(?:the )?eve of (?:the )?|(?<!\d )\bmalam )?"
        rf"(?:\b(?P<nth>\d|first|second|third)(?:st|nd|rd|th)? day of (?:the )?)?"
        rf"\b(?P<h>{MOVING_HOLIDAY_NAMES})"
        rf"(?P<eve2>['’]?s? eve)?\b(?P<nth2> (?:ke-?\s?[1-3]|pertama|kedua|ketiga)\b)?(?:{_YEAR}|{_NEXT_YEAR})?")),
    ("holiday", re.compile(rf"(?<!merry )(?<!happy )(?<!selamat )\b(?P<h>{_HOLIDAY})\b{_YEAR}")),
    ("after_tomorrow", re.compile(r"\b(?:lusa|day after tomorrow)\b")),
    ("tomorrow", re.compile(r"\b(?:tomorrow|tmrw|tmr|esok|besok)\b")),
    ("today", re.compile(r"\b(?:today|tonight|hari ini|harini|malam ini|malam ni|mlm ni|mlm ini)\b")),
    ("next_weekend", re.compile(r"\b(?:next weekend|(?:hujung )?minggu depan ni|hujung minggu depan|weekend depan)\b")),
    ("this_weekend", re.compile(r"\b(?:this weekend|this coming weekend|(?:hujung minggu|weekend) (?:ini|ni)|"
                                r"hujung minggu)\b")),
    ("next_weekday", re.compile(rf"\b(?:next|coming|this coming) (?P<wd>{_WEEKDAY})\b|\b(?P<wd2>{_WEEKDAY}) depan\b")),
    ("this_weekday", re.compile(rf"\b(?:this |on |pada |hari )?(?P<wd>{_WEEKDAY})(?: (?:ini|ni))?\b")),
    ("in_days", re.compile(r"\b(?:in|dalam) (?P<n>\d{1,2}) (?:days?|hari)\b|\b(?P<n2>\d{1,2}) hari lagi\b")),
    ("next_week", re.compile(r"\b(?:next week|minggu depan)\b")),
    ("next_month", re.compile(r"\b(?:next month|bulan depan)\b")),
]  # fmt: skip

# Phrases that only tell us roughly when: they count as dates but lower the confidence.
VAGUE_KINDS = {"next_week", "next_month", "moving_holiday"}
ABSOLUTE_KINDS = {
    "day_range", "month_day_range", "day_month", "month_day", "numeric", "iso", "holiday", "moving_holiday",
}  # fmt: skip
# The kinds that may be written without their year ("27 Nov", "20/11"; not "next Friday").
YEARLESS_KINDS = {"day_range", "month_day_range", "day_month", "month_day", "numeric"}
# "leaving Sunday the 13th", "till the Sunday"
_CUE_TAIL = rf"(?:\s+(?:on|pada|is|date|at|to|ke))?(?:\s+the)?(?:\s+(?:{_WEEKDAY}))?\W*\s*$"
CHECKOUT_CUE = re.compile(
    r"(?:check[\s-]?out|checking out|checkout|leave|leaving|until|till|through|thru|keluar|sampai"
    r"|hingga"
    r"|extend(?:ing)?(?:\s+(?:it|that|the stay|our stay|my stay))?\s+(?:to|till|until|ke))"  # "extend to the 14th"
    + _CUE_TAIL
)
# "Out" alone is the check-out when it is the guests who are out: at the clause's start or after "and" / "then" ("in on
# the 28th, out on the 2nd", "out mon"), after "we're", "I'll be" ("we're out on the 5th") or a verb of leaving
# ("heading out", "moving out", "we fly out"). After anything else it is something done out ("we'll eat out on the
# 11th", "a day out", "sold out"): no end of the stay.
_OUT_CUE = re.compile(
    r"(?:^|[,;.!:(\n]|\b(?:and|then|dan|we|i|they|we'?re|i'?m|they'?re|are|am|be|we'?ll|i'?ll"
    r"|head(?:ing)?|mov(?:e|ing)|check(?:ing)?|fl(?:y|ying|ies|ew)|driv(?:e|ing)))\s*out" + _CUE_TAIL
)


# A day away from the hotel and back, said after the day ("out on the 12th for a day trip", "keluar 12hb pergi Genting
# sehari", "leaving on the 9th for the day"): the guests go out that day, they do not leave the hotel. Only "check
# out" said in so many words ends the stay all the same.
_DAY_OUT_AFTER = re.compile(
    r"\d{1,2}(?:st|nd|rd|th|hb)?\b[^.,;!?\n]{0,40}?\b(?:day[- ]?trips?|a day out|for (?:a|the) day|for the whole day"
    r"|(?:for|on) (?:a|an) (?:tour|excursion|outing)|sightseeing|sehari(?:an)?|satu hari|jalan[- ]?jalan|jalan2)\b"
)
_SAID_CHECKOUT = re.compile(r"(?:check[\s-]?out|checking out|checkout|daftar keluar)\W*(?:\w+\W+){0,3}$")


def checkout_cue_before(lowered: str, position: int, reach: int = 30) -> bool:
    """Whether the words just before `position` say that the date there ends the stay ("checking out on", "until",
    "we're out on"); not for a day out said after it ("out on the 12th for a day trip")."""
    if _DAY_OUT_AFTER.match(lowered, position) and not _SAID_CHECKOUT.search(
        lowered, max(0, position - reach), position
    ):
        return False
    if CHECKOUT_CUE.search(lowered[max(0, position - reach) : position]):
        return True
    # From the whole word before the window's first one: "sold out" is never read as "ld out" nor " out".
    start = max(0, position - reach)
    while start > 0 and lowered[start - 1].isspace():
        start -= 1
    while start > 0 and (lowered[start - 1].isalnum() or lowered[start - 1] in "'’"):
        start -= 1
    return bool(_OUT_CUE.search(lowered[start:position]))


@dataclass(frozen=True)
class DateMention:
    start: dt.date
    end: dt.date | None
    kind: str
    position: int
    is_checkout_hint: bool = False
    yearless: bool = False  # a day and month said without a year ("27 Nov"): rolled to the next such day
    replaces: int | None = None  # a bare day said instead of another ("the 8th instead of the 7th"): that one's day
    # A bare day said amid other words with no cue that it moves the stay ("we'll eat out on the 11th, any good
    # restaurants?"): inside a stay already known it is a day of that stay, not a new one (`_assign_dates`).
    aside: bool = False

    def near(self, known: dt.date) -> DateMention:
        """This mention, when said without a year, in the year that puts it nearest to `known` (a date of the same
        stay or event said before, "20 Nov 2027", then "moved to 27 Nov"), never earlier than it was read."""
        if not self.yearless:
            return self
        best = self
        for years in (1, 2):
            try:
                start = self.start.replace(year=self.start.year + years)
                end = self.end.replace(year=self.end.year + years) if self.end else None
            except ValueError:  # 29 February
                continue
            if abs((start - known).days) < abs((best.start - known).days):
                best = replace(self, start=start, end=end)
        return best

    @property
    def vague(self) -> bool:
        return self.kind in VAGUE_KINDS


# A day of the month as a guest writes one ("the 21st", "22hb", "the 6"): read as the plain day. The dot of "15hb."
# goes with the day before its month ("15hb. Mac"); before anything else it ends the clause ("keluar 27hb. Family
# Suite, 2 dewasa").
_MONTH_AFTER_DOT = r"\.(?=\s*(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b)"
_DAY_WORDS = re.compile(
    rf"(?:\bthe\s+)?\b(\d{{1,2}})(?:\s*(st|nd|rd|th|hb|haribulan|hbln)\b(?:{_MONTH_AFTER_DOT})?|(?!\d))"
)
# "the 21st not the 20th", "22hb bukan 21hb", "instead of the 3rd": the date after the cue is the one ruled out.
# Not Malay "tak"/"tidak": "ada tak 20hb Jun?" asks about the 20th.
NEGATION_CUE = re.compile(r"(?:\bnot|\bbukan|\binstead of|\brather than)\s*[,:]?\s*(?:on|pada)?\s*$")


def _ruled_out(lowered: str, position: int) -> bool:
    return bool(NEGATION_CUE.search(lowered[max(0, position - 20) : position]))


_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
# "the first of July", "July twenty-first": a day in words, beside a month.
_MONTH_NAME = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_WORD = r"(?:(?P<tens>twenty|thirty)[- ])?(?P<unit>" + "|".join(sorted(_ORDINAL_WORDS, key=len, reverse=True)) + ")"
_ORDINAL_WORD_DAY = re.compile(
    rf"(?P<month>\b(?:{_MONTH_NAME})\s+(?:the\s+)?)?\b{_DAY_WORD}\b(?P<after>\s+(?:of\s+)?(?:{_MONTH_NAME})\b)?"
)


# "from the twelfth to the fifteenth of March", "in on the twenty-first of June and out on the twenty-fourth": a day in
# words after "the" that ends its clause or opens a range is a day as "the 12th" is (`_DAY_WORDS` reads "the 12th"
# as a date); "the first time", "the second room" are no day.
_THE_ORDINAL_WORD_DAY = re.compile(
    rf"\b(?P<the>(?:on|from|to|till|until|til|through|by|and|&|-|–)\s+the\s+){_DAY_WORD}\b"
    r"(?=\s*(?:$|[,.;!?)]|-|–|\b(?:to|till|until|til|through|and|&)\s+the\b))"
)


def _day_in_words(match: re.Match[str]) -> str:
    day = {"twenty": 20, "thirty": 30}.get(match.group("tens") or "", 0) + _ORDINAL_WORDS[match.group("unit")]
    if "the" in match.groupdict():
        return f"{match.group('the')}{day}th"
    if not (match.group("month") or match.group("after")):
        return match.group(0)  # "my second visit": no month beside it
    return f"{match.group('month') or ''}{day}th{match.group('after') or ''}"


_RANGE_START = re.compile(rf"(?<![\d/.:-])\b(\d{{1,2}}){_RANGE_SEP}$")


def _normalised(text: str) -> tuple[str, dict[int, int]]:
    """Lower case with ordinals as plain days ("from the 3rd to the 6th of August" reads "from 3 to 6 of
    august"), and where in that text each ordinal day starts (a bare "the 21st" is a date; a bare "21" is not)."""
    pieces: list[str] = []
    ordinals: dict[int, int] = {}  # position -> day
    length, last = 0, 0
    lowered = _SHORT_WEEKDAY.sub(_full_weekday, _WEEKDAY_OF_A_DATE.sub("", text.lower()))
    lowered = _THE_ORDINAL_WORD_DAY.sub(_day_in_words, _ORDINAL_WORD_DAY.sub(_day_in_words, lowered))
    for match in _DAY_WORDS.finditer(lowered):
        if not match.group(2) and not match.group(0).startswith("the"):
            continue
        before = lowered[last : match.start()]
        pieces.append(before)
        length += len(before)
        if match.group(2):
            ordinals[length] = int(match.group(1))
        pieces.append(match.group(1))
        length += len(match.group(1))
        last = match.end()
    pieces.append(lowered[last:])
    normalised = "".join(pieces)
    # "12 hingga 15hb", "3 to 5th": the day before a range's ordinal end is a day of the month too.
    for position in list(ordinals):
        if start := _RANGE_START.search(normalised, 0, position):
            ordinals.setdefault(start.start(1), int(start.group(1)))
    return normalised, ordinals


def normalise(text: str) -> str:
    return _normalised(text)[0]


def _parse(phrase: str, base: dt.datetime) -> dt.date | None:
    parsed = dateparser.parse(
        phrase,
        languages=["en", "ms"],
        settings={
            "RELATIVE_BASE": base.replace(tzinfo=None),
            "PREFER_DATES_FROM": "future",
            "DATE_ORDER": "DMY",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    return parsed.date() if parsed else None


def _absolute(day: str, month: int, year: str | None, base: dt.datetime) -> dt.date | None:
    """A day and month (year optional) through dateparser, rolled to the future like a guest means it."""
    phrase = f"{int(day)} {dt.date(2000, month, 1):%B}" + (f" {year}" if year else "")
    if year and len(year) == 2:
        phrase = f"{int(day)} {dt.date(2000, month, 1):%B} 20{year}"
    return _parse(phrase, base)


def _saturday_on_or_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(5 - day.weekday()) % 7)


Span = tuple[dt.date, dt.date | None]


def _mention(kind: str, match: re.Match[str], today: dt.date, base: dt.datetime) -> Span | None:
    groups = match.groupdict()
    if kind in ("day_range", "month_day_range"):
        month = MONTHS[groups["m"]]
        start = _absolute(groups["d1"], month, groups.get("year"), base)
        end = _absolute(groups["d2"], month, groups.get("year"), base)
        if start and end and end < start:  # "30 Dec - 2 Jan" style wrap within one month name is a typo; keep start
            end = None
        return (start, end) if start else None
    if kind in ("day_month", "month_day"):
        start = _absolute(groups["d1"], MONTHS[groups["m"]], groups.get("year"), base)
        return (start, None) if start else None
    if kind == "iso":  # 2027-06-20: exact, nothing to roll forward
        try:
            return dt.date(int(groups["year"]), int(groups["m"]), int(groups["d1"])), None
        except ValueError:
            return None
    if kind == "numeric":
        month = int(groups["m"])
        if not 1 <= month <= 12 or not 1 <= int(groups["d1"]) <= 31:
            return None
        start = _absolute(groups["d1"], month, groups.get("year"), base)
        return (start, None) if start else None
    if kind == "holiday":
        month, day = HOLIDAYS[groups["h"]]
        start = _absolute(str(day), month, groups.get("year"), base)
        return (start, None) if start else None
    if kind == "moving_holiday":
        return _moving_holiday(groups, today)
    if kind == "after_tomorrow":
        return today + dt.timedelta(days=2), None
    if kind == "tomorrow":
        start = _parse("esok" if "esok" in match.group(0) else "tomorrow", base)
        return (start, None) if start else None
    if kind == "today":
        return today, None
    if kind == "this_weekend":
        return _saturday_on_or_after(today), None
    if kind == "next_weekend":
        return _saturday_on_or_after(today) + dt.timedelta(days=7), None
    if kind in ("next_weekday", "this_weekday"):
        weekday = WEEKDAYS[groups.get("wd") or groups["wd2"]]
        if _EVE_BEFORE.search(match.string, max(0, match.start() - 8), match.start()):
            weekday = (weekday - 1) % 7  # "malam Jumaat": in Malay, the night before Friday (Thursday's)
        ahead = (weekday - today.weekday()) % 7
        if kind == "next_weekday" and ahead == 0:
            ahead = 7
        return today + dt.timedelta(days=ahead), None
    if kind == "in_days":
        return today + dt.timedelta(days=int(groups.get("n") or groups["n2"])), None
    if kind in ("next_week", "next_month"):
        start = _parse(match.group(0), base)
        return (start, None) if start else None
    return None


# "malam Jumaat ni", "mlm sabtu": a Malay night is named by the day that follows it.
_EVE_BEFORE = re.compile(r"\b(?:malam|mlm)\s+$")
_NTH = {"2": 2, "second": 2, "kedua": 2, "3": 3, "third": 3, "ketiga": 3}


def _moving_holiday(groups: dict[str, str | None], today: dt.date) -> Span | None:
    """The first day of a holiday that moves with its calendar: in the year said, else the next one from today."""
    days = MOVING_HOLIDAYS[groups["h"]]
    if groups.get("year"):
        years = [int(groups["year"])]
    else:
        years = [today.year + 1] if groups.get("next") else [today.year, today.year + 1]
    # "the 2nd day of CNY", "raya ke-2", "hari raya kedua": days after the first; "the eve of": the day before.
    nth = (groups.get("nth") or "") + (groups.get("nth2") or "")
    later = next((n for word, n in _NTH.items() if word in nth), 1) - 1
    eve = dt.timedelta(days=(1 if groups.get("eve") or groups.get("eve2") else 0) - later)
    for year in years:
        if year in days and (day := dt.date(year, *days[year]) - eve) >= today:
            return day, None
    return None


_BARE_END = re.compile(
    r"\b(?:until|till|to|hingga|sehingga|sampai)\s+(?:the\s+)?(?P<d1>\d{1,2})\b"
    r"(?!\s*(?:/|-|\d|rooms?|bilik|adults?|pax|people|persons?|orang|org|nights?|malam|mlm|kids?|children))"
)


def _bare_day_ends(lowered: str, taken: list[bool], found: list[DateMention]) -> list[DateMention]:
    """ "from the 3rd of January until the 6th": a bare day after a date ends the stay, in that month or the next."""
    ends: list[DateMention] = []
    for match in _BARE_END.finditer(lowered):
        if any(taken[match.start() : match.end()]):
            continue
        before = [m for m in found if m.position < match.start() and m.end is None]
        if not before:
            continue
        start = max(before, key=lambda m: m.position).start
        day = int(match.group("d1"))
        if day > start.day:
            year, month = start.year, start.month
        else:
            year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
        try:
            end = dt.date(year, month, day)
        except ValueError:
            continue
        ends.append(DateMention(end, None, "bare_day_end", match.start(), True))
        taken[match.start() : match.end()] = [True] * (match.end() - match.start())
    return ends


# What may follow a day said on its own: the end of the clause, a word of the booking or a dash to the range's other
# day ("7th - 9th"); "the 2nd floor", "her 70th birthday" are no dates.
_ALONE_AFTER = re.compile(
    r"\d{1,2}\s*(?:$|[,.!?;)]|[-–]\s*\d|(?:not|bukan|instead|then|please|pls|ok|okay|and|dan|to|until|till|hingga|sampai|for"
    r"|untuk|ya|je|sahaja|saja|la|lah|pula|check|masuk|in|is|jadi|keluar|out|leaving|balik)\b)"
)


def next_day_numbered(day: int, today: dt.date) -> dt.date | None:
    """The next date (from today) whose day of the month is `day`: "the 21st" said on 5 December is 21 December."""
    year, month = today.year, today.month
    for _ in range(3):
        if day >= today.day or (year, month) != (today.year, today.month):
            try:
                return dt.date(year, month, day)
            except ValueError:
                pass
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


# What moves a stay when a bare day is said: a correction, an arrival or a departure ("sorry, the 11th", "make it the
# 11th", "we arrive on the 11th", "datang 11hb").
_MOVES_STAY = re.compile(
    r"\b(?:bukan|not|actually|sebenarnya|meant|maksud|silap|salah|tukar|change|instead|sorry|maaf|oops|make|jadi"
    r"|arriv\w*|come|coming|check\w*|datang|masuk|sampai|tiba|start\w*|from|mula\w*|dari|move\w*|shift\w*|pindah)\b"
)


_MOVES_AFTER = re.compile(r"\W*(?:instead|not|bukan|rather|pula)\b")
# "the 11th to the 14th instead": the "instead" after the day that ends the range moves its start as well.
_TO_A_DAY = re.compile(r"\s*(?:-|–|to|till|until|hingga|sehingga|sampai|ke)\s*\d{1,2}\b")


def said_aside(lowered: str, position: int) -> bool:
    """A day at `position` said amid other words (five or more in the message) with nothing in its clause that moves
    the stay: no correction, arrival or start before it ("sorry, the 11th", "we arrive on the 11th"), no "instead"
    after it ("the 11th instead")."""
    clause = re.split(r"[.?!;\n]", lowered[max(0, position - 40) : position])[-1]
    day = re.match(r"\d*", lowered[position:])  # the day as the normalised text writes it ("11")
    after = position + (day.end() if day else 0)
    if to_a_day := _TO_A_DAY.match(lowered, after):
        after = to_a_day.end()
    moved = _MOVES_STAY.search(clause) or _MOVES_AFTER.match(lowered, after)
    return not moved and len(re.findall(r"[a-z]{2,}", lowered)) >= 5


def _bare_ordinals(
    lowered: str,
    ordinals: dict[int, int],
    taken: list[bool],
    today: dt.date,
    found: list[DateMention],
    month_before: dt.date | None = None,
) -> list[DateMention]:
    """ "sorry, the 21st", "22hb", "checking out on the 5th": a day of the month on its own. After a date in the
    same message it follows that date ("2 May, out on the 5th"); after a month named in it or in an earlier message
    (`month_before`), it is in that month; alone, the extraction moves a known stay to it."""
    days = []
    ruled = [day for position, day in ordinals.items() if not taken[position] and _ruled_out(lowered, position)]
    for position, day in sorted(ordinals.items()):
        if taken[position] or not _ALONE_AFTER.match(lowered, position) or _ruled_out(lowered, position):
            continue
        before = [m for m in found if m.position < position]
        anchors = [m.start for m in before if m.kind in ABSOLUTE_KINDS] or [m.start for m in before]
        # "masuk 12hb keluar 15hb Mac 2027", "in on the 28th, out 2 March", "the 30th to 2 May": a full date said after
        # the day gives its month once for both.
        ends = [m.start for m in found if m.position > position and m.kind in ABSOLUTE_KINDS]
        if anchors:
            start = day_after(anchors[-1], day)
        elif month := _month_said_before(lowered, position, today):
            start = _in_month(month, day)  # "in October 2027, from the 3rd to the 5th"
        elif ends:
            start = day_before(ends[0], day)
        elif month := _month_said_after(lowered, position, today):
            start = _in_month(month, day)  # "from the 7th till the 9th, May 2027"
        elif month_before:
            start = _in_month(month_before, day)
        else:
            start = next_day_numbered(day, today)
        if start is not None:
            hint = checkout_cue_before(lowered, position)
            replaced = ruled[0] if ruled else None
            aside = not hint and replaced is None and said_aside(lowered, position)
            days.append(DateMention(start, None, "bare_day", position, hint, replaces=replaced, aside=aside))
    return days


def month_named(text: str, today: dt.date) -> dt.date | None:
    """The first day of the last month a message names ("any Family Suite in May 2027?"), for the days said in the
    next one ("the 7th to the 9th")."""
    lowered = normalise(text)
    return _month_said_before(lowered, len(lowered), today)


def _month_said_before(lowered: str, position: int, today: dt.date) -> dt.date | None:
    """The first day of the last month named, alone or with its year, before `position` ("we're coming in October
    2027", "bulan Mac nanti"); never "may", a verb too, without its year, nor a month ruled out."""
    said = [
        m
        for m in _MONTH_NAMED.finditer(lowered, 0, position)
        if (m.group("month") != "may" or m.group("year")) and not _ruled_out(lowered, m.start())
    ]
    if not said:
        return None
    month = MONTHS[said[-1].group("month")]
    year = said[-1].group("year")
    return dt.date(int(year) if year else today.year + (month < today.month), month, 1)


def _month_said_after(lowered: str, position: int, today: dt.date) -> dt.date | None:
    """The first day of the month named after the days of a stay, in the same sentence ("the 7th till the 9th, May
    2027", "check in on the 5th, 2 nights, in October"): the month of those days when none was said before them."""
    sentence = re.match(r"[^.;!?\n]*", lowered[position:])
    end = position + (sentence.end() if sentence else 0)
    return _month_said_before(lowered[:end], end, today) if _MONTH_NAMED.search(lowered, position, end) else None


def _in_month(first: dt.date, day: int) -> dt.date | None:
    try:
        return first.replace(day=day)
    except ValueError:
        return None


def day_before(known: dt.date, day: int) -> dt.date | None:
    """The last date before `known` whose day of the month is `day`: the 12th before 15 March is 12 March; before
    2 March, 28 February."""
    year, month = known.year, known.month
    if day >= known.day:
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def day_after(known: dt.date, day: int) -> dt.date | None:
    """The first date after `known` whose day of the month is `day`: the 5th after 2 May is 5 May; after 28 May,
    5 June."""
    return next_day_numbered(day, known + dt.timedelta(days=1))


# "I'll ring the hotel myself tomorrow", "call me esok", "nanti saya bincang dengan suami minggu depan": a day said of
# when someone calls, decides or pays is no day of the stay.
_WHEN_SOMEONE_ACTS = re.compile(
    r"\b(?:call|ring|phone|contact|e-?mail|whatsapp|text|decide|let you know|get back|revert|discuss|talk|speak|pay"
    r"|transfer|reply|bincang|berbincang|telefon|hubungi|fikir|bagitahu|beritahu|maklumkan|bayar|balas)\b"
    r"(?:[ \t]+[^\s.,;!?]+){0,4}[ \t]*$"
)


# "eh bukan Jun, Julai", "sorry, I meant July": a month said alone to correct the stay's (never "may", a verb too).
_MONTH_CORRECTION_CUE = re.compile(
    r"\b(?:bukan|not|actually|sebenarnya|meant|maksud|silap|salah|tukar|change|instead|sorry|maaf|oops)\b"
)
_MONTH_WORDS = "|".join(sorted((m for m in MONTHS if len(m) > 3 or m in {"mac", "mei", "jun"}), key=len, reverse=True))
_MONTH_ALONE = re.compile(rf"\b({_MONTH_WORDS})\b")


_MONTH_NAMED = re.compile(rf"\b(?P<month>{_MONTH_WORDS}|may(?=\s+20\d\d))(?:\s+(?P<year>20\d\d))?\b")


def _month_correction(lowered: str, today: dt.date) -> DateMention | None:
    if not _MONTH_CORRECTION_CUE.search(lowered) or re.search(r"\d", lowered):
        return None
    kept = [m for m in _MONTH_ALONE.finditer(lowered) if m.group(1) != "may" and not _ruled_out(lowered, m.start())]
    if len(kept) != 1:
        return None
    month = MONTHS[kept[0].group(1)]
    return DateMention(dt.date(today.year, month, 1), None, "month_only", kept[0].start())


# Another occasion's day said beside a stay ("our son's birthday on the 19th", "our anniversary is on 3 May", "the
# flight lands on the 1st", "hari jadi isteri saya pada 12hb", "kapal terbang kami mendarat 11hb September"): the cue
# and at most four words before the day, within its clause.
_OTHER_OCCASION = re.compile(
    r"\b(?:birthday|b['’]?day|anniversary|flight|plane|lands?|landing|departs?|graduation|convocation"
    r"|hari\s+jadi|harijadi|ulang\s*tahun|kapal\s+terbang|penerbangan|mendarat|berlepas|konvokesyen)\b"
    r"(?:[ \t]+[^\s.,;!?\d]+){0,4}?[ \t]*$"
)


def other_occasion_dates(text: str, mentions: list[DateMention]) -> list[DateMention]:
    """The mentions of `find_dates(text, …)` that name the day of another occasion, not of the stay. Whether to drop
    them is the caller's to say: a room "for my birthday on 19 June" is booked for that day."""
    lowered, _ = _normalised(text)
    return [m for m in mentions if _OTHER_OCCASION.search(lowered[max(0, m.position - 60) : m.position])]


def find_dates(text: str, base: dt.datetime, month_before: dt.date | None = None) -> list[DateMention]:
    """Every date phrase in `text`, in reading order; `base` is the aware moment the guest wrote it (local time);
    `month_before`, a month an earlier message named without its days."""
    lowered, ordinals = _normalised(text)
    taken = [False] * len(lowered)
    today = base.date()
    found: list[DateMention] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(lowered):
            if any(taken[match.start() : match.end()]):
                continue
            result = _mention(kind, match, today, base)
            if result is None or result[0] < today:  # "we stayed with you on 20/11" is not a new stay
                continue
            for index in range(match.start(), match.end()):
                taken[index] = True
            if _ruled_out(lowered, match.start()):
                continue  # "not the 20th": the date ruled out
            if kind not in ABSOLUTE_KINDS and _WHEN_SOMEONE_ACTS.search(lowered[: match.start()]):
                continue
            hint = checkout_cue_before(lowered, match.start(), reach=20)
            yearless = kind in YEARLESS_KINDS and not match.groupdict().get("year")
            # "we'll be out on 12 May for the day": inside a stay already known, a day of it (`DateMention.aside`).
            aside = result[1] is None and bool(_DAY_OUT_AFTER.match(lowered, match.start())) and not hint
            found.append(DateMention(result[0], result[1], kind, match.start(), hint, yearless, aside=aside))
    if not found and (corrected := _month_correction(lowered, today)):
        return [corrected]
    found += _bare_day_ends(lowered, taken, found)
    found += _bare_ordinals(lowered, ordinals, taken, today, sorted(found, key=lambda m: m.position), month_before)
    # "jamuan hari raya … 17hb Mac": beside a date, a holiday that moves names the occasion, not the day.
    if any(m.kind in ABSOLUTE_KINDS - {"moving_holiday"} for m in found):
        found = [m for m in found if m.kind != "moving_holiday"]
    absolute = [m.position for m in found if m.kind in ABSOLUTE_KINDS | {"bare_day"}]
    # "Friday 15 Dec" / "15 Dec (Friday)": the weekday only restates the date beside it.
    found = [
        m for m in found if m.kind != "this_weekday" or all(abs(m.position - position) > 14 for position in absolute)
    ]
    return _weekday_ends(sorted(found, key=lambda mention: mention.position), lowered)


_TO_BEFORE = re.compile(r"(?:\bto|\bke|-|–)\s*(?:the\s+)?$")


def _weekday_ends(found: list[DateMention], lowered: str) -> list[DateMention]:
    """ "Friday to Monday", "Sabtu ni sampai Isnin", "arriving 12 March, leaving Mon": a weekday that ends a stay is the
    first such day after the date said before it, not the next one from today."""
    ends = list(found)
    for index, mention in enumerate(found[1:], start=1):
        start = ends[index - 1].start
        ending = mention.is_checkout_hint or _TO_BEFORE.search(lowered, 0, mention.position)
        if mention.kind in ("this_weekday", "next_weekday") and ending and mention.start <= start:
            ahead = (mention.start.weekday() - start.weekday()) % 7 or 7
            ends[index] = replace(mention, start=start + dt.timedelta(days=ahead))
    return ends
