"""What a guest says around their name and is no part of it: the interjection, the apology, the
acknowledgement and the thanks ("eh, Hafiz", "Oops, Ong Mei Ling", "Maaf lambat balas. Nurul Izzah",
"silap, Ahmad Faizal bin Hassan", "ok tq. Farah Aziz", "Priya thanks", "Tan Ah Kow lah").

A receptionist hears the name and lets the rest go by; a reader that takes the first word for the name
writes "Eh" or "Silap" on the lead and asks no more, and one that refuses the whole message asks again
for a name the guest has just given. `without_chatter` keeps what the guest said besides; the name
readers (`leads.turn.answer_hint`, `extraction.name_beside_contact`) look for the name in that.
`CHATTER` alone is never a name ("yup", "tq", "eh"): `NEVER_NAMES` is what the name readers refuse.

Pure text; no model, no database.
"""

from __future__ import annotations

import re

# Words that open, close or fill a reply and say nothing of who is writing, in English, Malay and Manglish.
CHATTER = {
    # interjections
    "eh", "ehh", "oh", "ohh", "ah", "ahh", "oops", "opps", "ops", "oopsie", "whoops", "woops", "uh", "um", "umm",
    "erm", "er", "hmm", "hm", "hmmm", "huh", "aiyo", "aiyoh", "aiya", "aiyah", "alamak", "adoi", "aduh", "aduhai",
    "wah", "haha", "hehe", "lol", "ahaha", "yo",
    # apologies and corrections
    "sorry", "sori", "soz", "sry", "srry", "apologies", "apologise", "apologize", "pardon", "maaf", "mohon",
    "silap", "salah", "typo", "mistake", "mistaken", "my", "bad", "wrong", "tersilap", "tersalah", "taip",
    "tertaip", "correction", "oopsies",
    # acknowledgements and thanks
    "ok", "okay", "okey", "okie", "okies", "okk", "k", "kk", "sure", "yes", "yess", "yeah", "yep", "yup", "ya",
    "yaa", "ye", "yer", "boleh", "baik", "alright", "right", "noted", "tq", "ty", "thx", "thanks", "thank", "you",
    "terima", "kasih", "of", "course", "certainly", "thing", "definitely", "absolutely", "no", "problem", "worries",
    "fine",  # "ok fine, Marcus Tan"
    "cool", "great", "nice", "lovely", "brilliant", "fantastic", "wonderful", "amazing", "awesome", "perfect", "done",
    "roger", "welcome", "bye", "goodbye", "goodnight", "gn", "nvm", "nevermind", "tqvm", "tqsm", "thnx", "thanx",
    "makasih", "trimas", "bagus", "baguslah", "mantap", "terbaik", "sip", "alhamdulillah", "insyaallah", "inshallah",
    "syukur", "bro", "sis", "boss", "bos", "sir", "madam", "maam", "wow", "ooh", "owh", "mate", "cheers",
    # "no worries" in Malay, as typed ("xpe, sy tanya2 je dulu")
    "takpe", "takpa", "xpe", "xpa", "tkpe", "takpelah", "xpela", "takpela",
    # particles, greetings and the rest of "sorry for the late reply"
    "la", "lah", "leh", "je", "jer", "ja", "sahaja", "saja", "please", "pls", "plz", "hi", "hello", "hey", "hai",
    "helo", "salam", "btw", "anyway", "wait", "jap", "kejap", "sekejap", "for", "the", "late", "delay", "reply",
    "replying", "was", "typing", "busy", "driving", "missed", "earlier", "just", "saw", "this", "message",
    "lambat", "balas", "terlambat", "lupa", "terlupa", "again", "sekali", "lagi", "here", "it", "is", "ni", "tu",
    # the time-of-day greetings ("evening! Daniel, 013…", "Selamat pagi, Rosnah")
    "good", "morning", "afternoon", "evening", "greetings", "dear", "selamat", "pagi", "petang", "malam",
    "assalamualaikum", "waalaikumsalam", "salaam",
}  # fmt: skip
# Chatter that is also a syllable of a name ("Tan Ah Kow", "Lim Ya Ting", "Oh Boon Hock"): dropped as a clause of
# its own ("Ah, Kelvin") or at the end, never off the front of a name without a comma between.
NAME_SYLLABLES = {"ah", "oh", "ya", "ye", "ja", "la", "ty", "k", "ni", "tu"}
# Where a guest comes from, said beside the details ("2 adults, Singapore"): no name.
PLACES = {
    "singapore", "penang", "pinang", "ipoh", "johor", "jb", "melaka", "malacca", "kuching", "sabah", "sarawak",
    "kedah", "kelantan", "terengganu", "pahang", "perak", "selangor", "putrajaya", "cyberjaya", "seremban", "klang",
    "subang", "pj", "langkawi", "brunei", "indonesia", "jakarta", "thailand", "bangkok", "china", "india",
    "australia", "london", "kuantan", "miri", "sibu", "sandakan", "alor", "setar",
}  # fmt: skip
# What is never a guest's name, said alone or opening the reply ("Yup", "Tq", "Eh", "Silap").
# "Selamat" is also a given name ("Selamat bin Osman"): dropped as a greeting's word, never refused as a name.
NEVER_NAMES = (
    CHATTER - NAME_SYLLABLES - {"my", "you", "the", "for", "of", "it", "is", "this", "here", "no", "selamat"}
) | PLACES
# Words a guest writes in lower case beside the number or address they give, about it and not about who they are
# ("whatsapp only 012…", "office 03-…", "anytime after 5pm 012…"): never a name typed in lower case there.
CONTACT_WORDS = {
    "only", "anytime", "any", "time", "after", "before", "office", "hours", "home", "work", "mobile", "call", "sms",
    "text", "whatsapp", "wa", "telegram", "or", "atau", "hp", "tel", "no", "number", "nombor", "ext", "fax", "line",
    "landline", "direct", "daytime", "weekdays", "weekends", "evenings", "nights", "urgent", "personal", "private",
    "main", "alternative", "backup", "other", "second", "new", "old", "same", "as", "above", "below", "me", "us",
    "at", "on", "is", "my", "our", "contact", "email", "emel", "phone", "telefon", "fon", "num", "reach", "sahaja",
    "bila", "masa", "waktu", "lepas", "sebelum", "pejabat", "rumah", "kerja", "siang", "boleh", "tak", "nak", "ke",
    "kat", "di", "dan", "and", "to", "from", "dari", "pm", "am", "pls", "please", "thanks",
    # declining to give one ("skip", "rather not", "takmo")
    "skip", "pass", "rather", "prefer", "not", "dont", "don't", "never", "takmo", "taknak", "tanak", "xnak", "xmo",
}  # fmt: skip
_TRAILING = {"la", "lah", "leh", "je", "jer", "sahaja", "saja", "thanks", "thank", "you", "tq", "ty", "thx", "please",
             "pls", "plz", "ya", "ye"}  # fmt: skip
