"""The words of the lead-capture step, in English and Malay: ask for what is missing, summarise, ask consent.

The conversation engine decides *when* (a qualified lead, lead-capture mode); this module decides
*what is said* and how the guest's answer is read, so the rule "nothing is handed over without a
recorded YES" lives next to the lead. A WhatsApp reply button sends its id (`consent_yes` /
`consent_no`); on other channels the guest types, and `read_consent_reply` understands YES/NO in
both languages and answers None when it cannot tell (ask again rather than guess).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from core.languages import spoken
from leads.models import Lead
from leads.services.leads import record_consent
from leads.services.schema import ExtractedLead

YES_ID, NO_ID = "consent_yes", "consent_no"

QUESTIONS: dict[str, dict[str, str]] = {
    "check_in": {"en": "Which date would you like to check in?", "ms": "Tarikh daftar masuk yang anda mahu?"},
    "nights": {"en": "How many nights will you stay?", "ms": "Berapa malam anda akan menginap?"},
    "adults": {"en": "How many adults (and children) will stay?", "ms": "Berapa orang dewasa (dan kanak-kanak)?"},
    "children": {"en": "How many children will be with you?", "ms": "Berapa kanak-kanak yang akan ikut?"},
    # The party asked again when the first answer could not be read: only the numbers, with an example.
    "party_count": {
        "en": 'Sorry, I didn\'t quite catch the number of guests. Could you give it in numbers, for example "2 adults" '
        'or "2 adults, 1 child"?',
        "ms": 'Maaf, saya kurang pasti bilangan tetamu. Boleh nyatakan dalam angka, contohnya "2 dewasa" atau '
        '"2 dewasa, 1 kanak-kanak"?',
    },
    "room_type": {"en": "Which room type would you prefer?", "ms": "Jenis bilik yang anda pilih?"},
    "event_date": {"en": "On which date is it?", "ms": "Pada tarikh apa?"},
    "group_size": {"en": "How many guests are you expecting?", "ms": "Berapa orang tetamu dijangka?"},
    "name": {"en": "May I have your name?", "ms": "Boleh saya dapatkan nama anda?"},
    "phone_or_email": {
        "en": "What phone number or e-mail can our team reach you on?",
        "ms": "Nombor telefon atau e-mel untuk pasukan kami hubungi anda?",
    },
}

# The children of a party counted as a whole ("a family of 4"): the split is the one thing left to ask.
CHILDREN_OF_PARTY = {
    "en": "Of the {n} of you, how many are children?",
    "ms": "Daripada {n} orang itu, berapa kanak-kanak?",
}


def question(slot: str, fields: ExtractedLead, language: str) -> str:
    """What the lead step asks for `slot`, in `language` ("en"/"ms"), knowing the lead's `fields` so far."""
    if slot == "children" and fields.adults is None and fields.group_size:
        return CHILDREN_OF_PARTY[language].format(n=fields.group_size)
    return QUESTIONS[slot][language]


_CONSENT = {
    "en": (
        "Shall I pass these details to our reservations team so they can contact you? Please reply YES or NO.",
        "YES",
        "NO",
    ),
    "ms": (
        "Boleh saya serahkan butiran ini kepada pasukan tempahan kami untuk menghubungi anda? "
        "Sila balas YA atau TIDAK.",
        "YA",
        "TIDAK",
    ),
}
_LABELS = {
    "en": {"intent": "Request", "dates": "Dates", "guests": "Guests", "room": "Room", "name": "Name",
           "contact": "Contact", "special": "Special requests"},
    "ms": {"intent": "Permintaan", "dates": "Tarikh", "guests": "Tetamu", "room": "Bilik", "name": "Nama",
           "contact": "Telefon / e-mel", "special": "Permintaan khas"},
}  # fmt: skip
# Counted words, one and many ("1 night", "3 nights"); Malay does not mark the plural.
_COUNTED = {
    "en": {"nights": ("night", "nights"), "adults": ("adult", "adults"), "children": ("child", "children")},
    "ms": {"nights": ("malam", "malam"), "adults": ("dewasa", "dewasa"), "children": ("kanak-kanak", "kanak-kanak")},
}
# A Malay summary names its months in Malay ("24 Dis 2026"): an English "Dec" is English in a Malay reply.
_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "ms": ("Jan", "Feb", "Mac", "Apr", "Mei", "Jun", "Jul", "Ogo", "Sep", "Okt", "Nov", "Dis"),
}
_INTENTS = {
    "en": {"room_booking": "Room booking", "event": "Event", "fb_inquiry": "Dining", "general": "Inquiry"},
    "ms": {"room_booking": "Tempahan bilik", "event": "Majlis / acara", "fb_inquiry": "Makan", "general": "Pertanyaan"},
}


