from __future__ import annotations

import pytest

from knowledge.services import glossary


def test_the_glossary_file_parses_and_holds_the_hotel_words_in_both_languages() -> None:
    pairs = {
        "check-in": "daftar masuk",
        "check-out": "daftar keluar",
        "pool": "kolam renang",
        "cancellation": "pembatalan",
        "breakfast": "sarapan",
        "parking": "letak kereta",
        "laundry": "dobi",
        "wedding": "perkahwinan",
        "meeting": "mesyuarat",
        "room": "bilik",
        "price": "harga",
    }
    for english, malay in pairs.items():
        [concept] = glossary.find(english)
        assert glossary.find(malay) == [concept], (english, malay)


def test_the_longest_phrase_wins_so_daftar_keluar_is_check_out_not_check_in() -> None:
    found = [c for c in glossary.find("Pukul berapa daftar keluar?") if not c.general]  # "pukul berapa": time
    assert len(found) == 1
    concept = found[0]
    assert ("check", "out") in concept.english
    assert "check out" in concept.other_language("ms")


def test_a_malay_question_is_embedded_with_its_english_words_and_the_reverse() -> None:
    assert "check-out" not in glossary.embedding_query("Bila daftar keluar?", "ms")
    assert "check out" in glossary.embedding_query("Bila daftar keluar?", "ms")
    assert "bulan madu" in glossary.embedding_query("Do you have a honeymoon package?", "en")
    assert glossary.embedding_query("Who won the World Cup?", "en") == "Who won the World Cup?"


def test_the_embedded_query_carries_two_words_of_a_topical_concept_and_one_of_a_general_one() -> None:
    # Each word is ~0.5 ms of the turn's embedding (docs/benchmarks.md, p30e): a general concept's second word
    # moved no figure of the question sets, a topical concept's did.
    question = "Berapa harga sarapan?"
    [price] = [c for c in glossary.find(question) if c.general]
    [breakfast] = [c for c in glossary.find(question) if not c.general]
    expanded = glossary.embedding_query(question, "ms")
    assert price.other_language("ms")[0] in expanded and price.other_language("ms")[1] not in expanded
    assert all(word in expanded for word in breakfast.other_language("ms")[:2])
    assert breakfast.other_language("ms")[2] not in expanded


def test_the_full_text_side_requires_each_topical_concept_in_either_language_but_not_general_words() -> None:
    query = glossary.concept_tsquery("Berapa harga sarapan dan letak kereta?")
    assert "sarapan" in query and "breakfast" in query and "parking" in query
    assert "harga" not in query  # a price word is general: items state prices as "RM 65"
    assert " & " in query
    assert glossary.concept_tsquery("What is the capital of France?") == ""


def test_who_the_question_is_about_is_required_only_when_it_is_its_one_topic() -> None:
    # "What if my kid breaks something?" asks about damage: an item on damage need not name children.
    assert "children" not in glossary.concept_tsquery("Berapa harga sarapan untuk budak?")
    assert "damage" in glossary.concept_tsquery("what happens if my kid breaks something in the room")
    assert "children" in glossary.concept_tsquery("Ada aktiviti untuk kanak-kanak?")


def test_the_glossary_guesses_the_language_when_the_caller_did_not_say() -> None:
    assert glossary.language_of("Ada kelab untuk kanak-kanak?") == "ms"
    assert glossary.language_of("Is there a kids club?") == "en"
    assert glossary.language_of("Siapa perdana menteri Jepun?") == "en"  # nothing known: English


@pytest.mark.parametrize("line", ["pool kolam renang", "= kolam", "pool ="])
def test_a_malformed_glossary_line_is_refused_with_its_number(line: str) -> None:
    with pytest.raises(ValueError, match="glossary line 2"):
        glossary.parse(f"# comment\n{line}\n")


