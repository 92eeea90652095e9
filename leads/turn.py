"""The lead step of a guest turn: lead capture as a night receptionist does it, registered with the engine
in `LeadsConfig.ready`.

Every guest message, in every mode, is read for booking details (dates, nights, party, room type,
event, name, phone, e-mail) and the conversation's lead is updated in the same turn; the dialogue
state (`leads.services.policy.DialogueState`: the slots, the slots asked for, the consent step) is
kept in the session between turns. At the moments the engine offers every step
(`conversations.turn_steps`):
- the reading: with an LLM configured, the turn is read once by the model (`leads.services.reading`):
  its mode, the guest's details and a confidence in one structured reply. The first part of the
  turn that needs it (the engine asking for the mode, or this step for the details) makes the call;
  every later part uses the same reading (`turn.notes["reading"]`), so a turn costs one call at most.
- before the answer: a reply to a pending consent question is read with the consent reader (YES is
  recorded and the lead handed over with the conversation; NO is recorded and respected). A message
  that gives details and asks nothing is answered here: thanks, and the policy's next step. A bare
  answer to our last question ("2") is noted on the message for every later reading ("2 nights").
- after the engine's answer: the policy's next step (`leads.services.policy.decide`): one missing
  detail, or the summary and the YES/NO once a contact is known; a pending consent question is asked
  again. Nothing is asked when a person takes over; the details are kept all the same.
- remember: the dialogue state goes into the session.
- summary_for: the lead as staff see it when the conversation is handed to them.

Only a recorded YES, with a phone or e-mail, ever hands a lead over
(`leads.services.leads.mark_handed_over` refuses otherwise, and a database constraint backs the YES).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import phonenumbers
import structlog
from django.conf import settings

from assistant import modes
from assistant.language import NEUTRAL_WORDS, detect_guest_language, guest_words, plainly_malay
from assistant.modes import ModelVerdict
from conversations.models import AiMode, Conversation, MessageRole
from conversations.turn_steps import Answered, StepFollowUp, StepReply, Turn, register_turn_step
from core.languages import spoken
from leads.models import ConsentStatus, Intent, Lead
from leads.services.consent import (
    QUESTIONS,
    consent_question,
    consent_request,
    question,
    read_consent_reply,
    record_consent_reply,
    says_yes_in_words,
    summary,
)
from leads.services.dates import MONTHS
from leads.services.extraction import (
    EMAIL_RE,
    GENERIC_ROOM_WORDS,
    NAME_STOPWORDS,
    NOT_NAMES,
    NUM_COUNT,
    ROOM_WORD_ALIASES,
    ExtractionResult,
    GuestText,
    children_change,
    counting_text,
    extract,
    find_name,
    lower_case_name,
    nights_added,
    number_value,
    party_change,
)
from leads.services.leads import (
    LeadError,
    add_answer_hint,
    conversation_lead,
    extraction_context,
    lead_fields,
    lead_for_conversation,
    mark_consent_asked,
    mark_handed_over,
    read_conversation,
    record_consent,
    reopen_consent,
    upsert_lead_for_conversation,
)
from leads.services.names import CONTACT_WORDS, NAME_SYLLABLES, NEVER_NAMES, has_chatter, without_chatter
from leads.services.party import childs_kin
from leads.services.policy import CONTACT, PARTY_AGAIN, Decision, DialogueState, decide, missing
from leads.services.quotes import room_price_alone, room_price_line
from leads.services.reading import ModelOutcome, model_reads
from leads.services.schema import NAME_CONNECTORS, ExtractedLead, ExtractionContext, RoomOption
from properties.services import team_back

log = structlog.get_logger(__name__)

THANKS = {
    "en": "Thank you! I've passed your details to our reservations team; a member of the team will contact you "
    "shortly and will see this whole conversation.",
    "ms": "Terima kasih! Butiran anda telah diserahkan kepada pasukan tempahan kami; mereka akan menghubungi anda "
    "tidak lama lagi dan dapat melihat keseluruhan perbualan ini.",
}
# A YES while the team is off duty: "shortly" at 2 am is a promise nobody keeps; the guest hears when instead
# (`properties.services.team_back`: "from 9:00 am tomorrow").
OFF_DUTY = {
    "en": ("shortly", "{back} (they are offline right now)"),
    "ms": ("tidak lama lagi", "{back} (pasukan kami di luar waktu operasi sekarang)"),
}
RESPECTED = {
    "en": "No problem — I won't pass your details on. I'm still here if you have any other questions.",
    "ms": "Tiada masalah — saya tidak akan menyerahkan butiran anda. Saya masih di sini jika ada soalan lain.",
}
# A bare NO to the summary may mean that a detail in it is wrong: the guest is told they may correct it.
CORRECT_IT = {
    "en": "If a detail above is wrong, just tell me the right one and I'll correct it.",
    "ms": "Jika ada butiran di atas yang salah, beritahu saya yang betul dan saya akan membetulkannya.",
}
BARE_NO = re.compile(r"^\W*(?:no|nope|nah|not quite|not really|tidak|tak|bukan|salah|wrong|x)\W*$", re.IGNORECASE)
# A NO that refuses the handover itself ("no thanks", "tak nak", "don't pass it on"), not a detail of the summary.
REFUSAL = re.compile(
    r"\b(?:thanks?|thank you|terima kasih|tq|tak nak|taknak|x nak|tak mahu|tidak mahu|don'?t|do not|jangan"
    r"|not interested|tak payah|no need|tak perlu|never mind|nevermind|forget it|lupakan)\b",
    re.IGNORECASE,
)


@dataclass
class ConsentAnswer:
    """The turn's reply when the guest answered the consent question (no model call needed)."""

    text: str
    mode: str
    given: bool
    lead_id: int
    correctable: bool = False  # a bare NO: a correction in the next message asks again


@dataclass
class FollowUp:
    """What the AI adds to its answer in lead capture: a missing detail to ask for, or the consent request."""

    text: str
    kind: str  # question | consent
    lead_id: int
    buttons: list[dict[str, str]] = field(default_factory=list)
    slot: str = ""  # the detail asked for

    def metadata(self) -> dict[str, Any]:
        data: dict[str, Any] = {"consent": {"lead_id": self.lead_id, "step": self.kind}}
        if self.slot:
            data["consent"]["asks"] = self.slot
        if self.buttons:
            data["buttons"] = self.buttons  # WhatsApp reply buttons; ids consent_yes / consent_no
        return data