def next_question(lead: Lead, language: str = "en") -> str | None:
    """The question for the first missing field, or None when nothing is missing."""
    for field in lead.missing_fields:
        if field in QUESTIONS:
            return QUESTIONS[field][spoken(language)]
    return None


def summary(lead: Lead, language: str = "en") -> str:
    """What we understood, one line per known fact, for the guest to confirm and for staff to act on."""
    lang = spoken(language)
    label = _LABELS[lang]
    lines = [f"{label['intent']}: {_INTENTS[lang][lead.intent]}"]
    start = lead.check_in or lead.event_date
    if start:
        dates = _date(start, lang)
        if lead.check_out:
            dates += f" – {_date(lead.check_out, lang)}"
        if lead.nights:
            dates += f" ({_counted(lead.nights, 'nights', lang)})"
        lines.append(f"{label['dates']}: {dates}")
    if lead.adults or lead.children or lead.group_size:
        parts = []
        if lead.adults:
            parts.append(_counted(lead.adults, "adults", lang))
        if lead.children:
            parts.append(_counted(lead.children, "children", lang))
        guests = ", ".join(parts)
        # "My fiancée and I … about 150 guests": the party the team plans for is the larger group, not the couple.
        if lead.group_size and lead.group_size > (lead.adults or 0) + (lead.children or 0):
            guests = str(lead.group_size) if lead.intent == "event" or not guests else f"{lead.group_size} ({guests})"
        lines.append(f"{label['guests']}: {guests}")
    if lead.room_type:
        lines.append(
            f"{label['room']}: {lead.room_type}" + (f" × {lead.rooms}" if lead.rooms and lead.rooms > 1 else "")
        )
    if lead.special_requests:
        lines.append(f"{label['special']}: {lead.special_requests}")
    if lead.guest_name:
        lines.append(f"{label['name']}: {lead.guest_name}")
    contact = ", ".join(filter(None, [lead.phone, lead.email]))
    if contact:
        lines.append(f"{label['contact']}: {contact}")
    return "\n".join(lines)


def _date(day: dt.date, lang: str) -> str:
    return f"{day.day:02d} {_MONTHS[lang][day.month - 1]} {day.year}"


def _counted(n: int, word: str, lang: str) -> str:
    one, many = _COUNTED[lang][word]
    return f"{n} {one if n == 1 else many}"


def consent_question(language: str = "en") -> str:
    """The YES/NO question alone (asked again when the guest's reply was neither)."""
    return _CONSENT[spoken(language)][0]


def consent_request(lead: Lead, language: str = "en") -> dict[str, Any]:
    """The consent message: text for any channel, plus reply buttons for channels that have them (WhatsApp)."""
    question, yes, no = _CONSENT[spoken(language)]
    return {
        "text": f"{summary(lead, language)}\n\n{question}",
        "buttons": [{"id": YES_ID, "title": yes}, {"id": NO_ID, "title": no}],  # WhatsApp: titles ≤ 20 chars
    }


_YES_PHRASES = ("no problem", "no worries", "tiada masalah", "takde masalah", "x de masalah")
_NO = re.compile(
    r"\b(?:no|nope|nah|not now|not yet|don'?t|do not|dont|never|tidak|tak|taknak|tak nak|x nak|jangan|tak mahu|"
    r"tak payah|bukan|tidak mahu|no thanks|no thank you)\b"
)
# Putting it off is no YES to pass the details on now, even after an "ok": "ok, let me think about it", "ok nanti
# dulu, nak bincang dengan isteri".
_PUT_OFF = re.compile(
    r"\b(?:let me think|i'?ll think about it|think about it first|let me (?:check|discuss|ask)"
    r"|(?:check|discuss) with my"
    r"|maybe later|fikir dulu|tengok dulu|nanti dulu|bincang dulu|nak bincang|tanya (?:suami|isteri) dulu)\b"
)
_YES = re.compile(
    r"\b(?:yes|y|yeah|yep|yup|sure|ok|okay|okey|please do|go ahead|confirm|confirmed|of course|ya|ye|yer|boleh|"
    r"setuju|baik|baiklah|betul|silakan|ok boleh|okla|oklah|ok la|orait|alright|all right|sounds good|proceed|"
    r"teruskan|bolehlah|absolutely|definitely|certainly)\b|👍"
)


