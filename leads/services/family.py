"""Children as a family speaks of them: "my two boys", "2 sons and a daughter", "our twins", "anak kembar",
"my daughter and me" (one adult and her child). `extraction.extract` asks here when no count of "children",
"kids" or "kanak-kanak" was given.

A son, a daughter, a boy or a girl of the guest's is a child of the booking: a receptionist writes them down
as children and asks their ages later. A plural without a count ("my kids", "the boys") gives no count.
"""

from __future__ import annotations

import re

# (word, how many one mention is when no number is said: None for a plural that needs its number)
_KIN = {
    "son": 1, "sons": None, "daughter": 1, "daughters": None, "boy": 1, "boys": None, "girl": 1, "girls": None,
    "twins": 2, "triplets": 3, "baby": 1, "bayi": 1, "toddler": 1, "infant": 1, "infants": None, "newborn": 1,
    "grandson": 1,
    "granddaughter": 1, "grandsons": None, "granddaughters": None, "grandchild": 1, "grandchildren": None,
    "grandkids": None,
    "anak lelaki": 1, "anak perempuan": 1, "anak kembar": 2, "kembar": 2, "anak kecil": 1, "cucu": 1,
    "little ones": None, "little one": 1, "young ones": None, "kiddos": None, "kiddo": 1,
    # the eldest and the youngest, nieces and nephews, grandchildren: "anak sulung", "anak-anak saudara", "cucu-cucu"
    "eldest": 1, "youngest": 1, "niece": 1, "nephew": 1, "nieces": None, "nephews": None, "grandkid": 1,
    "anak sulung": 1, "anak bongsu": 1, "anak saudara": 1, "anak-anak saudara": None, "anak2 saudara": None,
    "cucu-cucu": None, "cucu2": None, "middle one": 1, "middle child": 1, "oldest": 1,
    # "kawan saya dengan anak dia": the child of someone who comes with them
    "anak dia": 1, "anaknya": 1,
}  # fmt: skip
# A child by their place among the children: "anak tengah", "cucu sulung", "si bongsu", "anak kedua" (Malay says the
# place after the word for child, or after "si" alone).
_BIRTH_ORDER = ("sulung", "bongsu", "tengah", "kedua", "ketiga", "keempat")
_KIN.update({f"{who} {place}": 1 for who in ("anak", "cucu", "si") for place in _BIRTH_ORDER})
_KIN.update({"si kecil": 1, "si kembar": 2})
KIN_WORDS = tuple(_KIN)
_KIN_WORDS = "|".join(re.escape(word) for word in sorted(_KIN, key=len, reverse=True))
_AGE = (
    r"(?:\d{1,2}[- ]?(?:year|yr|month|mth)s?[- ]?old\s+"
    r"|(?:little|young|small|baby|eldest|oldest|youngest|elder|younger)\s+)?"
)
_WHOSE = r"(?P<whose>\b(?:my|our|his|her|their|two|both)\s+)?"
_NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|a|an|satu|dua|tiga|empat|lima|enam|seorang|sorang"
_VALUES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "a": 1, "an": 1, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "seorang": 1, "sorang": 1,
}  # fmt: skip
KIN_RE = re.compile(
    rf"{_WHOSE}(?:\b(?P<n>\d{{1,2}}|{_NUMBER_WORDS})\s+)?{_AGE}\b(?P<kin>{_KIN_WORDS})\b"
    # "a baby cot", "the boys' room", "girls' trip": a thing or an outing, not a child.
    r"(?!['’]|\s+(?:cots?|cribs?|chairs?|seats?|beds?|food|meals?|sitters?|shower|trip|night|friendly|club|pools?"
    r"|baths?|menus?|play\w*|care|products?|strollers?|prams?|milk|susu|wipes|facilit\w*))"
)
# "anak lelaki 2 orang", "cucu 3 orang": the count after the children.
KIN_COUNT_AFTER_RE = re.compile(
    rf"\b(?P<kin>{_KIN_WORDS})(?:\s+(?:saya|kami|sy))?\s+(?P<n>\d{{1,2}})\s*(?:orang|org)\b"
)
_WITH_GUEST = re.compile(r"\b(?:me|myself|i|saya|sy|aku)\s*(?:,|and|&|\+|with|dan|dengan|dgn|bersama)\s*$")
# "… and a baby", "with a toddler", "bawa bayi", "ada baby" (Malay "there is a baby", said of the party): one more.
_JOINED = re.compile(r"(?:,|&|\+|\band|\bwith|\bplus|\bdan|\bdengan|\bbersama|\bbawa[k]?|\bbring(?:ing)?|\bada)\s*$")
AGE_IN_BRACKETS = re.compile(
    r"\(\s*(?:aged?\s*|umur\s*)?\d{1,2}(?:\s*(?:&|and|,|dan)\s*\d{1,2})*\s*(?:y(?:rs?|ears?)?(?:\s*old)?|tahun)?\s*\)"
)
# A child said by their age alone, after "and" / "with" / "plus": "me, hubby and a 5-year-old".
AGED_CHILD_RE = re.compile(
    rf"(?:,|&|\+|\band|\bwith|\bplus)\s*\b(?P<n>\d|{_NUMBER_WORDS})\s+\d{{1,2}}[- ]?(?:year|yr)s?[- ]?olds?\b"
    rf"(?!\s+(?:{_KIN_WORDS}|child|kid|children|kids)\b)"
)
# A baby said by their age in months alone: "our 10-month-old", "with a 6 month old" (a child in years is said with its
# count, `AGED_CHILD_RE`: "our 5-year-old" may be a grown-up's age said of a pet or a car as well as of a child).
MONTHS_OLD_RE = re.compile(
    rf"\b(?:my|our|a|an|one|the)\s+\d{{1,2}}[- ]?(?:months?|mths?)[- ]?old\b(?!\s+(?:{_KIN_WORDS}|child|kid)\b)"
)
# "my daughter and her cousin", "anak saya dan sepupu dia", "anak sulung dan adik dia": the child's own companion or
# brother or sister, one more child (`party.childs_kin` counts them).
CHILDS_COMPANION_RE = re.compile(
    rf"\b(?:{_KIN_WORDS})(?:\s+(?:saya|kami|sy))?\s*(?:,|&|\band|\bwith|\bdan|\bdengan|\bdgn)\s*"
    r"(?:(?:her|his|their)\s+(?:(?:little|younger|baby|big|older|elder|best|close)\s+)?(?:cousin|friend|brother|sister)"
    r"|(?:sepupu|kawan|adik|abang|kakak)(?:\s+dia|nya))\b"
)
# "… dan adiknya pun nak ikut": whether the child with their companion comes along is said after the companion.
_COMPANION_AT = re.compile(CHILDS_COMPANION_RE.pattern)
_OWNED_OR_COMING = re.compile(
    r"\s+(?:saya|kami|sy|aku)\b"
    r"|(?:\s+(?:pun|juga|jugak|nak|akan|mahu|is|are|will|also|too|be))*\s+"
    r"(?:ikut|join|joining|coming|come|datang|turut|menyertai|tagging along)\b"
)
# "me and the wife plus our two", "my husband, me and our 3": a count said as "our" after the grown-ups named, with no
# word after it, is the couple's children (the clause ends there: "our two rooms" or "our 2 friends" are other things).
OUR_COUNT_RE = re.compile(
    rf"(?:,|&|\+|\band|\bplus|\bwith)\s*our\s+(?P<n>\d|{_NUMBER_WORDS})(?=\s*(?:$|[,.;!?)]))", re.MULTILINE
)
_SETS = {"twins", "triplets", "anak kembar", "kembar"}  # one word, several children
_JOIN = re.compile(r"^\s*(?:,|&|\+|and|dan|with|plus|n)?\s*(?:,|&|\+|and|dan|with|plus)?\s*$")


