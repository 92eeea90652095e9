"""The party as guests name it rather than count it, in English and Malay: "me, my wife and my parents", "my parents
and I", "hubby and me", "two couples", "saya, suami dan mak saya", "atuk dan nenek pun nak ikut"; and the children a
guest speaks of without their number ("me, my wife and the kids", "a family of 4"), which the lead step asks about
once (`policy.missing`). `extraction.extract` asks here when no count of adults was given.

A receptionist counts the grown-ups a guest names: the guest when they say "me" (or name their own spouse: "my wife
and the kids" is two adults), each relative or friend, two for "my parents" or "the in-laws". Children named with
them ("our son", "the kids") are counted by `family` and `extraction`, never as adults. A plural without its number
("my friends", "colleagues") leaves the adults unknown.
"""

from __future__ import annotations

import re

from leads.services.family import KIN_WORDS

# Grown-ups by what the guest calls them, and how many one mention is (None: a plural that needs its number).
_ADULT_KIN = {
    "wife": 1, "husband": 1, "hubby": 1, "hubs": 1, "spouse": 1, "partner": 1, "fiance": 1, "fiancee": 1,
    "fiancé": 1, "fiancée": 1, "girlfriend": 1, "boyfriend": 1, "gf": 1, "bf": 1, "missus": 1, "missis": 1,
    "wifey": 1, "other half": 1, "mate": 1, "buddy": 1, "bestie": 1,
    "mother": 1, "mum": 1, "mom": 1, "mommy": 1, "mummy": 1, "mama": 1, "father": 1, "dad": 1, "daddy": 1, "papa": 1,
    "mother-in-law": 1, "father-in-law": 1, "sister-in-law": 1, "brother-in-law": 1, "sister": 1, "brother": 1,
    "grandmother": 1, "grandma": 1, "granny": 1, "grandfather": 1, "grandpa": 1, "granddad": 1,
    "aunt": 1, "auntie": 1, "aunty": 1, "uncle": 1, "cousin": 1, "friend": 1, "colleague": 1, "boss": 1,
    "maid": 1, "helper": 1, "nanny": 1, "driver": 1,
    "parents": 2, "in-laws": 2, "inlaws": 2, "parents-in-law": 2, "grandparents": 2,
    "sisters": None, "brothers": None, "friends": None, "colleagues": None, "cousins": None, "aunts": None,
    "uncles": None, "mates": None,
    # "orang rumah" (the one at home) and "bini" are how Malay speaks of a wife between friends.
    "isteri": 1, "suami": 1, "orang rumah": 1, "bini": 1, "tunang": 1, "mak": 1, "emak": 1, "ibu": 1, "umi": 1,
    "ummi": 1, "ayah": 1, "bapa": 1, "abah": 1, "mak mertua": 1, "ibu mertua": 1, "bapa mertua": 1,
    "ayah mertua": 1, "mentua": 1, "mertua": 1, "nenek": 1, "atuk": 1, "opah": 1, "abang": 1,
    "kakak": 1, "akak": 1, "makcik": 1, "mak cik": 1, "pakcik": 1, "pak cik": 1, "sepupu": 1, "kawan": 1,
    "rakan": 1, "bos": 1, "pembantu rumah": 1, "orang gaji": 1,
    "ibu bapa": 2, "mak ayah": 2, "mak abah": 2, "emak ayah": 2, "ibu ayah": 2, "mak bapak": 2, "atuk nenek": 2,
    "suami isteri": 2, "laki bini": 2, "kawan-kawan": None, "rakan-rakan": None,
}  # fmt: skip
_SPOUSES = {
    "wife", "husband", "hubby", "hubs", "spouse", "partner", "missus", "missis", "wifey", "other half", "isteri",
    "suami", "orang rumah", "bini",
}  # fmt: skip
_SELF = {"me", "myself", "i", "saya", "sy", "aku"}
_CHILD_WORDS = sorted(
    {*KIN_WORDS, "child", "children", "kid", "kids", "baby", "babies", "toddler", "toddlers", "infant", "infants",
     "anak", "anak-anak", "budak", "budak-budak", "kanak-kanak", "bayi", "cucu-cucu", "teenager", "teenagers",
     "teens", "little ones"},
    key=len, reverse=True,
)  # fmt: skip
_ADULT_WORDS = sorted(_ADULT_KIN, key=len, reverse=True)
_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "a": 1, "an": 1, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "seorang": 1, "sorang": 1,
}  # fmt: skip
_N = r"(?P<n>\d{1,2}|" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")"
_OWNER = r"(?:(?P<owner>my|our|the|his|her|their)\s+)?"
_BESIDE = r"(?:young|little|small|elderly|old|aged|grown-up|grown|teenage|big|elder|older|younger|best|close|twin)\s+"
_OF_MINE = r"(?:\s+(?P<mine>saya|sy|kami|aku|dia|kita))?"
# One person or kind of person a guest names: the guest, a grown-up relation (or several), or children.
MEMBER_RE = re.compile(
    rf"\b(?:(?P<self>me|myself|i|saya|sy|aku)\b(?!['’]?\s*(?:m|d|ll|ve|s)\b)"  # "I'm", "I'd": no list member
    # A count belongs to the people it is said with on its line: "saya sorang", then "isteri saya pun ikut" in the
    # next message, is the guest alone and then a wife joining, not "one wife".
    rf"|{_OWNER}(?:{_N}[ \t]+(?:orang[ \t]+)?)?(?:{_BESIDE})?"
    rf"(?:(?P<adult>{'|'.join(map(re.escape, _ADULT_WORDS))})\b(?!['’]s\b)"  # "my wife's parents": her parents
    rf"|(?P<child>{'|'.join(map(re.escape, _CHILD_WORDS))})\b){_OF_MINE})"
)
# What joins the people of one party: "me, my wife and my parents", "saya, suami dan mak saya", "me with my mum".
_JOINER = r"(?:,|&|\+|/|\band\b|\bplus\b|\bwith\b|\bdan\b|\bdengan\b|\bdgn\b|\bserta\b|\bbersama\b|\bn\b)"
_JOIN = re.compile(rf"[ \t]*{_JOINER}(?:[ \t]*(?:{_JOINER}|\balso\b|\bjuga\b))*[ \t]*")
# Before a party of one named person: "a room for my parents" (theirs), "coming with my parents" (the guest's too).
_FOR_BEFORE = re.compile(r"\b(?:for|untuk|utk)\s*$")
_WITH_BEFORE = re.compile(r"\b(?:with|bersama|dengan|dgn|bawa|bring(?:ing)?|along with)\s*$")
# People who join a party already counted: "my parents are coming too", "atuk dan nenek pun nak ikut".
# "A friend of mine is coming too": whose they are may follow the person.
_JOINING_AFTER = re.compile(
    r"^\s*(?:of\s+(?:mine|ours)\s+)?"
    r"(?:(?:is|are|will|would|'re|’re|'s|’s|also|too|as well|pun|juga|jugak|nak|akan|mahu|hendak|dah|sudah|nanti"
    r"|be|then)\s+)*(?:joining|join|coming(?:\s+along)?|come(?:\s+along)?|tagging along|ikut|datang|menyertai"
    r"|turut serta|sekali)\b"
)