def read_reply(
    conversation: Conversation,
    text: str,
    language: str,
    *,
    lead: Lead | None | Literal["ask"] = "ask",
    back: str | None = None,
) -> ConsentAnswer | None:
    """`lead`: the conversation's lead when the caller has just read it ("ask": read it here). `back`: when the team,
    off duty now, is next there (the thanks for a YES then says it); None in hours."""
    lead = lead_for_conversation(conversation.pk) if isinstance(lead, str) else lead
    if lead is None or lead.consent_status != ConsentStatus.ASKED or not lead.is_open:
        return None
    answer = record_consent_reply(lead.pk, text)
    if answer is None:
        return None
    lang = spoken(language)
    if answer:
        mark_handed_over(lead.pk)
        soon, later = OFF_DUTY[lang]
        thanks = THANKS[lang] if back is None else THANKS[lang].replace(soon, later.format(back=back))
        return ConsentAnswer(thanks, AiMode.HANDOFF, True, lead.pk)
    if BARE_NO.match(text):
        return ConsentAnswer(f"{RESPECTED[lang]} {CORRECT_IT[lang]}", AiMode.CONCIERGE, False, lead.pk, True)
    return ConsentAnswer(RESPECTED[lang], AiMode.CONCIERGE, False, lead.pk)


def corrects_summary(text: str, lead: Lead, state: DialogueState, gives: bool) -> bool:
    """The guest's message corrects the summary we showed rather than answering its YES/NO: "no, it's 3 nights",
    "actually the 21st", or a bare NO and then the right detail. The corrected summary is asked again."""
    if not gives or not lead.is_open or lead.handed_over_at is not None or REFUSAL.search(text):
        return False
    if lead.consent_status == ConsentStatus.ASKED:
        return read_consent_reply(text) is not True
    return lead.consent_status == ConsentStatus.DECLINED and state.correctable


def _yes_with_details(text: str, lead: Lead) -> bool:
    return lead.is_open and lead.consent_status == ConsentStatus.ASKED and read_consent_reply(text) is True


def pending_question(conversation: Conversation, language: str) -> str | None:
    """The consent question again, for a guest whose reply was neither YES nor NO."""
    lead = lead_for_conversation(conversation.pk)
    if lead is None or lead.consent_status != ConsentStatus.ASKED or not lead.is_open:
        return None
    return consent_question(language)


ACK = {"en": "Thank you{name}.", "ms": "Terima kasih{name}."}
HOW_CAN_I_HELP = {"en": "How can I help you today?", "ms": "Apa yang boleh saya bantu?"}
# Asked to book and told nothing yet: nothing to thank for; the receptionist takes the booking on.
GLAD_TO_BOOK = {
    "en": "Certainly, I'd be glad to help you with a booking{name}.",
    "ms": "Baik, saya sedia membantu tempahan anda{name}.",
}