# Typed long or short on a phone: "yesss", "yaa", "okk", "okie", "okayy".
_STRETCHED = (
    (re.compile(r"\b(?:y+e+s+|ye+a+h+|ye+p+|yu+p+)\b"), "yes"),
    (re.compile(r"\by+a+\b"), "ya"),
    (re.compile(r"\bo+k+(?:a+y+|e+y+|ie+s?|s)?\b"), "ok"),
)
# Agreeing without a yes-word: "correct", "that's right", "looks good", "perfect", "can" (Malaysian English), 👌 ✅.
_AGREES = re.compile(
    r"\b(?:correct|that'?s right|all right|looks good|all good|perfect|great|lovely|excellent|awesome|wonderful"
    r"|that'?s fine|it'?s fine|fine|go for it|sounds great|ngam|tepat|betul tu|sah)\b|👌|✅|✔"
    r"|^\W*(?:can|can can|can lah|can la|boleh la)\W*$"
)
# The clause that opens the reply: a YES there answers the question; what follows it is about the booking.
_FIRST_CLAUSE = re.compile(r"^[^,.;!?\n]*?(?=\s+(?:but|tapi|cuma|just|except)\b|[,.;!?\n]|$)")
# What takes a YES back once said: "yes… no wait", "ok, actually not yet", "ya tapi jangan serahkan".
_TAKEN_BACK = re.compile(
    r"\b(?:no wait|wait no|actually no|not yet|changed my mind|change of mind|on second thought|tak jadi|belum lagi"
    r"|don'?t (?:pass|share|send|give|forward)|do not (?:pass|share|send|give|forward)"
    r"|jangan (?:serah|hantar|beri|bagi|kongsi|pass)\w*"
    r"|no thanks?|no thank you|tak nak|taknak|x nak|tak mahu|tidak mahu|tak payah|tak perlu|not interested"
    r"|never ?mind|forget it|lupakan|no need\W*$)"
    # "ok, no, 3 nights not 2": a NO standing alone after the YES corrects the summary.
    r"|(?:^|[,.;!?]\s*)(?:no|nope|tak|tidak|bukan)\s*(?:[,.;!?]|$)"
)
# "not correct", "that's not right", "not great": no agreement.
_NOT = re.compile(r"\bnot\b|n'?t\b|\b(?:wrong|salah|bukan)\b")


def read_consent_reply(reply: str) -> bool | None:
    """True for YES, False for NO, None when unclear. A negation wins ("tak boleh" is NO), except after a YES that
    opens the reply: "yes, no changes", "Yes, don't forget the cot", "ya, tak ada perubahan" are a YES about the
    details, unless they take it back ("yes… no wait", "ok but don't pass it on")."""
    text = reply.strip().lower()
    if text in (YES_ID, NO_ID):
        return text == YES_ID
    for pattern, word in _STRETCHED:
        text = pattern.sub(word, text)
    for phrase in _YES_PHRASES:
        text = text.replace(phrase, " ok ")
    agrees = bool(_AGREES.search(text)) and not _NOT.search(text)
    if _PUT_OFF.search(text):
        return False
    said_no, said_yes = bool(_NO.search(text)), bool(_YES.search(text)) or agrees
    first = _FIRST_CLAUSE.match(text)
    opens_yes = first is not None and _YES.search(first.group()) and not _NO.search(first.group())
    if said_no and opens_yes and not _TAKEN_BACK.search(text):
        return True
    if said_no:
        return False
    return True if said_yes else None


def says_yes_in_words(text: str) -> bool:
    """Whether the text holds a YES said in more than one word ("Go Ahead", "Sounds Good", "Ok Boleh"): words a guest
    capitalises as a reply to the summary, never a name ("Tan Ya Ling" holds only a one-word "ya")."""
    lowered = text.lower()
    return any(" " in found.group() for pattern in (_YES, _AGREES) for found in pattern.finditer(lowered))


def record_consent_reply(lead_id: int, reply: str) -> bool | None:
    """Read the guest's reply and record it; None (nothing recorded) when the reply is unclear."""
    answer = read_consent_reply(reply)
    if answer is not None:
        record_consent(lead_id, given=answer)
    return answer
