"""Choosing the AI mode of a turn: concierge, lead capture or handoff.

The rules (`select_mode`) work offline and always give a mode. With an LLM configured, the turn's
one structured reading by the model (`leads.services.reading`, handed to the engine through the
turn-step seam as a `ModelVerdict`) decides instead, by `settle_mode`, in this order:

1. Handoff by the rules stands: an explicit request for a person, a complaint the rules found, a
   low-confidence streak, or a conversation already with a person is never taken back by the model.
2. No verdict (offline, the circuit open, the model failed or answered outside the schema), or a
   verdict under `MODEL_MIN_CONFIDENCE`: the rules' mode.
3. The model says the guest wants a person or complains (`wants_human` / `complaint`, or mode
   handoff): handoff. The model may raise a turn to a person, never lower one.
4. Otherwise the model's mode (concierge or lead capture).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import models

from knowledge.services import glossary


class AiMode(models.TextChoices):
    """Who answers a conversation now; stored on `Conversation.ai_mode` (the choices live with the AI core)."""

    CONCIERGE = "concierge", "Concierge"
    LEAD_CAPTURE = "lead_capture", "Lead capture"
    HANDOFF = "handoff", "Handoff"
    STAFF = "staff", "Staff (AI locked)"


LOW_CONFIDENCE = 0.35  # below this, a reply counts towards the low-confidence streak
LOW_CONFIDENCE_STREAK_FOR_HANDOFF = 2

# "A room for someone in a wheelchair" speaks of a guest, not of a person to talk to; nor does "what happens if
# someone smokes in the room?" or "… when someone loses a key?"; nor a company's own staff ("a retreat for 45
# staff", "majlis untuk 100 kakitangan", "our staff party", "rumah terbuka untuk staf").
_OWN_STAFF = r"(?<!\d )(?<!our )(?<!my )(?<!company )(?<!kami )(?<!syarikat )(?<!for )(?<!untuk )(?<!utk )"
# "Can the front desk keep our bags?" asks for a service the hotel may describe, not for a person.
_DOES = r"(?<!can the )(?<!could the )(?<!will the )(?<!would the )"
# "Is someone watching the swimmers?", "someone on duty at the pool", "someone at the gym who can show me the
# machines": a person described by what they do is a thing asked about (a lifeguard, a trainer), not a person to
# talk to; "someone calling me back", "someone who can help" are, and so is "could someone ring me" ("ring" and
# "bring" end in -ing without being a watching or a guarding: a word starting with a contact verb is never one).
_DESCRIBED = (
    r"(?! (?!(?:call|talk|speak|help|assist|contact|answer|reply|respond|attend|serv|get|ring|bring|chat|deal"
    r"|handl)\w*\b)[a-z]+ing\b| on duty|(?: (?:at|in|by) the [\w-]+)? (?:who|to|that) (?:can |could |will |would )?"
    r"(?:watch|guard|look after|supervise|teach|show|train|coach|clean|babysit|mind)\b"
    # "can someone wash my clothes?", "could someone iron my shirt?": a service of the hotel asked about
    r"| (?:wash|iron|press|launder|dry[- ]?clean|clean|fold|carry|store|keep|mind|babysit|look after)\b)"
)
_HUMAN = re.compile(
    rf"\b(human|real person|(?<!for )a person|{_OWN_STAFF}staff|agent|manager|receptionist|{_DOES}front desk"
    rf"|(?<!for )(?<!if )(?<!when )someone{_DESCRIBED}|speak to"
    r"|talk to|call me|speak with|talk with|callback|(?:a|get a|request a|want a|need a|give me a) call[- ]?back"
    rf"|manusia|orang sebenar|{_OWN_STAFF}kakitangan|{_OWN_STAFF}staf|pengurus|penyambut tetamu|bercakap dengan"
    r"|cakap dengan|hubungi saya"
    # "a reservations officer", "the sales team", "pegawai tempahan": the people who take bookings
    r"|(?:reservations?|booking|sales|duty|events?) (?:officer|team|department|manager)|pegawai)\b",
    re.IGNORECASE,
)
_COMPLAINT = re.compile(
    # (dirty clothes handed in are laundry, not a complaint: "baju kotor kena hantar sblm kul brp?")
    r"\b(complain\w*|terrible|awful|disgusting|dirty(?! (?:clothes|laundry|washing))|rude|disappointed|worst"
    r"|unacceptable|broken|not working"
    r"|aduan|mengadu|(?<!baju )(?<!pakaian )kotor|teruk|kecewa|tak puas hati|tidak puas hati|rosak|biadap"
    # what is wrong with the room, said without an unhappy word ("bilik saya bocor", "the tap is leaking")
    r"|leaking|bocor|tak berfungsi|tidak berfungsi|stinks|busuk|cockroach(?:es)?|lipas|bed ?bugs|pepijat"
    r"|clogged|blocked (?:toilet|sink|drain)|(?:toilet|sink|drain) (?:is )?blocked|overflowing|tersumbat|melimpah"
    r"|no hot water|(?:tak|tiada|tidak) (?:ada )?air panas|air panas (?:tak|tiada|tidak) ada|not cooling|tak sejuk"
    r"|tidak sejuk|mou?ldy?|berkulat|stained"
    # a request nobody answered, and the guest's temper ("dah call 2 kali x de org dtg. geram betul")
    r"|ignored|nobody (?:has )?came|nobody (?:has )?come|no one (?:has )?c[ao]me|still waiting"
    r"|(?:tak|tiada|tidak) (?:ada |de )?orang (?:datang|dtg)|tak layan|tidak dilayan"
    r"|angry|furious|frustrated|fed up|ridiculous|unhappy|not happy|horrible|pathetic|(?:poor|bad) service"
    r"|geram|marah|bengang|menyampah|hampa)\b",
    re.IGNORECASE,
)
# "Can I get a refund if I cancel?" asks about the policy; "I want my money back" demands it. A refund is a
# complaint only when demanded (or said beside an unhappy word, which _COMPLAINT finds on its own).
_REFUND_DEMAND = re.compile(
    r"\b(?:i|we)\s+(?:want|demand|need|expect|insist on)\s+(?:a\s+|my\s+|our\s+|full\s+|a full\s+)?"
    r"(?:refund|money back)|\brefund (?:me|us) now\b|\bgive (?:me|us) (?:a |my |our )?(?:refund|money back)\b"
    r"|\b(?:saya|kami|aku)\s+(?:nak|mahu|mau|minta|tuntut)\s+(?:duit|wang)?\s*(?:balik|dipulangkan)\b"
    r"|\bpulangkan (?:duit|wang)\b",
    re.IGNORECASE,
)
_BOOKING = re.compile(
    r"\b(book|booking|reserve|reservation|availability|available|vacancy|vacancies|price|prices|rate|rates|cost"
    r"|how much|per night|quote|check[- ]in on|stay from|deal|promo\w*"
    r"|tempah|tempahan|kosong|harga|kadar|berapa harga|berapa ringgit|satu malam|semalam berapa|promosi|menginap"
    # Events, meetings and dining are enquiries to capture too, not questions to look up and forget.
    r"|wedding|weddings|kahwin|perkahwinan|nikah|kenduri|resepsi|meeting|meetings|mesyuarat|conferences?|seminars?"
    r"|workshops?|bengkel|persidangan|banquets?|jamuan|majlis|retreats?"
    r"|table for|meja untuk|book a table|tempah meja)\b",
    re.IGNORECASE,
)
_DATES = re.compile(
    r"\b(\d{1,2}\s*(?:/|-|\.)\s*\d{1,2}(?:\s*(?:/|-|\.)\s*\d{2,4})?"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januari|februari|mac|april|mei"
    r"|julai|ogos|september|oktober|november|disember)\w*"
    r"|\d{4}-\d{1,2}-\d{1,2}"
    r"|next (?:week|weekend|month)|this weekend|minggu depan|hujung minggu|bulan depan)\b",
    re.IGNORECASE,
)


# "Call me on 016…" / "hubungi saya di 012…" gives a way to reach the guest later: a contact, not a
# request for a person now; a number from abroad is written with brackets and dots too ("(+44) 7911-123-456").
_CONTACT_GIVEN = re.compile(
    r"\b(?:call me(?: back)?|ring me|hubungi (?:saya|sy|aku)|call|whatsapp me|text me|reach me|contact me"
    r"|(?:telefon|call|whatsapp|wasap|mesej) (?:saya|sy|aku))\b"
    r"(?:\s+(?:on|at|di|ke|pada|via|by))?\s*[:\-]?\s*(?:\(?\+?\d[\d\s().-]{6,}\d|[\w.+-]+@[\w-]+\.[\w.]+)",
    re.IGNORECASE,
)

# A company's or a family's people as the guests of an event ("bengkel staf 2 hari", "a staff retreat",
# "workshop for our staff", "jamuan tahunan kakitangan"): the group being booked for, not a person to talk to.
_GATHERINGS = (
    r"(?:bengkel|workshop|training|latihan|kursus|course|seminar|retreat|outing|lawatan|trip|party|parti|jamuan"
    r"|dinner|lunch|makan malam|makan tengah hari|majlis|event|acara|program|programme|annual|tahunan"
    r"|team[- ]building|gathering|perjumpaan|meeting|mesyuarat|conference|persidangan|hari keluarga|family day)"
)
_STAFF_AS_GUESTS = re.compile(
    rf"\b{_GATHERINGS}(?:\s+(?:for|untuk|utk|our|kami|the|all|semua|para))*\s+(?:staff|staf|kakitangan|pekerja)\b"
    rf"|\b(?:staff|staf|kakitangan|pekerja)\s+{_GATHERINGS}\b",
    re.IGNORECASE,
)


def wants_human(text: str) -> bool:
    return asks_for_person(text) or is_complaint(text)


# A thing left with someone is a service asked about (the luggage kept, a parcel taken in), not a person to talk to:
# "can we leave our bags with someone after we check out?".
_LEFT_WITH_SOMEONE = re.compile(
    r"\b(?:leave|leaving|drop|dropping|store|storing|keep|keeping|deposit|hand)\b(?:\s+[\w'-]+){1,3}?\s+with someone\b",
    re.IGNORECASE,
)


def asks_for_person(text: str) -> bool:
    """The guest asks for a person in so many words (a complaint alone is not that)."""
    written_out = glossary.normalise(text)  # "nk cakap dgn org hotel" is "nak cakap dengan orang hotel"
    written_out = _LEFT_WITH_SOMEONE.sub(" ", written_out)
    return bool(_HUMAN.search(_STAFF_AS_GUESTS.sub(" ", _CONTACT_GIVEN.sub(" ", written_out))))


def is_complaint(text: str) -> bool:
    """An unhappy guest, or one demanding their money back (asking about the refund policy is not)."""
    written_out = glossary.normalise(text)  # "x puas hati" is "tak puas hati"
    return bool(_COMPLAINT.search(written_out) or _REFUND_DEMAND.search(written_out))


def has_booking_intent(text: str) -> bool:
    return bool(_BOOKING.search(text) or _DATES.search(text))


# A yes as guests type one to our offer of a person (`_PERSON_OFFERED`): "yes please", "boleh", "ok sure", "ya boleh",
# "can", a courtesy that agrees with "please" or "tolong" beside it; "ok thanks" alone closes, "tak apa", "no need",
# "never mind" decline.
_AGREEING = frozenset({
    "yes", "ya", "yup", "yeah", "ye", "yer", "sure", "boleh", "ok", "okay", "okey", "can", "baik", "baiklah", "please",
    "pls",
})  # fmt: skip
_ASKING_KINDLY = frozenset({"please", "pls", "plz", "tolong", "can", "yeah"})
_DECLINING = frozenset({"no", "not", "never", "tak", "tidak", "x", "takpe", "takpa", "payah", "nope", "nah"})


# Our offer of a person at the end of a reply ("Would you like me to connect you with a member of staff?", "Mahukah
# saya hubungkan anda dengan kakitangan kami?"), in our words or a model's.
_PERSON_OFFERED = re.compile(
    r"\b(?:connect|put|pass|transfer)\s+you\s+(?:through\s+)?(?:to|with)\b[^?]*\b(?:staff|team|colleagues?|person)\b"
    r"|\b(?:hubungkan|sambungkan|serahkan)\s+anda\s+(?:dengan|kepada)\s+(?:\w+\s+)?(?:kakitangan|pasukan|staf)\b",
    re.IGNORECASE,
)


def takes_up_offer_of_person(text: str, history: list[dict[str, str]]) -> bool:
    """Whether the guest says yes to the person our last reply offered: they have asked for a person, as surely as
    in so many words (the mode is handoff, and a lead with a contact goes to the team with the conversation)."""
    last = last_reply(history).rstrip()
    offer = re.split(r"(?<=[.!?])\s+", last)[-1] if last.endswith("?") else ""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if not (offer and _PERSON_OFFERED.search(offer)) or "?" in text or _DECLINING.intersection(words):
        return False
    agrees = bool(_AGREEING.intersection(words)) and not thanks_only(text)
    return agrees and only_courtesy(" ".join(w for w in words if w not in _ASKING_KINDLY) or "ok")


def select_mode(
    text: str, *, current_mode: str, low_confidence_streak: int, history: list[dict[str, str]] | None = None
) -> str:
    """The mode for this turn. Staff hold is sticky: the AI does not take a conversation back. `history`: the
    session's turns, for a yes to the person our last reply offered."""
    if current_mode in (AiMode.STAFF, AiMode.HANDOFF):
        return current_mode
    if wants_human(text) or low_confidence_streak >= LOW_CONFIDENCE_STREAK_FOR_HANDOFF:
        return AiMode.HANDOFF
    if history and takes_up_offer_of_person(text, history):
        return AiMode.HANDOFF
    if has_booking_intent(text):
        return AiMode.LEAD_CAPTURE
    if current_mode == AiMode.LEAD_CAPTURE:
        # A guest in the middle of giving dates keeps the lead open unless they change subject.
        return AiMode.LEAD_CAPTURE if _DATES.search(text) else AiMode.CONCIERGE
    return AiMode.CONCIERGE