# A guest who asks something wants the answer first: the engine answers, the step adds its question.
QUESTION_CUE = re.compile(
    r"\?|\b(?:what|when|where|which|how|is there|are there|do you|does|can you tell|could you tell|tell me"
    r"|apa|apakah|bila|bilakah|di mana|mana satu|berapa|adakah|ada tak|ada ke|boleh tak|macam mana|bagaimana)\b"
    # Malay asks with a particle, not a question mark: "sarapan termasuk ke", "parking free ke kena bayar",
    # "bawa kucing boleh tak" (a lone "tak" stays an answer: "no").
    r"|\w\s+(?:ke|ker|tak)\W*$|\bke\s+(?:tak|tidak|x|belum|kena|perlu)\b",
    re.IGNORECASE,
)
# "Do you have a room…", "ada bilik kosong…": asking to book, not a question for the knowledge base.
# A change to the enquiry asked as a question: "can we shorten that to four nights?", "boleh tukar ke 13 Mei?";
# it is the guest's detail when the message gives one ("can you add breakfast?" gives none: a question).
CHANGE_REQUEST = re.compile(
    r"\b(?:can|could|may)\s+(?:we|i|you)\s+(?:please\s+)?(?:shorten|extend|change|make|move|switch|reduce|add)\b"
    r"|\b(?:tukar|ubah|kurangkan|pendekkan|panjangkan|jadikan|tambah|tambahkan)\s+(?:ke|kepada|jadi)?\b",
    re.IGNORECASE,
)
BOOKING_REQUEST = re.compile(
    r"\b(?:do you have|have you got|is there|are there|any)\s+(?:a |an |any )?(?:rooms?|availability|vacanc\w+)"
    r"(?:\s+available)?|\b(?:can|could|may)\s+(?:i|we)\s+(?:book|reserve|get|have)\b"
    r"|\bada\s+(?:tak\s+|ke\s+)?bilik(?:\s+kosong)?(?:\s+(?:tak|ke))?|\bboleh\s+(?:tak\s+)?(?:saya\s+|kami\s+)?"
    r"(?:tempah|book)\b",
    re.IGNORECASE,
)
# "I'd like to reserve a room", "saya nak tempah bilik", "we want to make a booking": the guest asks to book, in so
# many words; with nothing else asked, the enquiry starts (the first missing detail), not a look-up of "booking".
BOOKING_WISH = re.compile(
    r"\b(?:i|we)(?:['’]d| would)?\s+(?:like|love|want|wish|need|hope|plan|am looking|are looking)\s+to\s+"
    r"(?:make\s+a\s+)?(?:book|reserve|booking|reservation)\b|\b(?:please|pls|kindly)\s+(?:book|reserve)\b"
    r"|\b(?:nak|nk|mahu|mau|ingin|hendak|hndk|tolong|nak\s+buat|mahu\s+buat|ingin\s+buat)\s+"
    r"(?:buat\s+)?(?:tempah|tempahkan|tempahan|menempah|book|booking|reserve)\b",
    re.IGNORECASE,
)
# Booking words in a question ("is breakfast included in the room rate?", "harga bilik termasuk sarapan ke?")
# are no wish to book: the guest shows that by asking to book, by a date or by the party.
TO_BOOK = {"book", "booking", "reserve", "reservation", "tempah", "tempahan", "menempah", "nak book"}
INTENT_DETAILS = ("check_in", "check_out", "nights", "adults", "children", "group_size", "event_date")
_BARE_NUMBER = re.compile(
    rf"^\s*(?:about|around|maybe|lebih kurang|dalam|kira-kira|just|only|hanya)?\s*{NUM_COUNT}\s*"
    r"(?P<label>orang|org|pax|people|persons?|guests?|tetamu|adults?|dewasa|nights?|malam|mlm)?\s*(?:sahaja|saja|je|only)?"
    r"\s*[.!]*\s*$",
    re.IGNORECASE,
)
_NIGHTS_LABEL = re.compile(r"nights?|malam|mlm", re.IGNORECASE)
# A name may open with its initials ("K. Ravi", "S.K. Tan").
_BARE_NAME = re.compile(
    r"^\s*((?:(?:Mr|Mrs|Ms|Dr|Mdm)\.?\s+)?(?:[A-Z]\.\s*){0,2}[A-Za-zÀ-ÖØ-Þß-öø-ÿ][A-Za-zÀ-ÖØ-Þß-öø-ÿ'\-]+(?:\s+[A-Za-zÀ-ÖØ-Þß-öø-ÿ][A-Za-zÀ-ÖØ-Þß-öø-ÿ'\-/]+){0,6})\s*[.!]*\s*$"
)
# "nama syarifah aini", "name: jess tan": the label said before the name is no part of it.
_SELF_CUE = re.compile(
    r"^\s*(?:(?:my\s+)?name(?:'s|\s+is)?|nama(?:\s+(?:saya|sy|aku))?|saya|sy|aku|i'm|im|i am|it's|its|this is|ini)"
    r"(?:\s*:\s*|\s+)(?=\S)",
    re.IGNORECASE,
)
NOT_A_NAME = {
    "yes", "no", "ya", "tidak", "tak", "ok", "okay", "thanks", "terima", "kasih", "sure", "boleh", "nope", "bukan",
    "salah", "wrong", "betul", "maaf", "sebenarnya", "actually", "oops", "alamak",
    # The label in front of a contact ("Emel: …", "Tel 012…", "HP: …") is not the guest's name.
    "email", "e-mail", "emel", "mel", "mail", "phone", "tel", "telefon", "fon", "nombor", "number", "num", "no.",
    "hp", "h/p", "wa", "mobile", "handphone", "contact", "hubungi", "alamat", "address",
}  # fmt: skip
# Words a guest answers with on their own that are nobody's name ("Sure", "Whichever", "Tomorrow", "Nanti").
REPLY_WORDS = {
    "sure", "thanks", "thank", "great", "perfect", "hello", "hi", "hey", "nice", "cool", "good", "fine", "noted",
    "done", "right", "alright", "yeah", "yep", "yup", "nope", "nah", "maybe", "later", "whichever", "any", "anything",
    "anyone", "both", "either", "none", "nothing", "tonight", "weekend", "morning", "evening", "afternoon", "night",
    "breakfast", "lunch", "dinner", "parking", "wifi", "pool", "gym", "spa", "price", "prices", "rate", "rates",
    "cash", "card", "deposit", "refund", "cancel", "cancellation", "help", "wait", "hmm", "hm", "ah", "oh", "wow",
    "awesome", "excellent", "lovely", "wonderful", "exactly", "correct", "confirmed", "confirm", "agreed", "deal",
    "same", "single", "double", "triple", "smoking", "halal", "vegetarian", "urgent", "now", "soon", "flexible",
    "unsure", "dunno", "idk", "tbc", "unknown", "huh", "what", "why", "how", "when", "where", "who", "which",
    "english", "malay", "melayu", "bm", "cheap", "expensive", "availability", "reservation", "menu", "free",
    "included", "sounds", "lol", "haha", "noon", "midnight", "checkout", "checkin",
    "betul", "nanti", "sekejap", "jap", "kejap", "mungkin", "entah", "bila", "apa", "mana", "siapa",
    "assalamualaikum", "waalaikumsalam", "tq", "okey", "okla", "orait", "tiada", "takde", "sarapan", "harga",
    "malam", "pagi", "petang", "sama", "semua", "setuju", "faham", "baik", "baiklah", "sila", "maaf", "cuti",
    "percuma", "wedding", "meeting", "event", "majlis", "kenduri", "seminar", "conference", "party",
    "correction", "update", "change", "note", "btw", "ps", "fyi", "so", "anyway", "umm", "erm", "dear", "kindly",
    "question", "understood", "got", "okie", "thx", "ty", "salam", "selamat", "lagi", "also", "plus",
    # Who is coming, said in one word ("Myself.", "Solo"): the party, never the guest's name.
    "myself", "me", "solo", "alone", "us", "we", "everyone", "everybody", "family", "couple", "sendiri", "sendirian",
    "berdua", "bertiga", "berempat", "kami", "sekeluarga",
}  # fmt: skip
ROOM_WORDS = GENERIC_ROOM_WORDS | set(ROOM_WORD_ALIASES) | set(ROOM_WORD_ALIASES.values())
# Words that make a reply a sentence, written in lower case inside it: a pronoun, a question word, a verb of coming
# or needing ("isteri saya pun ikut", "why do you need it", "nanti dulu", "kawan saya pun datang"). Said to "May I
# have your name?", such a reply is about the party, the dates or the question, never the name. Words that are also
# given names ("Will", "Can", "Do") are left out.
SENTENCE_WORDS = {
    "saya", "sy", "aku", "kami", "kita", "dia", "mereka", "awak", "anda", "korang", "i", "me", "my", "mine", "we",
    "our", "us", "you", "your", "he", "she", "they", "them", "his", "her", "their", "it", "why", "what", "how",
    "when", "where", "kenapa", "mengapa", "apa", "bila", "need", "join", "joining", "come", "coming", "ikut",
    "datang", "bawa", "pun", "juga", "jugak", "sekali", "too", "dulu", "dahulu", "perlu", "want", "would", "could",
    "should", "does", "did", "are", "am", "was",
}  # fmt: skip
_AFFILIATION = {"from", "of", "at", "with", "dari", "daripada", "di"}
_HINTS = {
    "nights": "{n} nights", "adults": "{n} adults", "group_size": "{n} pax", "children": "{n} children",
    PARTY_AGAIN: "{n} adults",
}  # fmt: skip
# Said to "how many children?": none come.
_NO_CHILDREN = re.compile(
    r"^\W*(?:none|no|nope|zero|0|nil|tiada|takde|tak ada|x ?de|tak|tidak|all adults|all grown[- ]?ups?|semua dewasa"
    r"|just adults|dewasa sahaja|dewasa je)\b"
    # "none, all grown up", "tiada, semua dewasa"; not "no, one kid" nor "tak, 2 orang"
    r"(?![^\n]*(?:\d|\b(?:one|two|three|four|a|an|satu|dua|tiga|empat|seorang|sorang)\b))",
    re.IGNORECASE,
)
# An answer that says the guest does not know yet: nothing to ask again ("not sure yet", "belum pasti").
UNSURE = re.compile(
    r"\b(?:not sure|unsure|don'?t know|do not know|dunno|idk|tbc|to be confirmed|not decided|undecided|depends"
    r"|belum pasti|tak pasti|tidak pasti|x pasti|belum tahu|tak tahu|tidak tahu|x tahu|belum confirm|tengok dulu)\b",
    re.IGNORECASE,
)


@dataclass
class Progress:
    """The lead after this turn's reading: the lead (None without booking intent), its fields, the dialogue state."""

    lead: Lead | None
    fields: ExtractedLead
    state: DialogueState
    gave_details: bool


def guest_language(text: str, session_language: str, rooms: Sequence[RoomOption] = ()) -> str:
    """The language to answer in: the message's, once it says enough; a name, a number or an address
    ("emel: admin@syarikat.com.my" reads as English) keeps the conversation's. So does the name of one of the hotel's
    `rooms`: "deluxe king room" is the hotel's English name, typed by a Malay guest as often as by anyone."""
    text = EMAIL_RE.sub(" ", text)
    # Hotel words, months and "ok" are typed alike in both languages: "deluxe king room, 2 pax" or "ok, 3 nights from
    # 5 March" says nothing of the guest's language however many of them it holds.
    if all(w in NEUTRAL_WORDS for w in guest_words(text)):
        return spoken(session_language)
    if len(re.findall(r"[^\W\d_]{2,}", text)) < 3:
        # Too short to weigh one language against the other, unless it is plainly Malay ("nak tempah", "bilik ada?").
        return "ms" if plainly_malay(text) else spoken(session_language)
    # The room's name counts towards saying enough ("Family Suite berapa semalam?" is Malay), not towards a language.
    names = {name for room in rooms for name in (room.name, *room.aliases) if name.strip()}
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text, flags=re.IGNORECASE)
    return spoken(detect_guest_language(text, default=session_language))


