"""What a guest's question is about, as bilingual concepts: the lexical half of matching a question to a gap.

The offline embedding model (multilingual-e5-small, 4-bit) puts every short hotel question at a cosine
of 0.75-0.90 to every other and barely crosses languages: "boleh sewa basikal?" is nearer "boleh bawa
kucing?" than "can I rent a bike" (measured on the labelled set in gaps/tests/fixtures). So a gap is
matched on the embedding *and* on the concepts both questions name, read through a glossary of hotel
words in English and Malay (basikal = bicycle = bike, sewa = rent = hire). Words outside the glossary
still count as themselves, so a question about something the glossary lacks matches its own wording.

Generic verbs (rent, bring, allow …) weigh half a noun: "can I bring my dog" and "can I bring my
laptop" share a verb, not a subject.
"""

from __future__ import annotations

import re

# One line per concept: its name, then every English and Malay surface form (inflections included).
_GLOSSARY = """
bicycle: bike bikes bicycle bicycles cycling cycle basikal berbasikal
motorbike: motorbike motorcycle scooter motosikal skuter
car: car cars kereta vehicle kenderaan
pet: pet pets dog dogs cat cats puppy anjing kucing haiwan peliharaan
laundry: laundry wash washing washed dobi basuh dibasuh membasuh cuci dicuci dry-cleaning clothes baju pakaian
iron: iron ironing ironed seterika menyeterika gosok board
airport: airport klia klia2 lapangan terbang airport's
transfer: shuttle transfer transfers pickup pick jemput menjemput ambil pengangkutan transport
taxi: taxi taxis cab grab teksi
gym: gym gyms gim fitness workout exercise bersenam senaman
pool: pool swimming swim kolam renang berenang
spa: spa massage massages masseuse urut urutan refleksologi badan
cot: cot cots crib cribs infant infants bayi baby
child: kids kid children child childrens budak budak-budak kanak-kanak anak play playground permainan main club
charger: charger charging charge cas mengecas ev electric elektrik
smoke: smoke smoking smoker cigarette cigarettes vape merokok rokok hisap asap
luggage: luggage bag bags baggage suitcase suitcases beg bagasi
storage: store storing storage keep simpan menyimpan tinggalkan leave
prayer: prayer pray praying musolla musholla surau solat sembahyang kiblat qibla mosque masjid
wheelchair: wheelchair wheelchairs ramp ramps accessible accessibility disabled oku roda
money: money currency exchange changer dollars dollar usd pengurup tukar duit wang asing
karaoke: karaoke sing singing nyanyi menyanyi
print: print printer printing cetak mencetak pencetak photocopy fotostat
business: business
document: document documents dokumen boarding pass
parking: parking park car-park valet parkir letak
breakfast: breakfast sarapan
restaurant: restaurant restaurants dinner lunch makan tengahari restoran
halal: halal
alcohol: alcohol beer wine bar arak bir
wifi: wifi wi-fi internet password
towel: towel towels tuala
pillow: pillow pillows bantal
blanket: blanket blankets selimut
extra_bed: extra tambahan
bed: bed beds katil
checkout: checkout check-out keluar
checkin: checkin check-in
late: late lewat
early: early awal
room_service: room-service service perkhidmatan servis
safe: safe deposit peti keselamatan
fridge: fridge refrigerator minibar peti sejuk
kettle: kettle cerek
hairdryer: hairdryer hair-dryer dryer pengering rambut
umbrella: umbrella umbrellas payung
doctor: doctor clinic hospital medical doktor klinik
pharmacy: pharmacy chemist medicine ubat farmasi
shop: shop shops convenience kedai mall supermarket
beach: beach pantai
tour: tour tours excursion trip lawatan pelancongan
meeting: meeting conference seminar mesyuarat persidangan
wedding: wedding perkahwinan kahwin
lift: lift elevator lif
balcony: balcony balkoni
aircond: aircon air-con aircond air-conditioning penghawa dingin
tv: tv television netflix televisyen
noise: noise noisy quiet bising senyap
key: key keycard kunci kad
payment: pay payment card credit visa mastercard bayar pembayaran kredit
cash: cash tunai
invoice: invoice receipt resit
lost: lost found hilang tertinggal
delivery: delivery deliver foodpanda penghantaran hantar
bbq: bbq barbecue barbeku
bathtub: bathtub bath tub jacuzzi tab mandi
sauna: sauna steam wap
tennis: tennis badminton court gelanggang
golf: golf
snorkel: snorkel snorkelling snorkeling diving selam menyelam
microwave: microwave ketuhar
kitchen: kitchen kitchenette dapur masak memasak cook cooking
shower: shower
toiletries: toothbrush toothpaste shampoo toiletries berus gigi
sea_view: view pemandangan
fishing: fishing memancing pancing
hiking: hike hiking trek trekking jungle hutan
rent: rent rental rent-a hire hiring sewa disewa menyewa sewaan
borrow: borrow borrowing lend loan pinjam meminjam
bring: bring bringing bawa membawa
allow: allowed allow permitted permit dibenarkan benarkan boleh-kah
provide: provide provided offer offers sediakan disediakan menyediakan
use: use using guna menggunakan
near: near nearby nearest around dekat berdekatan sekitar
"""