# A reading the model itself is unsure of does not decide the mode: the rules' stands.
MODEL_MIN_CONFIDENCE = 0.5
MODEL_MODES = (AiMode.CONCIERGE, AiMode.LEAD_CAPTURE, AiMode.HANDOFF)


@dataclass(frozen=True)
class ModelVerdict:
    """The model's structured reading of a turn, as far as the mode is concerned (already schema-checked)."""

    mode: str  # concierge | lead_capture | handoff
    confidence: float  # 0 to 1, the model's own
    wants_human: bool = False
    complaint: bool = False

    @property
    def handoff_trigger(self) -> str:
        """Why the model raised the turn to a person, as it said it: a complaint, a request for a person, or
        only its mode ("llm": a person should answer, for no reason it named)."""
        if self.complaint:
            return "complaint"
        return "human_request" if self.wants_human else "llm"


def settle_mode(rule_mode: str, verdict: ModelVerdict | None) -> tuple[str, str]:
    """The turn's mode and who chose it ("rules" | "llm"): the precedence of the module docstring."""
    if rule_mode in (AiMode.STAFF, AiMode.HANDOFF) or verdict is None:
        return rule_mode, "rules"
    if verdict.confidence < MODEL_MIN_CONFIDENCE or verdict.mode not in MODEL_MODES:
        return rule_mode, "rules"
    if verdict.wants_human or verdict.complaint or verdict.mode == AiMode.HANDOFF:
        return AiMode.HANDOFF, "llm"
    return verdict.mode, "llm"