_TITLES = {"mr", "mrs", "ms", "dr", "mdm", "en", "pn", "prof", "tn", "hj", "hjh"}
_EMOTICON = re.compile(r"(?<!\w)[:;=]['’-]?[()DPpO3/\\|]+(?!\w)|[^\w\s.,;:!?'’/\-@+()&]+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# A clause ends at a comma, a semicolon, a line, "!" or "?", a dash between spaces, or a full stop that does not
# follow an initial or a title ("K. Rajan", "Mr. Tan").
_BREAK = re.compile(r"[,;!?\n|]+|\s[-–—~]+\s|^\s*[-–—~]+\s|\s[-–—~]+\s*$|\.+")


def clauses(text: str) -> list[str]:
    """`text` cut into its clauses, each stripped; an initial's or a title's full stop cuts nothing."""
    parts, start = [], 0
    for match in _BREAK.finditer(text):
        if match.group().startswith(".") and len(match.group()) == 1:
            before = re.search(r"([^\W\d_]+)\s*$", text[start : match.start()])
            word = before.group(1) if before else ""
            if (len(word) == 1 and word.isupper()) or word.lower() in _TITLES:
                continue
        parts.append(text[start : match.start()])
        start = match.end()
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def is_chatter(clause: str) -> bool:
    """Every word of `clause` is chatter ("Oh ya", "Maaf lambat balas", "sorry, was typing"); no digit, no address."""
    if re.search(r"[\d@]", clause):
        return False
    return all(word.lower() in CHATTER for word in _WORD.findall(clause))


def has_chatter(text: str) -> bool:
    """`without_chatter` leaves something out of `text`."""
    return without_chatter(text) != ", ".join(clauses(_EMOTICON.sub(" ", text)))


def without_chatter(text: str) -> str:
    """The clauses of `text` that say something besides chatter, joined by commas, less the chatter that opens the
    first of them or closes the last ("sorry Aisyah" → "Aisyah", "Tan Ah Kow lah" → "Tan Ah Kow")."""
    text = _EMOTICON.sub(" ", text)  # "Priya :)", "Nadia 😊"
    kept = [clause for clause in clauses(text) if not is_chatter(clause)]
    if not kept:
        return ""
    words = kept[0].split()
    # "sorry Aisyah", "ok Farid": off the front only before a capital ("please go ahead" keeps its "please").
    while len(words) > 1 and words[0].lower().strip("'’") in NEVER_NAMES and words[1][:1].isupper():
        words.pop(0)
    kept[0] = " ".join(words)
    words = kept[-1].split()
    while len(words) > 1 and words[-1].lower() in _TRAILING:
        words.pop()
    kept[-1] = " ".join(words)
    return ", ".join(kept)


# A message that opens by taking back what was said: the name in it replaces the one given before, however it
# is said ("nama saya Ahmad Faizal", then "sorry, I'm Ahmad Faizal bin Hassan").
CORRECTION_CUE = re.compile(
    r"^\W*(?:(?:oh|eh|ah|ops|oops|opps|alamak|aiyo)\W+)?(?:sorry|sori|soz|oops|opps|silap|salah|maaf|actually"
    r"|sebenarnya|correction|typo|i mean|i meant|my bad|wrong|tersilap|tersalah|betulkan)\b",
    re.IGNORECASE,
)


def restates_name(known: str | None, name: str, text: str) -> bool:
    """`name`, read in `text`, corrects or completes the `known` one however weakly it is said: the message opens
    with a correction ("silap, …", "sorry, it's …"), or the name is the known one said in full ("Priya" →
    "Priya d/o Rajan")."""
    if not known or known.casefold() == name.casefold():
        return False
    if CORRECTION_CUE.match(text):
        return True
    old, new = known.casefold().split(), name.casefold().split()
    return len(new) > len(old) and new[: len(old)] == old