def test_word_forms_name_their_concept_through_light_stemming() -> None:
    [laundry] = glossary.find("laundry")
    assert glossary.find("Can I get my clothes washed?") == [laundry]
    [visitor] = glossary.find("pelawat")
    assert visitor in glossary.find("Can friends visit me?") and visitor in glossary.find("nak melawat kawan")
    assert glossary.stem("membayar") == glossary.stem("bayar") == glossary.stem("bayaran")
    assert glossary.stem("dibatalkan") == glossary.stem("pembatalan") == glossary.stem("batal")
    assert glossary.stem("swimming") == glossary.stem("swim") and glossary.stem("cancelled") == glossary.stem("cancel")
    # "termasuk" (including) is not "masuk" (enter): ter- is not taken off, so it names no check-in.
    [check_in] = glossary.find("daftar masuk")
    assert check_in not in glossary.find("termasuk bilik dan sarapan")


def test_typed_shorthand_is_written_out_before_the_glossary_reads_a_question() -> None:
    assert glossary.normalise("cek in kul brp?") == "check in pukul berapa?"
    assert glossary.normalise("bilik ada wifi x?") == "bilik ada wifi tak?"
    assert glossary.normalise("kelab budak2 bukak kul brp?") == "kelab budak-budak buka pukul berapa?"
    # Only whole words, and "x" between numbers stays a product; the rest of the text is left as written.
    assert glossary.normalise("Room 12 for 2 x 3 nights, Xbox?") == "Room 12 for 2 x 3 nights, Xbox?"
    [check_in] = [c for c in glossary.find("daftar masuk")]
    assert check_in in glossary.find(glossary.normalise("cek in bila?"))


def test_a_guests_whats_max_and_pw_are_written_out() -> None:
    assert glossary.normalise("whats the max number of ppl?") == "what is the maximum number of people?"
    assert glossary.normalise("wifi pw?") == "wifi password?"


def test_occupancy_asked_as_a_number_and_a_card_blocked_name_one_concept_each() -> None:
    [capacity] = [c for c in glossary.find("sleeps")]
    for asked in ("max number of ppl", "the maximum number of guests", "number of people", "max occupancy"):
        assert [c for c in glossary.find(glossary.normalise(asked))] == [capacity], asked
    [deposit] = glossary.find("deposit")
    for asked in ("how much is blocked on my card", "a block on my credit card", "what's the card hold"):
        assert deposit in glossary.find(asked), asked


def test_a_malformed_shorthand_line_is_refused_with_its_number(tmp_path, monkeypatch) -> None:
    bad = tmp_path / "shorthand.txt"
    bad.write_text("# comment\nbrp = berapa\nno equals sign here\n", encoding="utf-8")
    monkeypatch.setattr(glossary, "SHORTHAND_FILE", bad)
    glossary._shorthand.cache_clear()
    try:
        with pytest.raises(ValueError, match="shorthand line 3"):
            glossary.normalise("brp")
    finally:
        glossary._shorthand.cache_clear()


def test_the_words_guests_use_for_capacity_stations_wifi_parking_cards_and_lateness_name_their_concepts() -> None:
    def concept_of(text: str) -> glossary.Concept:
        [concept] = glossary.find(text)
        return concept

    same = [
        ("sleeps", "muat", "berapa orang", "occupancy"),
        ("station", "stesen", "mrt", "pengangkutan awam"),
        ("wifi", "internet", "wireless"),
        ("parking", "parkir", "letak kereta", "park my car"),
        ("credit card", "kad", "visa", "debit card"),
        ("late", "lambat", "lewat"),
        ("pay", "free", "percuma", "complimentary"),  # "is it free?" is answered by what one pays
        ("visitor", "kawan", "friends over"),
        ("loud", "lagu kuat", "music"),
    ]
    for words in same:
        assert {concept_of(w) for w in words} == {concept_of(words[0])}, words


def test_grab_bars_are_an_accessible_room_not_a_bar() -> None:
    [concept] = [c for c in glossary.find("a room with grab bars for disabled guests") if not c.general]
    assert ("wheelchair",) in concept.english


def test_typed_malay_shorthand_and_clitics_are_written_out() -> None:
    assert glossary.normalise("bilik deluxe muat brp org?") == "bilik deluxe muat berapa orang?"
    assert glossary.normalise("xde parking ker?") == "tak ada parking ke?"
    assert glossary.normalise("budak2 blh mandi x") == "budak-budak boleh mandi tak"
    # An acronym numbered 2 names a place (the airport's second terminal), not a word typed twice.
    assert glossary.normalise("van to KLIA2 brp?") == "van to KLIA2 berapa?"
    assert glossary.normalise("bfast kul brp? kete letak mne") == "breakfast pukul berapa? kereta letak mana"
    assert [c.english[0] for c in glossary.find("ada babi x?")] == [("halal",)]  # pork is a halal question