# A message that only greets ("hi", "Assalamualaikum", "selamat pagi tuan", "hello team!") asks nothing: it is
# greeted back and asked how we can help, never "I don't have information about that" (and never a gap). Each
# greeting word with its language; a word that only addresses someone ("team", "tuan") is either.
_GREETING_WORDS = {
    "en": r"hi+|hello+|hey+|hiya|howdy|greetings|good\s+(?:morning|afternoon|evening|day)",
    "ms": (
        r"hai+|helo+|hye|salam(?:\s+sejahtera)?|(?:as)?s?alam(?:u|o)?\s*(?:'?\s*)?alaikum|"
        r"selamat\s+(?:pagi|tengah\s+hari|tengahari|petang|malam|sejahtera)"
    ),
}
_ADDRESSED = r"there|all|team|admin|sir|madam|mdm|maam|ma'am|tuan|puan|cik|encik|boss|bos|dear|everyone|semua"
# "Salam, nak tanya" / "hi, can I ask something?": the question is still to come.
_ABOUT_TO_ASK = (
    r"(?:saya\s+)?(?:nak|mahu|ingin|boleh)\s+tanya(?:\s+sikit|\s+sedikit)?|"
    r"(?:can|may)\s+i\s+ask(?:\s+(?:something|a\s+question))?|i\s+have\s+a\s+question|quick\s+question"
)
_GREETING_ONLY = re.compile(
    rf"^(?:(?:{_GREETING_WORDS['en']}|{_GREETING_WORDS['ms']}|{_ADDRESSED})\b[\W_]*)+(?:(?:{_ABOUT_TO_ASK})\b[\W_]*)?$",
    re.IGNORECASE,
)
GREETING_REPLY = {
    "en": "Hello, and welcome to {property}! How can I help you today?",
    "ms": "Hai, selamat datang ke {property}! Apa yang boleh saya bantu hari ini?",
}
# After the channel's own greeting of the day (WhatsApp's "Hello and welcome!"): only the question, never two welcomes.
HOW_CAN_I_HELP = {"en": "How can I help you today?", "ms": "Apa yang boleh saya bantu hari ini?"}
# Returned in kind, as a receptionist would.
_SALAM = re.compile(r"^\W*(?:as)?s?alam(?:u|o)?\s*'?\s*alaikum", re.IGNORECASE)
SALAM_REPLY = "Waalaikumsalam, selamat datang ke {property}! Apa yang boleh saya bantu hari ini?"