def _grown_ups(member: re.Match[str]) -> int | None:
    """How many grown-ups one named relation is ("my parents": 2, "2 friends": 2, "friends": None)."""
    if number := member.group("n"):
        return int(number) if number.isdigit() else _WORD_NUMBERS[number]
    return _ADULT_KIN[member.group("adult")]


class _Party:
    """One list of people a guest named, joined by "and", commas, "dan", "with"."""

    def __init__(self, text: str, members: list[re.Match[str]]) -> None:
        self.text, self.members = text, members

    @property
    def start(self) -> int:
        return self.members[0].start()

    @property
    def end(self) -> int:
        return self.members[-1].end()

    def joining(self) -> bool:
        """Others join a party counted before ("my parents are coming too"); the guest's own party never does."""
        named_self = any(member.group("self") for member in self.members)
        grown_ups = any(member.group("adult") for member in self.members)  # "budak-budak nak ikut": `extraction`'s
        return grown_ups and not named_self and bool(_JOINING_AFTER.match(self.text[self.end :]))

    def adults(self) -> int | None:
        """The grown-ups of this party; None when it names none we can count."""
        total, named_self, spouse, grown_ups = 0, False, False, False
        for member in self.members:
            if member.group("self"):
                named_self = True
                continue
            kin = member.group("adult")
            if kin is None:
                continue  # children: `family` and `extraction` count them
            grown_ups = True
            count = _grown_ups(member)
            if count is None:
                return None  # "me and my friends": how many friends?
            total += count
            spouse = spouse or (kin in _SPOUSES and (member.group("owner") in ("my", None) or member.group("mine")))
        before = self.text[: self.start]
        single = len(self.members) == 1
        if single and not (grown_ups and (_FOR_BEFORE.search(before) or _WITH_BEFORE.search(before))):
            return None  # "my wife loves the spa" names nobody who stays
        if not grown_ups and not (named_self and len(self.members) > 1):
            return None
        # The guest is one of them when they say so, name their own spouse, or come "with" the others.
        with_guest = named_self or spouse or bool(_WITH_BEFORE.search(before))
        return total + int(with_guest)


