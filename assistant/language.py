"""English or Bahasa Malaysia, from word lists: short chat messages defeat statistical detectors.

Malay and Indonesian share most function words; both count as "ms" here (see REFERENCE.md).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-zA-Z']+")
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)

# Words only Malay uses, the range and month words among them ("5 hingga 7 Ogos": a guest who names the hotel's
# English room beside them still writes Malay); "Mac", "Mei" and "Jun" are left out: "Mei" is a name too.
MALAY_WORDS = frozenset(
    str.split(
        """
        saya awak anda kami kita dia mereka ada tiada tak tidak nak mahu hendak boleh bolehkah ke ini itu
        yang dan atau dengan untuk dari daripada pada di dalam ialah adalah apa apakah bila bilakah mana
        manakah berapa berapakah bagaimana kenapa mengapa siapa pukul jam hari esok semalam lusa minggu
        bulan tahun malam pagi petang tengah harga bilik katil sarapan makan kolam renang tempat letak
        kereta parkir tempah tempahan kosong percuma termasuk sila tolong terima kasih selamat datang awal
        ni tu lah kah pun juga sudah dah belum akan sedang masih lagi sahaja saja je ya tidak bayar wang
        tunai kad orang dewasa kanak budak mandi tandas tuala lewat kata laluan daftar masuk keluar lapangan
        terbang teksi dekat jauh sini sana situ buka tutup waktu kedai restoran halal
        kat tingkat aras ringgit keluarga solat surau dobi pakej kawan datang bawa lambat simpan beg
        brp bape kul pkl mlm dlm utk nk dpt org bukak bawak tmpt tpt blh bole dgn yg tgh byr hrg cek kt sy ade mcm
        camne
        hingga sehingga sampai smpai mulai bermula tarikh haribulan anak cucu januari februari julai ogos oktober
        disember
        """
    )
)

ENGLISH_WORDS = frozenset(
    str.split(
        """
        i you we they he she it is are was were be been do does did have has had can could would should will
        what when where which who how why the a an and or of to in on at for with from by about my your our
        this that these those there here please thanks thank hello hi room rooms price breakfast pool
        parking time open close check book booking available availability night nights much many any some is
        it's i'm don't does what's where's need want like tell me us
        """
    )
)


# English nouns and verbs Malaysians use inside Malay sentences ("nk book room utk lusa, 2 nights"): beside a
# Malay word they say nothing of the guest's language, only English grammar words do.
LOANWORDS = frozenset(
    {"room", "rooms", "book", "booking", "price", "pool", "parking", "breakfast", "check", "night", "nights", "hi"}
    | {"available", "availability"}
    # "please" closes a Malay request as often as an English one ("family suite please", "tolong call saya pls").
    | {"please", "pls", "plz"}
)


def detect_language(text: str, default: str = "en") -> str:
    """'ms' or 'en'; `default` (usually the conversation's language so far) breaks ties."""
    # An e-mail address or a link is no word of the guest's language (".my" is not English "my").
    words = [w.lower() for w in _WORD.findall(_ADDRESS.sub(" ", text))]
    if not words:
        return default
    return _vote(words, sum(1 for w in words if w in MALAY_WORDS), MALAY_WORDS, default)


def _vote(words: list[str], malay: int, malay_words: frozenset[str], default: str) -> str:
    """Malay hits against English ones; `default` breaks ties."""
    # "hotel", "wifi" and the like are in both lists; only exclusive hits decide.
    english_words = ENGLISH_WORDS - LOANWORDS if malay else ENGLISH_WORDS
    english = sum(1 for w in words if w in english_words and w not in malay_words)
    if malay > english:
        return "ms"
    if english > malay:
        return "en"
    return default


# Chat forms and words a Malay guest types that a hotel's text never does ("sy nk tau parking free x"), the words of a
# Malay YES ("ok on, teruskan", "setuju") and the "hb" of a Malay date ("12-14hb Mac"): evidence in a guest's message
# only, so the reply scoring and the name lists keep their own words.
_CHAT_MALAY = frozenset(
    str.split(
        """
        x xde xda takde tade tau tahu nombor jumpa nanti mau kalau kalo klu tapi tp sbb sebab pastu lepas jgk jugak
        macam banyak bnyk sikit semua tanya nama perlu kena guna pakai sama dulu baru jangan jgn
        teruskan setuju silakan betul bolehlah sahkan serahkan hantar
        hb
        """
    )
)
_GUEST_MALAY = MALAY_WORDS | _CHAT_MALAY
# Particles that end an English sentence as readily as a Malay one ("ok lah", "can ah", "thanks ya"): Malay only
# beside another Malay word.
_PARTICLES = frozenset({"lah", "la", "ah", "ya", "yah", "je", "jer", "kan"})
# A detail typed the same way in either language says nothing of the guest's language: "check-in" and "check out"
# are one loanword, and a preposition before a number or a date is the detail's ("nak book room on 25/12 for 2 nights").
_CHECK_IN_OUT = re.compile(r"\bcheck[\s-]*(?:in|out)\b", re.IGNORECASE)
_BEFORE_NUMBER = re.compile(r"\b(?:on|for|from|to|at|until|till|by|in)\s+(?=\d)", re.IGNORECASE)
# Words a guest types in either language: hotel and party words, months, acknowledgements. They make no message
# say enough to change the conversation's language ("deluxe king room, 2 pax", "ok noted, tq").
NEUTRAL_WORDS = LOANWORDS | frozenset(
    str.split(
        """
        pax adult adults kid kids child children infant baby deluxe superior standard premier executive suite family
        twin double single king queen wedding hall ballroom meeting package wifi wi fi hotel ok okay okey noted tq
        ty confirm confirmed yes january february march april june july august september october november december
        jan feb mar apr jun jul aug sep sept oct nov dec
        """
    )
)


def guest_words(text: str) -> list[str]:
    """The words of a guest's message that can say its language: no address, no detail shared by both languages."""
    text = _BEFORE_NUMBER.sub(" ", _CHECK_IN_OUT.sub(" check ", _ADDRESS.sub(" ", text)))
    return [w.lower() for w in _WORD.findall(text)]


def detect_guest_language(text: str, default: str = "en") -> str:
    """`detect_language` for a guest's chat message: its SMS forms count as Malay, a particle only beside other Malay,
    and "check-in" or "for 2 nights" as no English."""
    words = guest_words(text)
    core = sum(1 for w in words if w in _GUEST_MALAY and w not in _PARTICLES)
    malay = core + (sum(1 for w in words if w in _PARTICLES) if core else 0)
    return _vote(words, malay, _GUEST_MALAY, default)


def plainly_malay(text: str) -> bool:
    """A message too short to vote that still says Malay: two Malay words and no English one ("nak tempah", "bilik
    ada?", "esok, 2 malam"). One word may be either ("boleh", "ok lah"), and Malay guests type English words
    ("thank you", "family suite please") more often than English guests type Malay ones."""
    words = guest_words(text)
    malay = sum(1 for w in words if w in _GUEST_MALAY and w not in _PARTICLES and w not in NEUTRAL_WORDS)
    english = sum(1 for w in words if w in ENGLISH_WORDS - LOANWORDS and w not in _GUEST_MALAY)
    return malay >= 2 and not english