def _single_name(text: str) -> str | None:
    """One capitalised word said alone, or after "it's" / "saya" / "I'm" ("Aisyah", "Tan", "saya Mei"), that is no
    word a guest replies with for anything else: the name a guest gives before we ask for it."""
    text = _ACK_FIRST.sub("", text)  # "ok, Farid"
    cued = _SELF_CUE.match(text)
    rest = text[cued.end() :] if cued else text
    match = re.fullmatch(r"\s*([A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’\-]+)\s*[^\w\s]*\s*", rest)  # "Aisyah 😊", "Raj!"
    if not match:
        return None
    return _unknown_words(match.group(1), months_too=bool(cued))


def _unknown_words(name: str, *, months_too: bool = False) -> str | None:
    """`name` when none of its words is one we know for something else (after "I am" a month is a name)."""
    known = NOT_NAMES | NOT_A_NAME | ROOM_WORDS | REPLY_WORDS | NEVER_NAMES
    if months_too:
        known -= set(MONTHS)
    words = name.split()
    if all(len(word) > 1 and word.lower() not in known for word in words):
        return name
    return None


# "Raj, 2 adults", "Aisyah. 3 nights": a name of one or two capitalised words first, then the details.
_LEADING_NAME = re.compile(
    r"^\s*([A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’\-]+(?:[ \t]+[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’\-]+)?)\s*[,.;:\-–]\s+(?=\S)"
)
_ACK_FIRST = re.compile(r"^\s*(?:ok(?:ay)?|hi|hello|hai|helo|salam|yes|ya|sure|baik)\s*[,.!]\s*", re.IGNORECASE)


# "2 adults. Aisyah", "3 nights, Wei Ling": the name after the details, alone in the message's last clause.
_TRAILING_NAME = re.compile(r"[,.;:\-–]\s+([A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’\-]+(?:[ \t]+[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’\-]+)?)\s*$")


def leading_name(text: str) -> str | None:
    """The name a guest puts before or after the details they give ("Raj, 2 adults", "2 adults. Aisyah"), when it
    is no word we know."""
    match = _LEADING_NAME.match(_ACK_FIRST.sub("", text)) or _TRAILING_NAME.search(without_chatter(text))
    return _unknown_words(match.group(1)) if match else None


# Our own question said back with its answer: "how many nights? 2", "berapa malam? 3", "which dates? 3 to 5 May". The
# echo asks nothing; the answer after it is the message (a bare count keeps the echo's word: "2 nights").
_ECHOES: dict[str, str] = {
    "nights": r"(?:how\s+many|berapa)\s+(?P<unit>nights?|malam|mlm)",
    "adults": (
        r"(?:how\s+many|berapa)\s+(?:ramai\s+)?(?P<unit>adults?|guests?|people|persons?|pax|dewasa|orang|tetamu|org)"
    ),
    "children": r"(?:how\s+many|berapa)\s+(?:orang\s+)?(?P<unit>children|kids?|kanak-kanak|kanak2|budak|anak)",
    "check_in": r"(?:which|what)\s+dates?|(?:check[- ]?in\s+)?(?:tarikh|bila)|check[- ]?in\s+date",
    "room_type": r"(?:which|what)\s+room(?:\s+type)?|room\s+type|jenis\s+bilik|bilik\s+apa",
    "name": r"(?:your\s+)?name|nama(?:\s+anda)?",
}
_ECHOES |= {PARTY_AGAIN: _ECHOES["adults"], "group_size": _ECHOES["adults"], "event_date": _ECHOES["check_in"]}
_ONLY_NUMBER = re.compile(rf"^\s*{NUM_COUNT}\s*[.!]*\s*$", re.IGNORECASE)
# Our question said back is said in our question's words ("which date would you like? 3 May", "tarikh daftar masuk?
# 5hb"): a word of the guest's own after its opening makes it their question ("bila boleh check in?", "when is
# breakfast?"), answered as one, with whatever it gives beside it.
_ECHO_PRONOUNS = ("you", "u", "we", "i", "do", "anda", "awak", "kami", "kita", "saya", "sy")


@cache
def _echo_tail(slot: str) -> str:
    asked = QUESTIONS.get(slot, QUESTIONS["adults"])
    words = sorted({w for text in asked.values() for w in re.findall(r"[\w'’-]+", text.lower())} | set(_ECHO_PRONOUNS))
    return rf"(?:\s+(?:{'|'.join(map(re.escape, words))})\b){{0,3}}\s*\?+[\s:,-]*(?=\S)"


def without_echo(text: str, asked: Sequence[str]) -> str:
    """`text` without a question of ours the guest repeats before answering it (`_ECHOES`), for the slots `asked`."""
    for slot in dict.fromkeys(reversed(asked)):
        if slot in _ECHOES and (echo := re.match(rf"^\s*(?:{_ECHOES[slot]}){_echo_tail(slot)}", text, re.IGNORECASE)):
            answer = text[echo.end() :]
            unit = echo.groupdict().get("unit")
            return f"{answer.strip()} {unit}" if unit and _ONLY_NUMBER.match(answer) else answer
    return text