def family_children(text: str) -> int | None:
    """The children a guest names as their family, in lower-case counting text; None when they give no count (their
    brothers, sisters and cousins said as theirs are `party.childs_kin`).

    The mentions joined by "and" or a comma add up ("2 sons and a daughter" is 3); a lone "a boy" or "a girl"
    counts only beside another child of the family, or as the guest's own ("my daughter")."""
    text = AGE_IN_BRACKETS.sub(" ", text)  # "my son (7) and daughter (4)"
    matches = list(KIN_RE.finditer(text))
    total, counted = 0, 0
    named_once: set[str] = set()  # "my daughter" said again in a later message is the same daughter
    for match in matches:
        number = match.group("n")
        if number and number.isdigit():
            count: int | None = int(number)
        elif number:
            count = _VALUES[number] if number not in ("a", "an") else (_KIN[match.group("kin")] or None)
        else:
            count = _KIN[match.group("kin")]
        if count is None:
            continue
        whose = (match.group("whose") or "").strip()
        if whose in ("his", "her", "their") and not _JOINED.search(text[: match.start()]):
            continue  # "her son loves the pool": not said as one of the party ("my sister and her son" is)
        beside = any(
            _JOIN.match(text[min(a.end(), b.end()) : max(a.start(), b.start())])
            for other in matches
            if other is not match
            for a, b in [(match, other)]
        )
        # "saya dan anak lelaki": Malay says "my son" without the "my"; "… and a baby", "with a toddler": one more.
        with_guest = bool(_WITH_GUEST.search(text[: match.start()]) or _JOINED.search(text[: match.start()]))
        # "anak perempuan saya ikut", "anak lelaki pun nak ikut": Malay says "my" after the child, and a child
        # who comes along is one of the party.
        companion = _COMPANION_AT.match(text, match.start())
        theirs = bool(_OWNED_OR_COMING.match(text, companion.end() if companion else match.end()))
        said_as_family = whose or beside or with_guest or theirs or match.group("kin") in _SETS
        if number in ("a", "an", None) and not said_as_family:
            continue
        if number is None and count == 1:
            if match.group("kin") in named_once:
                continue
            named_once.add(match.group("kin"))
        total, counted = total + count, counted + 1
    for match in AGED_CHILD_RE.finditer(text):  # "and a 5-year-old", "plus two 3 year olds"
        number = match.group("n")
        total, counted = total + (int(number) if number.isdigit() else _VALUES[number]), counted + 1
    counted += len(months_old := MONTHS_OLD_RE.findall(text))
    total += len(months_old)
    for match in KIN_COUNT_AFTER_RE.finditer(text):
        total, counted = total + int(match.group("n")), counted + 1
    for match in OUR_COUNT_RE.finditer(text):
        if match.group("n") not in ("a", "an", "seorang", "sorang"):
            number = match.group("n")
            total, counted = total + (int(number) if number.isdigit() else _VALUES[number]), counted + 1
    return total if counted else None