def test_terms_read_a_question_as_concepts_and_the_words_that_name_none() -> None:
    read = glossary.terms("Bilik superior muat berapa orang?")
    assert [t.words for t in read] == [("bilik",), ("superior",), ("muat",), ("berapa", "orang")]
    assert read[1].concept is None
    assert read[2].concept == read[3].concept and ("sleeps",) in read[2].concept.english


def test_the_stem_takes_off_malay_question_particles_but_not_from_words_that_end_so() -> None:
    assert glossary.stem("bolehkah") == glossary.stem("boleh")
    assert glossary.stem("berapakah") == glossary.stem("berapa")
    assert glossary.stem("tolonglah") == glossary.stem("tolong")
    assert glossary.stem("masalah") != glossary.stem("masa")  # a problem is not a time
    assert [c.english[0] for c in glossary.find("Bilakah kolam renang dibuka?")] == [("swimming", "pool"), ("open",)]


def test_what_guests_call_checking_in_and_out_and_a_sim_card_are_read_as_such() -> None:
    def topical(text: str) -> list[tuple[str, ...]]:
        return [c.english[0] for c in glossary.find(text) if not c.general]

    assert topical("What time do I have to leave the room on my last day?") == [("check", "out")]
    assert topical("Can I get into my room early?") == [("check", "in")]
    assert topical("can we keep the room after noon?") == [("check", "out")]
    assert topical("Do you sell SIM cards?") == [("sim", "card")]  # not a way to pay
    assert topical("Can you pick us up from KLIA?") == [("airport", "transfer"), ("airport",)]


def test_hotel_vocabulary_beyond_the_question_sets_names_one_concept_in_both_languages() -> None:
    def topical(text: str) -> list[glossary.Concept]:
        return [c for c in glossary.find(text) if not c.general]

    same = [
        ("twin room", "bilik kembar", "katil bujang"),  # room types
        ("connecting rooms", "bilik bersambung"),
        ("elevator", "lif"),  # amenities
        ("sauna", "jacuzzi", "bilik wap"),
        ("tourism tax", "sst", "cukai"),  # payments
        ("bank transfer", "pindahan bank", "fpx"),
        ("bicycle", "bike", "basikal"),  # transport
        ("high chair", "kerusi bayi"),  # family
        ("ramp", "tanjakan"),  # accessibility
        ("vegetarian", "vegan", "makanan sayur"),  # dining and events
        ("birthday", "hari jadi", "majlis"),
    ]
    for words in same:
        found = {tuple(topical(w)) for w in words}
        assert len(found) == 1 and len(next(iter(found))) == 1, words
    # A baby is a child to a room's occupancy and a service dog a pet to the pet policy; a baby cot stays a cot.
    assert topical("we travel with a baby") == topical("kanak-kanak")
    assert topical("my guide dog") == topical("anjing")
    assert topical("katil bayi") != topical("bayi")
    # A bus ticket to another town is not the way to the nearest station.
    assert topical("tiket bas") != topical("stesen lrt")


def test_words_whose_everyday_sense_is_a_verb_or_a_setting_do_not_make_a_topic_of_their_own() -> None:
    def topical(text: str) -> list[tuple[str, ...]]:
        return [c.english[0] for c in glossary.find(text) if not c.general]

    # A topical concept is required by the full-text fallback: "offer", "lift" and "safe" would rule out the
    # parking, transfer and pool items; a balcony or shopping is where, not what, the guest asks about.
    assert topical("Do you offer valet parking?") == [("parking",)]
    assert topical("can you give me a lift to the airport?") == [("airport",)]
    assert topical("is the pool safe for kids?") == [("swimming", "pool"), ("children",)]
    assert topical("can i smoke on the balcony") == [("smoking",)]
    assert "kids" in glossary.concept_tsquery("we go shopping, can the kids stay at the kids club?")
    assert "shopping" not in glossary.concept_tsquery("we go shopping, can the kids stay at the kids club?")