def answer_hint(text: str, last_asked: str | None, *, names_only: bool = False, name_known: bool = False) -> str | None:
    """What a bare answer to our last question means ("2" after "how many nights?" is "2 nights").

    `names_only`: an enquiry is open and the message reads as no other detail; "Tan Mei Xin" in reply to
    "which room type?" or to the YES/NO is the guest's name all the same (two or more capitalised words,
    none a word we know for something else)."""
    match = _BARE_NUMBER.match(counting_text(text.lower())) if last_asked in _HINTS else None
    label = match.group("label") if match else None
    # "2 adults" said to "how many nights?" (or "3 malam" to "berapa orang?") answers another question: the extraction
    # reads it by its own label.
    if match and (label is None or bool(_NIGHTS_LABEL.fullmatch(label.lower())) == (last_asked == "nights")):
        return _HINTS[str(last_asked)].format(n=number_value(match.group(1)))
    if last_asked == "children" and _NO_CHILDREN.match(text):
        return "no children"
    if names_only and last_asked not in ("name", CONTACT):
        said = without_chatter(text)  # "Oops, Tan Mei Xin", "eh, Aisyah"
        words = match.group(1).split() if (match := _BARE_NAME.match(_SELF_CUE.sub("", said))) else []
        # A month is a name too ("Mei Ling", "June"): no date here. A room's words ("Sea View") are a room.
        known = (NOT_NAMES | NOT_A_NAME | ROOM_WORDS) - set(MONTHS)
        # "Go Ahead" or "Sounds Good" to the summary is the YES, not a name, whatever its capitals.
        names = len(words) >= 2 and not says_yes_in_words(" ".join(words))
        if names and all(w[:1].isupper() and w.lower().strip(".'") not in known for w in words):
            return f"my name is {' '.join(words)}"
        if not name_known and (single := _single_name(said)):
            return f"my name is {single}"
    if last_asked in ("name", CONTACT) and find_name(text)[0] is not None:
        return None  # "Cheers, Marcus", "saya, Amirul": the extraction reads the name itself
    if last_asked in ("name", CONTACT):
        # "Aisha Rahman, 012-345 6789": the words beside the number we asked for are the guest's name.
        text = EMAIL_RE.sub(" ", text)
        for number in phonenumbers.PhoneNumberMatcher(text, "MY", leniency=phonenumbers.Leniency.POSSIBLE):
            text = text.replace(number.raw_string, " ")
        # "eh, Hafiz", "Maaf lambat balas. Nurul Izzah": the apology or the interjection around the name goes.
        # Said around chatter, a name is written with its capitals: "ok, ambil yang tu" or "boleh sy bercakap dengan
        # staf?" is no name in lower case.
        chatty = has_chatter(text)
        text = without_chatter(text)
        # "Lisa Ng, Bright Co": the name comes first; what follows a comma is the company or the town.
        parts = [part for part in re.split(r"[,;|\n]+", text) if part.strip()]
        # A label's slash or dash goes ("H/P", "Tel - "); a name's "a/l", "a/p", "s/o" or "d/o" stays, and so does the
        # hyphen between a name's letters ("Al-Harbi", "Ji-hoon").
        text = re.sub(
            r"[:–]+|-(?![^\W\d_])|(?<![^\W\d_])-|(?<!\b[asd])/|/(?![lpo]\b)", " ", parts[0] if parts else text
        )
    if last_asked in ("name", CONTACT):
        text = _SELF_CUE.sub("", text)  # "sy mak cik rosnah", "im jess tan": the name after the "I am"
    if last_asked in ("name", CONTACT) and (match := _BARE_NAME.match(text)) and find_name(text)[0] is None:
        words = match.group(1).split()
        # "Jason Lim from Acme", "Aida dari HR": the name ends where the company or the town begins.
        cut = next((i for i, word in enumerate(words) if i and word.lower() in _AFFILIATION), len(words))
        words = words[:cut]
        if any(word in SENTENCE_WORDS for word in words):
            return None  # "isteri saya pun ikut": a sentence the extraction reads for its details, no name
        if says_yes_in_words(" ".join(words)):
            return None  # "Go Ahead" to the summary, our last question still the name: the YES, no name
        capitals = all(word[:1].isupper() or word.lower() in NAME_CONNECTORS for word in words)
        # Asked for a contact, "this is kelvin" or "aminah" is the name in lower case when no word of it is one we know.
        lower_ok = last_asked == CONTACT and not chatty and lower_case_name(" ".join(words)) is not None
        if (last_asked == CONTACT or chatty) and not capitals and not lower_ok:
            return None
        # Asked for a name, "Lim Mei" is one (May is "Mei" in Malay, but not here); "ok" or "yes" is not. Asked for a
        # contact, "Deluxe King" is the room again, not a name.
        refused = NAME_STOPWORDS | NOT_A_NAME | NEVER_NAMES
        refused |= ROOM_WORDS | NOT_NAMES if last_asked == CONTACT else set()
        # "Lim Ya Ting", "Tan Ah Kow": a syllable that is also chatter belongs to a name of more words.
        syllables = NAME_SYLLABLES if len(words) > 1 else set()
        # "Family suite", "Deluxe", "office", "anytime" (beside the number): every word one we know for something
        # else is no name, even asked for one ("June" alone stays a name).
        other = (ROOM_WORDS | NOT_NAMES | REPLY_WORDS | CONTACT_WORDS) - set(MONTHS)
        if all(word.lower().strip("'.") in other for word in words):
            return None
        if not any(word.lower().strip("'") in refused - syllables for word in words):
            return f"my name is {' '.join(words)}"
    return None


def _slots(fields: ExtractedLead) -> dict[str, Any]:
    return {key: value for key, value in fields.known_fields().items() if key != "intent"}


def turn_context(turn: Turn) -> ExtractionContext:
    """The turn's extraction context (the property's rooms and rates), read once per turn."""
    if "context" not in turn.notes:
        turn.notes["context"] = extraction_context(turn.property, turn.now)
    return turn.notes["context"]


def read_text(turn: Turn, text: str) -> ExtractionResult:
    """One text of this turn read for booking details, with the turn's context, once: the step reads the guest's
    text before the answer, for the details-only check and for the lead-capture check after it, and the rules
    give the same reading each time. A text changed in the turn (a hint added) is another key."""
    readings = turn.notes.setdefault("text_readings", {})
    if text not in readings:
        readings[text] = extract([GuestText(text)], turn_context(turn))
    return readings[text]


def turn_lead(turn: Turn) -> Lead | None:
    """The conversation's lead as it stood when first asked for in this turn (None: no lead yet).

    Whatever changes the lead in the turn (a consent reply, the upsert) drops or replaces this note."""
    if "lead_row" not in turn.notes:
        turn.notes["lead_row"] = lead_for_conversation(turn.conversation.pk)
    return turn.notes["lead_row"]


def turn_reading(turn: Turn) -> ModelOutcome | None:
    """The model's one reading of this turn, made at the first need and kept for the rest of the turn."""
    if "reading" not in turn.notes:
        if not model_reads():  # offline: nothing to gather for a model
            turn.notes["reading"] = None
            return None
        try:
            turn.notes["reading"] = read_conversation(turn.conversation, now=turn.now, ctx=turn_context(turn))
        except Exception:  # the reading is best effort: the rules answer without it
            log.exception("turn_reading_failed", conversation=turn.conversation.pk)
            turn.notes["reading"] = None
    return turn.notes["reading"]


def read_progress(turn: Turn, *, create: bool, keep_contact: bool = False, for_person: bool = False) -> Progress:
    """Read the whole conversation again (every guest message, in every mode) and update its lead.

    `create`: a lead may be opened by this turn (booking intent); otherwise only an existing lead is
    updated. `keep_contact`: the turn goes to a person; a phone or e-mail the guest gave opens a lead
    even without booking intent (see `upsert_lead_for_conversation`). A failure here must never cost the
    guest their answer.
    """
    state = DialogueState.from_json(turn.session.lead)
    lead = turn_lead(turn)
    try:
        if lead is not None or create or keep_contact:
            turn.notes.pop("lead_row", None)  # the upsert changes it
            lead = upsert_lead_for_conversation(
                turn.conversation,
                now=turn.now,
                reading=turn_reading(turn),
                ctx=turn_context(turn),
                property_=turn.property,
                keep_contact=keep_contact,
                for_person=for_person,
            )
            turn.notes["lead_row"] = lead
    except Exception:  # a lead failure must never cost the guest their answer
        log.exception("lead_upsert_failed", conversation=turn.conversation.pk)
        return Progress(lead, ExtractedLead(), state, False)
    if lead is None:
        return Progress(None, ExtractedLead(), state, False)
    fields = lead_fields(lead)
    slots = _slots(fields)
    gave_details = any(state.slots.get(key) != value for key, value in slots.items())
    state.slots, state.lead_id, state.consent = slots, lead.pk, lead.consent_status
    state.unclear = [str(item) for item in (lead.extraction or {}).get("unclear") or []]
    return Progress(lead, fields, state, gave_details)