# The grown-ups counted as "us" and the children added to them: "2 of us and our daughter", "we are 2 plus a baby",
# "kami 2 orang dan 2 anak". "With" is left out: "we are 4 with 2 kids" counts the kids among the four.
US_AND_CHILDREN_RE = re.compile(
    rf"(?:\b(?P<n>\d{{1,2}}|{_NUMBER_WORDS})\s+of\s+us|\b(?:we(?:'re|\s+are)|kami|kita)\s+(?P<m>\d{{1,2}}|{_NUMBER_WORDS})"
    r"(?:\s*(?:orang|org))?)\s*,?\s*(?:and|&|\+|plus|dan|serta)\s*"
    rf"(?=(?:(?:our|my|kami|the|\d{{1,2}}|{_NUMBER_WORDS})\s+){{0,2}}(?:(?:little|young|small)\s+)?"
    rf"(?:{_KIN_WORDS}|children|child|kids?|anak|budak|kanak|bayi|bab(?:y|ies)|infants?|toddlers?)\b)"
)


def us_before_children(text: str) -> int | None:
    """The grown-ups of "2 of us and our daughter" (`US_AND_CHILDREN_RE`), in lower-case counting text."""
    said = [match.group("n") or match.group("m") for match in US_AND_CHILDREN_RE.finditer(text)]
    if not said:
        return None
    return int(said[-1]) if said[-1].isdigit() else _VALUES[said[-1]]


# The children counted by their ages, with no count of their own: "kids aged 5 and 8", "anak-anak umur 3, 6 & 9".
CHILDREN_AGES_RE = re.compile(
    r"\b(?:children|kids|kanak-kanak|kanak|budak-budak|budak|anak-anak|anak)\s*,?\s*\(?\s*(?:aged?|ages|umur|berumur)\s+"
    r"(?P<ages>\d{1,2}(?:\s*(?:,|&|and|dan)\s*\d{1,2})+)\b(?!\s*(?:-|to|hingga|months?|bulan))"
)


def children_by_ages(text: str) -> int | None:
    """How many children `CHILDREN_AGES_RE` names by their ages (the last such list), in lower-case counting text."""
    ages = [match.group("ages") for match in CHILDREN_AGES_RE.finditer(text)]
    return len(re.findall(r"\d{1,2}", ages[-1])) if ages else None


# One adult and the child they bring: "my daughter and me", "me and my son", "saya dan anak".
PARENT_AND_CHILD_RE = re.compile(
    rf"\b(?:me|myself|i|saya|sy|aku)\s*(?:,|and|&|\+|plus|with|dan|dengan|dgn|bersama)\s*(?:my |our )?{_AGE}"
    rf"(?:{_KIN_WORDS}|child|kid|anak)\b"
    rf"|\b(?:my|our)\s+{_AGE}(?:{_KIN_WORDS}|child|kid)\s*(?:,|and|&|\+)\s*(?:i|me|myself)\b"
)

# A party written as labels and counts, adults first: "dewasa 2 budak 3", "adults 2, kids 1", "dws 2 anak 2". The
# second count belongs to the children, not the first to them ("3 dewasa 1 bayi" is counts before labels).
LABELLED_PAIR_RE = re.compile(
    r"(?<!\d)(?<!\d )\b(?:adults?|dewasa|dws)\s*[:=]?\s*(?P<adults>\d{1,2})\s*[,;/]?\s*(?:and\s+|dan\s+|&\s*|\+\s*)?"
    r"(?:children|child|kids?|kanak[- ]kanak|kanak|budak(?:[- ]budak)?|anak(?:[- ]anak)?)"
    r"\s*[:=]?\s*(?P<children>\d{1,2})\b"
)

# The guest and their spouse named beside the children: "my wife, our 2 daughters and I", "suami, saya dan anak-anak".
SPOUSE_AND_GUEST_RE = re.compile(
    r"\b(?:my|our)\s+(?:wife|husband|hubby|spouse|partner)\b[^.?!\n]{0,50}\b(?:and|&|,|dan)\s*(?:i|me|myself)\b"
    r"|\b(?:i|me|myself)\b[^.?!\n]{0,10}\b(?:and|&|,|with|\+)\s*(?:my\s+)?(?:wife|husband|hubby|spouse|partner)\b"
)
