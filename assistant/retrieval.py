"""Knowledge retrieval for the AI core, through the knowledge app's search service."""

from __future__ import annotations

import datetime as dt

from assistant.providers.base import Hit
from assistant.situations import asking_pieces, with_implied_topic, without_party, without_setting
from knowledge.services import glossary, named_anywhere, search

PART_HITS = 1  # per part of a question asking several things: the item that part is nearest to


def retrieve(query: str, k: int = 4, *, language: str = "en", today: dt.date | None = None) -> tuple[Hit, ...]:
    """The relevant chunks of the current schema's knowledge base, best first (only above the threshold
    the knowledge app calibrated for the question's language). A guest describing a situation ("our flight
    lands at 7am, can we go up to the room?") is searched with the policy it asks about (early check-in)."""
    query = without_setting(query)  # "… while we're at the spa": the spa is no part of what is asked
    # "How much is the deluxe king for 2 adults?" is nearest, with its party, to the room sleeping two adults; the
    # price asked is the rates' item's.
    query = without_party(query)
    found = list(search(with_implied_topic(query), k, language=language, today=today))
    # A question asking two things ("what's the wifi called, and where's the gym?") is nearest, as a whole,
    # to the item of one of them: each part asking by its own question word is searched too, and its best
    # item joins the ones found.
    seen = {h.item_id for h in found}
    for piece in asking_pieces(query):
        for h in search(with_implied_topic(piece), PART_HITS, language=language, today=today):
            if h.item_id not in seen:
                seen.add(h.item_id)
                found.append(h)
    return tuple(
        Hit(
            item_id=h.item_id,
            chunk_id=h.chunk_id,
            title=h.title,
            category=h.category,
            text=h.text,
            score=float(h.score),
            language=h.language or "en",
        )
        for h in found
    )


# Who or what occasion a thing is for ("pakej bulan madu untuk yang baru nikah", "parking for our wedding guests"),
# or when ("check in after lunch", "lepas makan tengah hari"): the words after it say who asks or when, not what.
_FOR = frozenset(
    ["for", "untuk", "utk", "bagi", "sempena", "after", "before", "during", "lepas", "selepas", "sebelum", "semasa"]
)
_BETWEEN = frozenset(
    ["a", "an", "the", "our", "my", "yang", "kami", "saya", "baru", "new", "just", "newly", "tetamu", "guests", "orang"]
)


def _topical(term: glossary.Term) -> bool:
    return term.concept is not None and not term.concept.general


def _asked_of(terms: list[glossary.Term]) -> list[glossary.Concept]:
    """The concepts of the question's terms, but those saying whom or what occasion the thing asked is for."""
    concepts = []
    for number, term in enumerate(terms):
        before = number - 1
        while before >= 0 and terms[before].words[0] in _BETWEEN and not _topical(terms[before]):
            before -= 1
        if term.concept is not None and not (before >= 0 and terms[before].words[-1] in _FOR):
            concepts.append(term.concept)
    return concepts


# "Does the room have a balcony?", "bilik ada balkoni tak?": a general word (a balcony is only the setting of "can I
# smoke on the balcony?") is a topic of its own when it is the thing whose being there is asked.
_HAVING = frozenset(["have", "has", "got", "with", "there", "ada", "provide", "provides", "offer", "sediakan"])
_ARTICLES = frozenset(["a", "an", "any", "some", "sebarang"])


def _asked_to_be_there(terms: list[glossary.Term]) -> list[glossary.Concept]:
    """The general concepts named right after a word asking whether something is there ("have a", "ada")."""
    found = []
    for number, term in enumerate(terms):
        before = number - 1
        while before >= 0 and terms[before].words[-1] in _ARTICLES:
            before -= 1
        if term.concept is not None and term.concept.general and before >= 0 and terms[before].words[-1] in _HAVING:
            found.append(term.concept)
    return found


def topics_named_nowhere(query: str, hits: tuple[Hit, ...], *, today: dt.date | None = None) -> tuple[str, ...]:
    """The question's topics (glossary concepts, not who it is for) that no item of the knowledge base names, in
    either language, by their first English words: "how much is lunch at the café?" where only breakfast is
    written. Asked of the database only for a topic the hits found do not name (most questions: none)."""
    question = glossary.normalise(without_setting(query))
    terms = glossary.terms(question)
    topics = [c for c in dict.fromkeys(_asked_of(terms)) if not c.general and not c.person]
    topics += [c for c in dict.fromkeys(_asked_to_be_there(terms)) if c not in topics]
    found = {c for hit in hits for c in glossary.find(f"{hit.title} {hit.text}")}
    unseen = [c for c in topics if c not in found]
    if not unseen:
        return ()
    named = named_anywhere(unseen, today=today, question=question)
    return tuple(" ".join(c.english[0]) for c in unseen if c not in named)