def follow_up(progress: Progress, language: str, *, answered_question: bool = False) -> FollowUp | None:
    """The policy's next step for this lead, in words: one question, or the summary and the YES/NO.

    `answered_question`: the reply answers a question the guest asked mid-enquiry (`policy.decide`)."""
    lead = progress.lead
    if lead is None or not lead.is_open:
        return None
    state = progress.state
    decision = decide(progress.fields, state, gave_details=progress.gave_details, answered_question=answered_question)
    lang = spoken(language)
    if decision == Decision("ask", CONTACT) and CONTACT in state.asked and not progress.gave_details:
        state.reminded = True  # asked again after the answer: never a third time without new details
    if decision.kind == "consent":
        request = consent_request(lead, lang)
        mark_consent_asked(lead.pk)
        progress.state.consent = ConsentStatus.ASKED
        return FollowUp(request["text"], "consent", lead.pk, request["buttons"])
    if decision.kind == "ask":
        progress.state.asked = [*(slot for slot in progress.state.asked if slot != decision.slot), decision.slot]
        return FollowUp(question(decision.slot, progress.fields, lang), "question", lead.pk, slot=decision.slot)
    return None


# What a guest already staying or booked speaks of: their own booking, stay, room or bill ("my booking on 12 June is
# wrong, I want the manager"). A request for a person about it is a matter for staff, not a new enquiry.
_OWN_STAY = re.compile(
    r"\b(?:my|our)\s+(?:booking|reservation|stay|room|bill|deposit|payment|charges?)\b"
    r"|\b(?:tempahan|bilik|bil|bayaran|deposit)\s+(?:saya|sy|kami|aku)\b"
    r"|\b(?:i|we)\s+(?:had|stayed|booked|paid|checked (?:in|out))\b|\b(?:saya|sy|kami)\s+(?:dah|sudah|telah)\b",
    re.IGNORECASE,
)
# What a guest asking for something new says: "I want to book", "looking at", "need 2 rooms", "nak tempah".
_ASKS_TO_BOOK = re.compile(
    r"\b(?:book|reserve|looking (?:at|for)|need|would like|i'd like|want|enquir\w*|inquir\w*|availability|available"
    r"|nak|nk|mahu|ingin|hendak|perlukan|tempah|ada (?:bilik|kosong))\b",
    re.IGNORECASE,
)


def _consent_next(progress: Progress) -> bool:
    """The lead's next step would be the summary and the YES/NO."""
    if progress.lead is None or not progress.lead.is_open:
        return False
    return decide(progress.fields, progress.state, gave_details=progress.gave_details).kind == "consent"


def enquiry_to_a_person(text: str) -> bool:
    """ "Could I speak with the reservations manager? I want to book 3 deluxe kings for 6 adults, 10-12 March": a
    booking enquiry made to a person, neither a complaint nor about a booking or stay the guest already has."""
    return (
        modes.asks_for_person(text)
        and modes.has_booking_intent(text)
        and bool(_ASKS_TO_BOOK.search(text))
        and not modes.is_complaint(text)
        and not _OWN_STAY.search(text)
    )


def _an_enquiry(fields: ExtractedLead) -> bool:
    """The lead says when or for how many: something the reservations team can quote for."""
    return any(
        getattr(fields, name) is not None for name in ("check_in", "event_date", "nights", "adults", "group_size")
    )


def asks_for_a_person(turn: Turn, *, complaint: bool = True) -> bool:
    """The guest asks for a person in so many words, or says yes to the person our last reply offered ("boleh" to
    "Mahukah saya hubungkan anda dengan kakitangan kami?"); `complaint`: a complaint counts too."""
    said = modes.wants_human(turn.text) if complaint else modes.asks_for_person(turn.text)
    return said or modes.takes_up_offer_of_person(turn.text, turn.session.history)


def hand_over_on_request(turn: Turn, progress: Progress) -> None:
    """A guest in the middle of an enquiry who asks for a person, with a way to reach them known, has asked
    the team to take the enquiry on: the lead goes to the team with the conversation (their request is
    their YES). Without a contact nothing is handed over (nobody could call back), nor after a NO, nor for
    a complaint alone (a person takes the conversation; the lead stays as it is), nor for a lead that says neither
    when nor for how many (a room's word in a complaint is no enquiry)."""
    lead = progress.lead
    if lead is None or not lead.is_open or lead.intent == Intent.GENERAL or lead.handed_over_at is not None:
        return
    if lead.consent_status not in (ConsentStatus.NOT_ASKED, ConsentStatus.ASKED):
        return
    reading = turn_reading(turn)
    asks = asks_for_a_person(turn, complaint=False) or (reading is not None and reading.wants_human)
    # "Could someone from reservations call me?", then the number in the next message: the request stands until
    # the contact comes, and the contact then hands the enquiry over as if given with the request.
    if not (asks or progress.state.person_asked) or modes.is_complaint(turn.text):
        return
    if not _an_enquiry(progress.fields):
        # "the lift is down, mum uses a wheelchair … duty manager, email me": no booking to pass on yet. The request
        # stands: "can someone call me about a family suite", then the dates, hands the enquiry over with them.
        progress.state.person_asked = True
        return
    if not (progress.fields.phone or progress.fields.email):
        progress.state.person_asked = True
        return
    try:
        record_consent(lead.pk, given=True)
        mark_handed_over(lead.pk)
    except LeadError:  # raced with a NO or a staff change: the lead stays where it is
        log.warning("lead_handover_on_request_refused", lead=lead.pk)
        return
    progress.state.consent = ConsentStatus.GIVEN
    progress.state.person_asked = False
    turn.notes.pop("lead_row", None)


# A question typed without its question mark ("is breakfast included", "can we bring the dog") or a wish to know.
# "Do Van Minh, +84 …", "Can Yılmaz 0090 …": a name that opens with the word is no question; "Can I", "IS THERE" are.
AUX_FIRST = re.compile(r"^\W*(?i:is|are|do|does|can|could|nak tanya|nk tanya)\b(?![ \t]+[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ])")
WANTS_TO_KNOW = re.compile(
    r"\b(?:know|info|information|details? (?:of|about|on)|recommend|suggest|tahu|maklumat|tanya)\b", re.IGNORECASE
)
SHORT_REPLY_WORDS = 8


def changes_the_party(turn: Turn) -> bool:
    """The message adds to or takes from the party the guest gave before, read with the earlier messages ("adik
    perempuan dia pun join sekali" after "anak lelaki saya ikut", "one less", "sorang lagi baby"): a detail, though it
    says no count of its own."""
    said = [m["content"] for m in turn.session.history if m.get("role") == MessageRole.GUEST]
    if not said:
        return False
    before = counting_text("\n".join(said).lower())
    text = turn.text
    return bool(party_change(text, before) or children_change(text) or childs_kin(counting_text(text.lower()), before))