def only_greets(text: str) -> bool:
    """Whether a message is nothing but a greeting, or says nothing at all: an e-mail with an empty body, or no letter
    and no digit ("👍", "??", emoji, a zero-width space), which no knowledge answers and which must never count
    towards a handoff for low confidence nor become a gap."""
    stripped = text.strip()
    return says_nothing(stripped) or bool(_GREETING_ONLY.match(stripped))


def says_nothing(text: str) -> bool:
    """No letter and no digit: "👍", "??", emoji, a zero-width space (see `only_greets`)."""
    return not any(ch.isalnum() for ch in text)


def last_reply(history: list[dict[str, str]]) -> str:
    """Our last reply in the session's history ("" before the first)."""
    return next((turn["content"] for turn in reversed(history) if turn.get("role") == "ai"), "")


def nod_reply(history: list[dict[str, str]], language: str) -> str:
    """What a receptionist says to a message without a word in a conversation under way: the question we asked last,
    again, from its sentence on ("What phone number…?", "Shall I pass…? Please reply YES or NO."), since it is still
    open; after an answer that asked nothing, how we can help."""
    last = last_reply(history)
    line = next((line.strip() for line in reversed(last.splitlines()) if line.strip()), "")
    sentences = re.split(r"(?<=[.!?])\s+", line)
    asked = [i for i, sentence in enumerate(sentences) if sentence.endswith("?")]
    return " ".join(sentences[asked[-1] :]) if asked else HOW_CAN_I_HELP[language]