# "My daughter and her cousin", "anak saya dan kawan dia", "our son … his big sister is coming too", "anak bongsu
# saya ikut … abang dia pun nak ikut": a brother, sister, cousin or friend said as "his", "her", "their" or "dia"
# when the last person named before is a child is that child's: one more child (`childs_kin`), not a grown-up
# joining the party. After a grown-up ("my wife and her sister") they are a grown-up.
CHILDS_COMPANIONS = ("cousin", "friend", "sepupu", "kawan", "brother", "sister", "abang", "kakak", "akak")
CHILDS_KIN_RE = re.compile(
    r"\b(?:(?:his|her|their)\s+(?:(?:little|younger|baby|big|older|elder|twin|best|close)\s+)?"
    r"(?:cousin|friend|brother|sister|sibling)"
    r"|(?:adik|abang|kakak|akak|sepupu|kawan)(?:\s+(?:lelaki|perempuan|kembar))?(?:\s+dia|nya))\b"
)


def _after_a_child(text: str, position: int) -> bool:
    """Is the last person named before `position` a child?"""
    named = list(MEMBER_RE.finditer(text, 0, position))
    return bool(named) and bool(named[-1].group("child"))


def _childs_companion(text: str, member: re.Match[str]) -> bool:
    whose = member.group("owner") in ("his", "her", "their") or member.group("mine") == "dia"
    return whose and member.group("adult") in CHILDS_COMPANIONS and _after_a_child(text, member.start())


def childs_kin(text: str, before: str = "") -> int:
    """How many children's brothers, sisters, cousins or friends lower-case counting `text` names, with `before` (the
    earlier messages) for whom "his", "her" or "dia" is."""
    full = f"{before}\n{text}" if before else text
    offset = len(full) - len(text)
    return sum(1 for kin in CHILDS_KIN_RE.finditer(full, offset) if _after_a_child(full, kin.start()))


def _parties(text: str, before: str = "") -> list[_Party]:
    """Every list of people in lower-case counting text, in order (a child's companion is in none); `before`, the
    earlier messages, only tells whose "his", "her" or "dia" is."""
    full = f"{before}\n{text}" if before else text
    parties: list[_Party] = []
    current: list[re.Match[str]] = []
    for match in MEMBER_RE.finditer(full, len(full) - len(text)):
        if _childs_companion(full, match):
            continue
        if current and _JOIN.fullmatch(full[current[-1].end() : match.start()]):
            current.append(match)
            continue
        if current:
            parties.append(_Party(full, current))
        current = [match]
    if current:
        parties.append(_Party(full, current))
    return parties


def named_adults(text: str) -> int | None:
    """The grown-ups of the last party the guest names ("me, my wife and my parents": 4), not counting people who
    join one already counted ("my parents are coming too": `joining_adults`); None when no party names any."""
    found = None
    for party in _parties(text):
        if party.joining():
            continue
        if (adults := party.adults()) is not None:
            found = adults
    return found