def _details_only(turn: Turn, state: DialogueState) -> bool:
    """This turn's messages tell us booking details and ask nothing (but to book).

    In the middle of an enquiry, a short reply that asks nothing answers our last question even when it
    names no detail ("whichever room, we're non-smokers", "a full day with coffee breaks"): it is the
    guest's answer, not a question for the knowledge base (whose "lunch" or "smoking" item would be
    pasted in beside it).
    """
    text = turn.text
    if CHANGE_REQUEST.search(text) and (_slots(read_text(turn, turn.text).fields) or nights_added(text)):
        return True  # "can we shorten that to four nights?", "could we add one more night?"
    asks_to_book = bool(BOOKING_REQUEST.search(text) or BOOKING_WISH.search(text))
    if asks_to_book:  # its question mark asks to book: nothing to look up
        text = BOOKING_WISH.sub(" ", BOOKING_REQUEST.sub(" ", text)).replace("?", " ")
    opens_as_question = AUX_FIRST.search(turn.text) and not BOOKING_REQUEST.match(turn.text.strip())
    if QUESTION_CUE.search(text) or WANTS_TO_KNOW.search(text) or opens_as_question:
        return False
    fields = read_text(turn, turn.text).fields
    if _slots(fields) or (asks_to_book and fields.intent != Intent.GENERAL) or changes_the_party(turn):
        return True
    answering = state.lead_id is not None and state.last_asked is not None and state.consent == ConsentStatus.NOT_ASKED
    return answering and len(re.findall(r"\w+", text)) <= SHORT_REPLY_WORDS


# "Not now, thanks", "tengok dulu": the guest stops the enquiry for now; a receptionist stops asking.
NOT_NOW = re.compile(
    r"^\W*(?:ok(?:ay)?\W+)?(?:maybe\W+)?(?:not now|not yet|later|another time|some other time|i['’]ll think about it"
    r"|let me think|just asking|just looking|just browsing|no thanks?|lain kali|fikir dulu"
    r"|no thank you|tak apa|takpe|xpe|nanti dulu|nanti|tengok dulu|tanya je|tanya sahaja|saja tanya|belum lagi)\b"
    r"(?:\W+\w+){0,4}\W*$",
    re.IGNORECASE,
)
NO_RUSH = {
    "en": "No problem, there's no rush. I've kept the details you gave; message me whenever you'd like to go "
    "ahead, or if there's anything else I can help with.",
    "ms": "Tiada masalah, tak perlu tergesa-gesa. Saya simpan butiran yang anda berikan; mesej sahaja bila anda "
    "mahu teruskan, atau jika ada apa-apa lagi yang boleh saya bantu.",
}


def _no_rush(turn: Turn, language: str) -> StepReply | None:
    """The guest paused the enquiry: say so kindly, keep the lead, and ask nothing more until they give a
    detail again (every missing detail counts as asked; the policy asks again only after new details)."""
    progress = read_progress(turn, create=False)
    if progress.lead is None or not progress.lead.is_open:
        return None
    asked = progress.state.asked
    progress.state.asked = [*asked, *(slot for slot in missing(progress.fields) if slot not in asked)]
    turn.notes["lead"] = progress
    return StepReply(NO_RUSH[language], AiMode.CONCIERGE, source="lead", language=language)


def _price_and_go_on(turn: Turn, line: str, language: str) -> StepReply:
    """A room's price asked mid-enquiry (`quotes.room_price_line`): the price, then the enquiry's next step."""
    progress = read_progress(turn, create=False)  # the question may give a detail too ("… for 3 nights?")
    turn.notes["lead"] = progress
    metadata: dict[str, Any] = {}
    follow = follow_up(progress, language)
    if follow is not None:
        line = f"{line}\n\n{follow.text}"
        metadata.update(follow.metadata())
    elif progress.state.consent == ConsentStatus.ASKED:
        line = f"{line}\n\n{consent_question(language)}"
        metadata["consent"] = {"step": "asked_again"}
    return StepReply(line, AiMode.LEAD_CAPTURE, metadata=metadata, source="lead", language=language)


def asks_only_to_book(text: str, given: dict[str, Any], hint: str | None) -> bool:
    """The guest asked to book and gave no detail of the stay yet ("I'd like to reserve a room", "nak tempah bilik")."""
    asks = BOOKING_REQUEST.search(text) or BOOKING_WISH.search(text)
    return bool(asks) and hint is None and not set(given) - {"rooms", "room_type"}


def shows_booking_intent(text: str, reading: ExtractionResult) -> bool:
    """The guest wants to book, not only to know: they ask to book, or say when or for how many (`reading`: the
    text's). A question about a room or its rate ("harga bilik termasuk sarapan?") is answered and opens no room
    enquiry; an event or a table is an enquiry whatever it asks."""
    fields = reading.fields
    if fields.intent != Intent.ROOM_BOOKING:
        return True
    # Only a word for booking itself: "deposit" or "pay" is asked about as often as it is meant.
    if BOOKING_REQUEST.search(text) or BOOKING_WISH.search(text) or set(reading.signals.booking_words) & TO_BOOK:
        return True
    return any(getattr(fields, name) is not None for name in INTENT_DETAILS)


def unread_party(text: str, state: DialogueState, given: dict[str, Any], hint: str | None) -> bool:
    """The guest answered our question about the party and we could read no detail in it ("the usual lot"): a
    narrower question follows (`policy.PARTY_AGAIN`), unless they said they do not know yet."""
    asked_party = state.last_asked == "adults" and not ({"adults", "group_size"} & set(state.slots))
    return asked_party and not given and hint is None and not UNSURE.search(text)