# A bare courtesy with nothing asked ("ok thanks", "noted", "baik", "terima kasih"): a receptionist closes kindly and
# leaves the door open, never "I don't have information about that" (and never a gap). "Ok", "boleh" or "sure" after
# a question of ours is a yes to it: the engine asks `only_courtesy` only when our last reply asked nothing.
_THANKS = r"thanks?(?:\s+you)?|thank\s*u|thx|tq(?:vm)?|ty|cheers|(?:te|t)?rima\s*kasih|makasih|mksh|tenkiu"
_COURTESY_WORDS = (
    rf"{_THANKS}|ok(?:ay|ey|ie)?|k|alright|all\s+right|noted|got\s+it|i\s+see|understood|cool|great|good|perfect|fine"
    r"|sure|baik(?:lah)?|boleh|faham|ya|yes|yup|ye|yer|lah|la|je|so\s+much|very\s+much|a\s+lot|banyak"
    r"|with|dengan|sangat|tuan|puan|cik|encik|sir|madam|team|admin|bos|boss"
    r"|for\s+(?:the|your)\s+(?:quick\s+)?(?:info|information|help|reply|answer)|atas\s+(?:maklumat|bantuan|jawapan)"
    r"(?:\s+(?:ini|itu|tu|ni))?"
)
# Every word begins with a letter, so the separators are never given back (`*+`), and no run of words reads two ways
# ("banyak-banyak" is "banyak", a hyphen, "banyak"): a guest's long message cannot make this match take exponential
# time on a worker.
_COURTESY_ONLY = re.compile(rf"^[\W_]*+(?:(?:{_COURTESY_WORDS})\b[\W_]*+)+$", re.IGNORECASE)
_COURTESY_MS = re.compile(r"\b(?:(?:te|t)?rima\s*kasih|makasih|mksh|baik(?:lah)?|boleh|faham|sangat|banyak)\b", re.I)
_COURTESY_EN = re.compile(r"\b(?:thanks?|thank\s*u|thx|cheers|alright|got\s+it|understood|great|perfect)\b", re.I)
_THANKED = re.compile(rf"\b(?:{_THANKS})\b", re.IGNORECASE)
_YES_IN_COURTESY = re.compile(r"\b(?:yes|ya|yup|ye|yer|sure|boleh)\b", re.I)
COURTESY_REPLY = {
    ("en", True): "You're welcome! Is there anything else I can help you with?",
    ("en", False): "Alright! Is there anything else I can help you with?",
    ("ms", True): "Sama-sama! Ada apa-apa lagi yang boleh saya bantu?",
    ("ms", False): "Baik! Ada apa-apa lagi yang boleh saya bantu?",
}