def test_more_typed_malay_and_english_short_forms_are_written_out() -> None:
    assert glossary.normalise("bilek tdo ada aircond x? nk tau hrga") == "bilik tidur ada aircond tak? nak tahu harga"
    assert glossary.normalise("cmana nk klr dr parking") == "macam mana nak keluar dari parking"
    assert glossary.normalise("chk in tonite, bkfast avail?") == "check in tonight, breakfast available?"


def test_the_full_text_side_also_looks_for_an_english_phrase_in_the_plural() -> None:
    # The 'simple' configuration stems nothing: the glossary's "baby cot" must meet an item's "Baby cots".
    assert "baby <-> cots" in glossary.concept_tsquery("do u have baby cot")


def test_an_english_plural_is_spelled_as_english_spells_it_and_a_stem_shared_by_chance_names_nothing() -> None:
    assert "parties" in glossary.concept_tsquery("can we throw a birthday party in our room?")
    # "suits" and "suite" share a stem: "which room suits me" is not about the suite.
    assert not any("suite" in c.english[0] for c in glossary.find("i use a wheelchair, which room suits me"))


def test_who_the_guest_is_blind_deaf_or_elderly_is_required_only_when_it_is_the_questions_one_topic() -> None:
    query = glossary.concept_tsquery("I'm blind, can my guide dog come with me?")
    assert "dog" in query and "blind" not in query
    assert "warga <-> emas" not in glossary.concept_tsquery("bilik oku untuk warga emas ada?")
    assert "deaf" in glossary.concept_tsquery("anything for deaf guests?")
    # step-free is what an accessible room is: "is its bathroom step-free?" needs no item saying "step-free"
    assert glossary.find("step-free")[0] is glossary.find("wheelchair")[0]


def test_words_for_the_prayer_direction_ashtrays_wallets_pets_romance_and_fire_alarms_name_their_concepts() -> None:
    def first(text: str) -> str:
        return glossary.find(text)[0].english[0][0]

    assert first("arah kiblat di mana") == "qibla"
    assert first("any ashtrays outside") == "smoking"
    assert first("boleh guna google pay") == "credit"
    assert first("boleh bawa binatang peliharaan") == "pet"
    assert first("kami pengantin baru") == "honeymoon"
    assert first("ulang tahun perkahwinan kami") == "honeymoon"  # an anniversary, not a wedding to plan
    assert first("is there a smoke detector in the room") == "fire"


def test_stairs_and_a_laundry_pickup_are_read_as_accessibility_and_laundry() -> None:
    assert ("wheelchair",) in [c.english[0] for c in glossary.find("rooms for guests who can't climb stairs")]
    assert glossary.find("laundry pickup time")[0].english[0] == ("laundry",)
    assert ("airport", "transfer") not in [c.english[0] for c in glossary.find("laundry pickup time")]


def test_getting_the_keys_is_checking_in() -> None:
    check_in = glossary.find("check-in")[0]
    assert check_in in glossary.find("what time can we get the keys")
    assert check_in in glossary.find("bila boleh ambil kunci")


def test_family_rooms_and_directions_to_the_hotel_name_the_suite_and_the_location() -> None:
    assert glossary.find("do you have family rooms")[0] is glossary.find("family suite")[0]
    assert glossary.find("best way to get to you from the station")[0] is glossary.find("address")[0]


def test_an_item_saying_lift_names_the_lif_a_malay_guest_asks_about() -> None:
    # "bilik oku dekat lif ke?" against "next to the lift": a topic no item named would not be answered.
    assert glossary.find("next to the lift") == glossary.find("dekat lif") != []


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("teh tarik dihidangkan sampai pukul berapa?", "It is served until midnight."),  # served, not only made
        ("pintu lebar mana?", "It has a wider door."),
        ("how early can we get into our room?", "Check-in is from 3:00 pm."),
    ],
)
def test_a_question_s_word_meets_the_item_s_word_for_the_same_thing(question: str, sentence: str) -> None:
    assert set(glossary.find(question)) & set(glossary.find(sentence))


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("surau ada sejadah?", "A surau with ablution facilities is on level 2."),
        ("is there a personal trainer at the gym?", "The gym has treadmills and an elliptical trainer."),
        ("gym ada kelas zumba?", "The gym has treadmills and free weights."),
        ("how much is a manicure at the spa?", "The spa offers massage and reflexology."),
        ("is the pool heated?", "The rooftop pool is open from 7:00 am."),
        ("wifi boleh guna berapa peranti?", "Free Wi-Fi is available throughout the hotel."),
    ],
)
def test_a_thing_asked_of_a_place_is_a_topic_its_item_does_not_name(question: str, item: str) -> None:
    # Then retrieval reports the topic as named nowhere, and the item's facts are not quoted in its stead.
    asked = {c for c in glossary.find(question) if not c.general}
    assert asked - set(glossary.find(item)), asked