class LeadTurnStep:
    """The lead step as the engine calls it (see the module docstring)."""

    # Every turn reads the conversation's lead (`turn_lead`): read with the conversation, in its statement.
    first_reads = {"lead_row": conversation_lead}

    def before_answer(self, turn: Turn) -> StepReply | None:
        state = DialogueState.from_json(turn.session.lead)
        turn.text = without_echo(turn.text, state.asked)  # "how many nights? 2" answers our question
        ctx = turn_context(turn)
        asked = turn.text
        given = _slots(read_text(turn, asked).fields)
        gives = bool(given) or changes_the_party(turn)
        names_only = state.lead_id is not None and not gives
        hint = answer_hint(turn.text, state.last_asked, names_only=names_only, name_known="name" in state.slots)
        # A bare answer ("Lee Kah Wai", "2") says nothing of the guest's language.
        language = spoken(turn.language) if hint else guest_language(turn.text, turn.language, ctx.rooms)
        unnamed = state.lead_id is not None and "name" not in state.slots and "name" not in given
        if hint is None and gives and unnamed and (name := leading_name(turn.text)):
            hint = f"my name is {name}"  # "Raj, 2 adults"
        lead = turn_lead(turn)
        # A name or a count read from a bare answer ("silap, Ahmad Faizal bin Hassan") corrects the summary too.
        if lead is not None and corrects_summary(turn.text, lead, state, gives or hint is not None):
            lead = turn.notes["lead_row"] = reopen_consent(lead.pk)
        if lead is not None and (hint or gives) and _yes_with_details(turn.text, lead):
            # "ok, Wei Jie", "yes, my name Priya": the YES hands over a lead that holds what came with it.
            if hint:
                add_answer_hint(turn.conversation, hint)
                hint = None
            lead = read_progress(turn, create=False).lead
        back = team_back(turn.property, turn.now, language)
        consent = read_reply(turn.conversation, turn.text, language, lead=lead, back=back)
        if lead is not None and lead.consent_status == ConsentStatus.ASKED:
            turn.notes.pop("lead_row", None)  # the reply may have been recorded on it
        if consent is not None:
            turn.notes["correctable"] = consent.correctable
            step = "given" if consent.given else "declined"
            return StepReply(
                consent.text,
                consent.mode,
                metadata={"consent": {"lead_id": consent.lead_id, "step": step}},
                handoff_trigger="lead_consent",  # the thank-you says that the team takes over
                source="consent",
                language=language,
            )
        if hint:
            add_answer_hint(turn.conversation, hint)
            turn.text = f"{turn.text}\n{hint}"
        if turn.session.mode in (AiMode.HANDOFF, AiMode.STAFF) or asks_for_a_person(turn):
            return None  # the engine hands over; after_answer still reads the details
        if NOT_NOW.match(turn.text) and state.lead_id is not None and state.consent == ConsentStatus.NOT_ASKED:
            return _no_rush(turn, language)
        if lead is not None and lead.is_open and lead.intent == Intent.ROOM_BOOKING:
            line = room_price_line(turn.text, state.slots.get("room_type"), ctx.rooms, language)
            if line is not None:
                return _price_and_go_on(turn, line, language)
        elif (
            not (lead is not None and lead.is_open)
            and not set(given) - {"room_type", "rooms"}
            and (line := room_price_alone(turn.text, ctx.rooms, language)) is not None
        ):
            # "How much is the Family Suite?" before any enquiry: the rate and one invitation, nothing collected (a
            # question opens no enquiry); "ok book it for 2 nights" then starts one with the room asked about.
            return StepReply(line, AiMode.CONCIERGE, source="lead", language=language)
        if not _details_only(turn, state):
            # A change to the party said with a question ("my mum is coming too, is there a lift?") gives a detail as
            # surely as a count: the question is answered as part of the enquiry, never with "I don't have information".
            turn.gives_details = bool(_slots(read_text(turn, turn.text).fields)) or changes_the_party(turn)
            return None
        # Details and no question: the receptionist thanks the guest and takes the enquiry on.
        progress = read_progress(turn, create=True)
        turn.notes["lead"] = progress
        if unread_party(turn.text, state, given, hint):
            progress.state.unclear.append("party")
        lang = language
        name = progress.fields.name or read_text(turn, turn.text).fields.name
        opening = GLAD_TO_BOOK if asks_only_to_book(turn.text, given, hint) else ACK
        text = opening[lang].format(name=f", {name}" if name else "")
        follow = follow_up(progress, lang) if progress.lead is not None else None
        metadata: dict[str, Any] = {}
        if follow is not None and follow.slot == PARTY_AGAIN:
            text = follow.text  # no thanks for an answer we could not read
            metadata.update(follow.metadata())
        elif follow is not None:
            text = f"{text}\n\n{follow.text}"
            metadata.update(follow.metadata())
        elif progress.lead is None:
            text = f"{text} {HOW_CAN_I_HELP[lang]}"
        mode = AiMode.LEAD_CAPTURE if progress.lead is not None else AiMode.CONCIERGE
        return StepReply(text, mode, metadata=metadata, source="lead", language=lang)

    def read(self, turn: Turn) -> ModelVerdict | None:
        reading = turn_reading(turn)
        return reading.verdict if reading is not None and settings.LLM_CLASSIFY_MODE else None

    def after_answer(self, turn: Turn, answer: Answered) -> StepFollowUp | None:
        if "lead" not in turn.notes:
            handoff = answer.mode == AiMode.HANDOFF
            turn.notes["lead"] = read_progress(
                turn,
                create=answer.mode == AiMode.LEAD_CAPTURE
                and shows_booking_intent(turn.text, read_text(turn, turn.text)),
                keep_contact=handoff,
                for_person=handoff and enquiry_to_a_person(turn.text),
            )
        progress: Progress = turn.notes["lead"]
        if answer.mode == AiMode.HANDOFF:
            hand_over_on_request(turn, progress)
            return None  # a person takes over; the details are kept all the same
        if progress.state.consent == ConsentStatus.ASKED:
            again = pending_question(turn.conversation, answer.language)
            return StepFollowUp(again, {"consent": {"step": "asked_again"}}) if again is not None else None
        # The answer to a question the guest asked mid-enquiry (price, breakfast, parking, or the honest "I don't
        # have that"): the enquiry's next missing detail follows it.
        answered_question = answer.mode in (AiMode.CONCIERGE, AiMode.LEAD_CAPTURE) and not progress.gave_details
        if answered_question and answer.text.rstrip().endswith("?"):
            # The answer asks its own yes/no ("shall I connect you with staff?"): one question at a time, so the
            # next detail or the summary waits for the guest's reply (nothing is marked as asked).
            return None
        follow = follow_up(progress, answer.language, answered_question=answered_question)
        return StepFollowUp(follow.text, follow.metadata()) if follow is not None else None

    def remember(self, turn: Turn, answer: Answered) -> None:
        # The session's lead state: the dialogue state, once the guest has shown booking intent.
        progress: Progress | None = turn.notes.get("lead")
        correctable = bool(turn.notes.get("correctable"))
        if progress is not None and progress.lead is not None:
            progress.state.correctable = correctable
            turn.session.lead = progress.state.as_json()
        elif turn.session.lead and answer.mode != AiMode.STAFF:
            state = DialogueState.from_json(turn.session.lead)
            lead = turn_lead(turn)
            if lead is not None:
                state.consent = lead.consent_status
            state.correctable = correctable
            turn.session.lead = state.as_json()

    def summary_for(self, conversation: Conversation, language: str) -> dict[str, Any] | None:
        lead = lead_for_conversation(conversation.pk)
        if lead is None:
            return None
        return {
            "id": lead.pk,
            "intent": lead.intent,
            "status": lead.status,
            "score": lead.lead_score,
            "priority": lead.priority,
            "consent_status": lead.consent_status,
            "handed_over": lead.handed_over_at is not None,
            "currency": lead.currency,
            "summary": summary(lead, language),
            # Every detail as staff act on it (and as `manage.py eval --dialogues` checks it).
            "fields": {
                **lead_fields(lead).model_dump(mode="json"),
                "estimated_value": str(lead.estimated_value) if lead.estimated_value is not None else None,
            },
        }


def register() -> None:
    """The engine's one seam for the lead step of every guest turn (conversations never imports leads)."""
    register_turn_step(LeadTurnStep())