def only_courtesy(text: str) -> bool:
    """Whether a message is nothing but thanks or an acknowledgement ("ok thanks", "noted", "baik", "tq ya")."""
    return bool(text.strip()) and bool(_COURTESY_ONLY.match(text.strip()))


def thanks_only(text: str) -> bool:
    """Thanks with no yes in it ("thanks", "ok noted, terima kasih"): no answer to a question of ours."""
    return bool(_THANKED.search(text)) and not _YES_IN_COURTESY.search(text)


def awaits_an_answer(reply: str) -> bool:
    """Whether our last reply asked the guest something a bare "ok" or "boleh" answers: a question other than our
    open "anything else?" or "how can I help?" (there an "ok" asks nothing more)."""
    said = reply.rstrip()
    opens = (*HOW_CAN_I_HELP.values(), *(text.split("! ", 1)[-1] for text in COURTESY_REPLY.values()))
    return said.endswith("?") and not said.endswith(opens)


def courtesy_reply(text: str, default: str) -> tuple[str, str]:
    """The short close for `only_courtesy` text and its language: a Malay word decides, then an English one; "ok" or
    "noted" alone keeps the conversation's."""
    if _COURTESY_MS.search(text):
        language = "ms"
    elif _COURTESY_EN.search(text):
        language = "en"
    else:
        language = default if default in HOW_CAN_I_HELP else "en"
    thanked = bool(_THANKED.search(text))
    return COURTESY_REPLY[(language, thanked)], language


def greeting_language(text: str, default: str) -> str:
    """The language of a greeting: its Malay or English word decides; "hi" alone keeps the conversation's."""
    if re.search(rf"\b(?:{_GREETING_WORDS['ms']}|tanya)\b", text, re.IGNORECASE):
        return "ms"
    if re.search(rf"\b(?:{_GREETING_WORDS['en']})\b", text, re.IGNORECASE) and not re.fullmatch(
        r"\W*hi+\W*", text, re.IGNORECASE
    ):
        return "en"
    return default if default in GREETING_REPLY else "en"


def greeting_reply(text: str, language: str, property_name: str, *, welcomed: bool = False) -> str:
    """A short warm greeting back, in the guest's language, asking how we can help. `welcomed`: the channel's
    greeting of the day has just welcomed the guest."""
    if welcomed:
        return f"Waalaikumsalam! {HOW_CAN_I_HELP['ms']}" if _SALAM.match(text) else HOW_CAN_I_HELP[language]
    template = SALAM_REPLY if _SALAM.match(text) else GREETING_REPLY[language]
    return template.format(property=property_name)