def test_a_theme_park_or_a_water_slide_is_a_topic_of_its_own_not_parking_or_the_pool() -> None:
    # Things guests ask for that a hotel may not have: "theme park" is not "park (my car)", a slide is not the pool
    # itself, so an item naming only parking or the pool is not taken for them.
    assert [c.english[0] for c in glossary.find("Do you sell theme park tickets?")] == [("theme", "park")]
    assert [c.english[0] for c in glossary.find("where can I park?")] == [("parking",)]
    assert ("water", "slide") in [c.english[0] for c in glossary.find("kolam renang ada gelongsor air ke")]


def test_the_year_end_is_said_akhir_tahun_as_well_as_hujung_tahun() -> None:
    assert glossary.find("cuti akhir tahun") == glossary.find("year-end") == glossary.find("musim cuti hujung tahun")


def test_a_season_is_named_in_either_language() -> None:
    christmas = glossary.season_tsquery("What are your rates over Christmas?")
    assert christmas and christmas == glossary.season_tsquery("cuti akhir tahun kena duduk brp malam")
    assert "ramadan" in glossary.season_tsquery("buffet berbuka puasa brp seorang")
    assert glossary.season_tsquery("harga makan malam kat kafe berapa?") == ""


def test_a_small_kitchen_a_child_seat_and_a_currency_are_topics_of_their_own() -> None:
    # A kitchenette in a room is not the hotel's kitchens, a child's car seat is not the car or the children, and
    # paying in dollars is a currency: an item naming only the kitchens, the car or the cards is not taken for them.
    assert glossary.find("family suite ada dapur kecil tak") != glossary.find("family suite ada dapur tak")
    assert glossary.find("dapur kecil") == glossary.find("kitchenette")
    seat = glossary.find("do the airport cars have a child seat?")
    assert glossary.find("child seat")[0] in seat and not any(c.person for c in seat)
    assert glossary.find("kereta ada kerusi budak ke")[-1] == glossary.find("car seat")[0]
    assert glossary.find("can I pay in US dollars?")[-1] == glossary.find("foreign currency")[0]
    assert glossary.find("cuci kering sut") == glossary.find("dry-cleaning")


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("how much is a facial at the spa?", "The spa offers massage, aromatherapy and reflexology."),
        ("spa ada rawatan lulur?", "The spa offers traditional massage and reflexology."),
        ("does the gym have a rowing machine?", "The gym has treadmills, free weights and a yoga corner."),
        ("can I park a caravan overnight?", "Guests pay RM 15 per night for parking; valet parking costs RM 30."),
        ("is there a kids pool?", "The pool is open from 7:00 am. Children under 12 must be with an adult."),
        ("do you have a limousine to the airport?", "A sedan to the airport costs RM 180; a van costs RM 260."),
        ("is there a gluten free option on the menu?", "The late-night menu offers fried noodles and soups."),
        ("dobi boleh jahit baju koyak?", "Laundry is collected before 10:00 am and returned by 7:00 pm."),
    ],
)
def test_a_thing_guests_ask_for_beside_what_an_item_lists_is_a_topic_of_its_own(question: str, item: str) -> None:
    asked = {c for c in glossary.find(glossary.normalise(question)) if not c.general}
    assert asked - set(glossary.find(item)), asked


def test_a_spa_treatment_the_glossary_knows_still_finds_the_spa() -> None:
    spa = glossary.find("massage")[0]
    assert spa in glossary.find("spa ada urut refleksologi?") and spa in glossary.find("how much is aromatherapy?")