def joining_adults(text: str, before: str = "") -> int:
    """The grown-ups this message adds to a party already counted: "my parents are coming too" (2), "atuk dan nenek
    pun nak ikut" (2), "my sister is joining us" (1); `before`, the earlier messages."""
    total = 0
    for party in _parties(text, before):
        if party.joining():
            total += sum(_grown_ups(member) or 0 for member in party.members if member.group("adult"))
    return total


def without_joining(text: str) -> str:
    """`text` without the grown-ups joining a party already counted (their count is `joining_adults`); the children
    who come with them stay to be counted ("suami dan 2 orang anak saya ikut"). Each one taken out leaves a full stop:
    "for me" then "my wife and 2 kids are coming too" is no "me and 2 kids" (one adult with them)."""
    for party in reversed(_parties(text)):
        if party.joining():
            for member in reversed(party.members):
                if member.group("adult"):
                    text = text[: member.start()] + " . " + text[member.end() :]
    return text


# "Two couples", "3 pasangan": two adults each.
COUPLES_RE = re.compile(rf"\b{_N}\s+(?:couples|pasangan)\b")


def couples(text: str) -> int | None:
    """The adults of the last "N couples" in counting text."""
    found = None
    for match in COUPLES_RE.finditer(text):
        number = match.group("n")
        found = 2 * (int(number) if number.isdigit() else _WORD_NUMBERS[number])
    return found


# Children a guest speaks of as theirs without their number: "me, my wife and the kids", "with our children",
# "bawa anak-anak", "anak saya"; never children asked about ("is breakfast free for kids?", "the kids' club").
_PLURAL_CHILDREN = r"(?:kids|children|little ones|young ones|boys|girls|sons|daughters|grandchildren|grandkids|kiddos)"
UNCOUNTED_CHILDREN_RE = re.compile(
    rf"\b(?:(?:my|our|the)\s+|(?:with|and|plus|bringing|bring)\s+(?:the\s+|my\s+|our\s+)?){_PLURAL_CHILDREN}\b"
    r"(?!['’]|\s+(?:club|menu|meals?|pool|playground|corner|area|price|rates?|policy|activities|eat|stay)\b)"
    r"|\b(?:anak-anak|budak-budak|cucu-cucu|anak|cucu)(?:\s+(?:saya|kami|sy|aku))\b"
    r"|\b(?:bawa|dengan|dgn|bersama|dan)\s+(?:anak-anak|budak-budak|cucu-cucu)\b"
)
# A family counted as a whole: "a family of 4", "kami sekeluarga 5 orang", "keluarga saya 6 orang".
FAMILY_SIZE_RE = re.compile(
    r"\bfamily of\s+\w+|\bsekeluarga\b|\bberanak\b|\bkeluarga\s+(?:(?:saya|kami|sy)\s+)?(?:\d{1,2}|\w+)\s+orang\b"
)
# Said to the question about children: none come ("no kids", "tiada kanak-kanak", "all adults", "semua dewasa").
NO_CHILDREN_RE = re.compile(
    r"\b(?:no|without|tiada|takde|tak ada|tak de|tanpa|xde|x ada)\s+(?:kids|children|child|kanak-kanak|budak|anak)\b"
    r"(?!['’]|\s+(?:club|menu|meals?|pool|allowed|policy|price|rates?)|\s*\?)"
    r"|\b(?:all|semua(?:nya)?)\s+(?:adults|grown[- ]?ups?|dewasa)\b|\bdewasa\s+semua(?:nya)?\b"
    r"|\b(?:semua(?:nya)?\s+)?dah\s+besar(?:\s+semua(?:nya)?)?\b"
)
# Who is no adult of a room, so a bare count of people is not their adults: a family, children, students.
NOT_ALL_ADULTS_RE = re.compile(
    rf"\b(?:family|keluarga)\b(?!\s+(?:suites?|rooms?))(?<!bilik keluarga)|\bsekeluarga\b|\bberanak\b"
    rf"|\b(?:{'|'.join(map(re.escape, _CHILD_WORDS))})\b"
    r"|\b(?:students?|pelajar|murid|school|sekolah|scouts?|pengakap|juniors?|minors?|remaja|kanak)\b"
)