WEAK = frozenset({"rent", "borrow", "bring", "allow", "provide", "use", "near", "storage", "room_service"})

# Words that say nothing about the subject: question words, pronouns, fillers in both languages.
_STOP = frozenset(
    str.split(
        """
    a an and are at be can could do does did for from have has how i in is it me my of on or our the this
    to what when where which who why will with you your there any please tell about get got i'm im we us
    am was were would should may might just also some one us hi hello hey thanks thank ok okay sir madam
    need want like know any anything something someone somewhere here hotel hotels room rooms guest guests
    stay staying tonight today tomorrow morning evening night time able possible available availability
    ada adakah apa apakah bagaimana berapa boleh dan dengan di ini itu ke kah mana saya untuk yang tak tidak
    ya anda kami kita dari pada atau juga lah nak mahu hendak bila ni tu tau kat dalam luar hotel bilik
    tetamu sini situ mana-mana sahaja saja je pun dia mereka sila tolong encik puan cik nanti selepas
    sebelum masuk ada-kah hari esok pagi malam petang selamat terima kasih bye goodbye good great nice cool
    noted baik okey alright fine tempat area after them too mesin arah kecil daftar pukul jam waktu
    town ride desk front kaunter counter book tempah get mesra laluan kerusi
    """
    )
)
_WORD = re.compile(r"[\w'-]+", re.UNICODE)
# Two words that name one thing, written as the glossary's one word before the words are read: "check in" is not a
# check and an "in", "daftar masuk" is check-in though "daftar" and "masuk" alone say nothing.
_PHRASES = (
    (re.compile(r"\bcheck(?:ed|ing)?[\s_]+in\b", re.IGNORECASE), "check-in"),
    (re.compile(r"\bcheck(?:ed|ing)?[\s_]+out\b", re.IGNORECASE), "check-out"),
    (re.compile(r"\bdaftar[\s_]+masuk\b", re.IGNORECASE), "check-in"),
    (re.compile(r"\bdaftar[\s_]+keluar\b", re.IGNORECASE), "check-out"),
)

_CONCEPT_OF: dict[str, str] = {
    word: line.split(":", 1)[0].strip()
    for line in _GLOSSARY.strip().splitlines()
    for word in line.split(":", 1)[1].split()
}


def concepts(text: str) -> dict[str, float]:
    """The question's concepts and their weights (1 for a subject, 0.5 for a generic verb)."""
    found: dict[str, float] = {}
    text = text or ""
    for phrase, word in _PHRASES:
        text = phrase.sub(word, text)
    for raw in _WORD.findall(text.lower()):
        word = raw.strip("'-")
        if not word or word in _STOP or word.isdigit():
            continue
        concept = _CONCEPT_OF.get(word)
        if concept is None and word.endswith("s") and len(word) > 3:
            concept = _CONCEPT_OF.get(word[:-1])  # plural of a glossary word
        if concept is None:
            if len(word) < 3:
                continue
            concept = word[:-1] if word.endswith("s") and len(word) > 4 else word
        found[concept] = 0.5 if concept in WEAK else 1.0
    return found


def overlap(a: dict[str, float], b: dict[str, float]) -> float:
    """Weighted Dice coefficient of two concept sets: 1 when they name the same things, 0 when nothing."""
    total = sum(a.values()) + sum(b.values())
    if total == 0:
        return 0.0
    shared = sum(min(a[c], b[c]) for c in a.keys() & b.keys())
    return 2 * shared / total