def test_a_text_read_again_gets_the_same_reading_as_a_fresh_one_and_a_callers_edit_does_not_stick() -> None:
    # The reading is kept per text (a turn reads each retrieved chunk and the question many times): it must be
    # the reading a fresh call makes, whatever was read in between, and a list handed out is the caller's own.
    texts = [
        "Pukul berapa daftar keluar?",
        "What time is check-out? Late check-out until 4:00 pm is RM 50.",
        "Boleh saya bawa kucing saya ke hotel?",
        "Kolam renang dibuka dari 7 pagi hingga 10 malam. The pool is open 7am to 10pm.",
    ]
    fresh = [glossary._terms.__wrapped__(text) for text in texts]
    for _ in range(2):
        for text, expected in zip(texts, fresh, strict=True):
            got = glossary.terms(text)
            assert tuple(got) == expected
            assert glossary.find(text) == list(dict.fromkeys(t.concept for t in expected if t.concept is not None))
            got.clear()  # the caller's list: the next reading is whole
            glossary.find(text).clear()
    assert glossary._terms.cache_info().hits >= 2 * len(texts)


def test_a_guest_s_words_for_a_no_show_a_fast_broken_an_age_and_passengers_name_their_concepts() -> None:
    # Not turning up is a no-show of its own, apart from cancelling: a line charging no-shows answers it.
    [no_show] = [c for c in glossary.find("What if we never turn up?") if not c.general]
    assert ("no", "show") in no_show.english and ("cancel",) not in no_show.english
    assert glossary.find("kalau tak datang langsung") == [no_show]
    # "Breaking the fast" is the Ramadan meal, not damage; "aged 4 to 12" states an age; passengers are guests.
    assert [c.english[0] for c in glossary.find("a buffet for breaking the fast")] == [("buffet",), ("ramadan",)]
    assert ("minimum", "age") in [c.english[0] for c in glossary.find("children aged 4 to 12")]
    assert [c.english[0] for c in glossary.find("how many passengers")] == [("guests",)]


def test_a_visit_dropped_by_and_the_fasting_month_name_their_concepts() -> None:
    # "Drop by", "singgah": a visitor; "bulan puasa", "the fasting month": Ramadan (its buffet is seasonal).
    for question in ("can my mother drop by in the evening?", "kawan nak singgah malam ni"):
        assert ("visitor",) in [c.english[0] for c in glossary.find(question)], question
    for question in ("bulan puasa ada buffet ke", "a buffet during the fasting month?"):
        assert ("ramadan",) in [c.english[0] for c in glossary.find(question)], question


def test_paying_with_a_phone_is_a_way_to_pay_and_charging_one_is_no_price() -> None:
    # "Pay with my phone" is an e-wallet (the payment methods' line); "charge my phone" asks for a charger, not a
    # price: read as "charge" alone it found the line charging a cleaning fee.
    pay = [c.english[0] for c in glossary.find("can I pay with my phone?")]
    assert ("credit", "card") in pay
    charge = [c.english[0] for c in glossary.find("can I charge my phone in the room?")]
    assert ("phone", "charger") in charge and ("credit", "card") not in charge


def test_what_the_guest_does_before_or_after_is_the_setting_not_a_topic_to_search_for() -> None:
    # "… before my meeting": the gym is asked, the meeting is when; searched for both, no item answers.
    query = glossary.concept_tsquery("can I work out at 5am before my meeting")
    assert "gym" in query and "meeting" not in query
    assert "mesyuarat" not in glossary.embedding_query("can I work out at 5am before my meeting", "en")
    assert "spa" not in glossary.concept_tsquery("can I swim after my massage?")
    # the setting alone is still what the question is about, and a thing without "my", "the" … may be the thing asked
    assert "breakfast" in glossary.concept_tsquery("what can we do after our breakfast?")
    assert "prayer" in glossary.concept_tsquery("Is there a spot for Muslims to wash before prayers?")
    assert "meeting" in glossary.concept_tsquery("is there a room for meetings before lunch?")


def test_a_hold_on_the_card_gym_equipment_and_doing_ones_own_laundry_name_their_concepts() -> None:
    def firsts(question: str) -> list[str]:
        return [" ".join(c.english[0]) for c in glossary.find(question)]

    assert "deposit" in firsts("how much do you hold on the card when we check in?")
    assert "gym" in firsts("can my 12 year old use the treadmills?")
    assert "washing machine" in firsts("is there a place to do laundry myself?")
