"""Hybrid retrieval in the current property's schema: vector similarity fused with full-text search.

`search()` is what the conversation engine calls. It runs against the schema the connection is
set to (django-tenants), so it can only ever see the current property's chunks.

How a question is answered:
1. the question is embedded as a *query* (e5 distinguishes queries from passages);
2. the nearest chunks by cosine distance come from the HNSW index (`hnsw.ef_search` raised from
   40 for recall, iterative scan so that filtered-out inactive items don't starve the result);
3. full-text candidates come from the GIN index: chunks holding *every* term of the question, a
   content word in any of its forms (the word, or a word its stem begins) or a glossary concept in
   either language's words ('simple' configuration, a small English + Malay stop list), or else every
   topical concept it names: "bilik deluxe muat brp org" finds "Deluxe King Room … sleeps two adults"
   and not the honeymoon package that names the Deluxe King. AND, not OR: measured on
   the fixture set, OR let common words ("night", "room", "sarapan") pull unrelated chunks above
   the right one, and on 50k chunks an OR query ranks thousands of rows (see docs/benchmarks.md);
4. both lists are fused by reciprocal-rank fusion (k=60), vector rank weighted higher because
   full text cannot cross languages;
5. a hit is kept only if its cosine similarity reaches the provider's threshold for the question's
   language, a lower one when the chunk also matched in full text, a higher one (Malay) for a chunk
   in the question's own language without a full-text match (embeddings.min_similarity), so a
   question the knowledge base cannot answer gets no hits (and the engine can hand off).

Both sides read the question through the EN↔BM glossary (glossary.py): the embedded query carries
the other language's words for the concepts it names, and the full-text side matches either
wording, so "Pukul berapa daftar keluar?" finds "Check-out time is by 12:00 noon".
Only active items valid today (in the property's timezone) are searched; when the question names a season
(a glossary concept marked so: Ramadan, the year-end holidays), also seasonal items naming that season and
starting within SEASON_LOOKAHEAD_DAYS: a guest books ahead and asks in December what the year-end rates are, or
in January what the Ramadan buffet costs, as a receptionist is asked; "how much is dinner at the café?" is not
answered with a buffet three months away, and an item whose dates have passed is never quoted.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from knowledge.services import glossary
from knowledge.services.embeddings import get_provider, min_similarity, query_vector_text

RRF_K = 60
VECTOR_WEIGHT = 1.0
TEXT_WEIGHT = 0.5
CANDIDATES = 40

# A greeting and the filler around a question ("hey so how much do u guys …") are no words an item repeats.
STOP_WORDS = frozenset(
    str.split(
        """
    a an and are at be can do does for from have how i in is it me my of on or our the this to what
    when where which who why will with you your there any please tell about get
    ada adakah apa apakah bagaimana berapa boleh dan dengan di ini itu ke kah mana saya untuk yang
    tak tidak ya anda kami kita dari pada atau juga lah nak mahu hendak bila
    hotel ni tu je ker kat sini
    hi hello hey hai helo so guys just
    we us way easiest pergi naik
    """
    )
)
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class KnowledgeHit:
    item_id: int
    chunk_id: int
    title: str
    category: str
    text: str
    score: float  # cosine similarity to the question, the quantity the relevance threshold applies to
    language: str


@dataclass(frozen=True)
class ScoredChunk:
    """A hit with everything that explains its rank (shown on the admin "try a question" page)."""

    hit: KnowledgeHit
    similarity: float
    vector_rank: int | None
    text_rank: int | None
    fused: float
    above_threshold: bool


# How far ahead a seasonal item is already quoted: about half a year, the span over which guests book and ask
# about a stay (an offer starting later is not yet the hotel's answer).
SEASON_LOOKAHEAD_DAYS = 183


def _validity(today: datetime.date | None, question: str) -> dict[str, object]:
    """What the statements' validity filter reads: an item is searched to its last day, and from its first,
    or from SEASON_LOOKAHEAD_DAYS before it when the question names a season the item names (`_AHEAD`):
    "buffet ramadan brp?" in January is answered by the Ramadan buffet, "how much is dinner at the café?" not."""
    day = today or _today_in_property()
    season = glossary.season_tsquery(question)
    return {
        "today": day,
        "season_start": day + datetime.timedelta(days=SEASON_LOOKAHEAD_DAYS if season else 0),
        "season": season or "nothing",  # with no season asked, no item starts in the window anyway
    }


def _today_in_property() -> datetime.date:
    tenant = getattr(connection, "tenant", None)
    tz_name = getattr(tenant, "timezone", None) or "UTC"
    try:
        return datetime.datetime.now(zoneinfo.ZoneInfo(str(tz_name))).date()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return datetime.datetime.now(datetime.UTC).date()


def _word_forms(word: str) -> str:
    """A question's word in to_tsquery: the word, or any word its stem begins ("sleeps" finds "sleep",
    "parking" finds "parked"; the 'simple' configuration stems nothing), or the stem under a Malay prefix
    ("sewa" finds "disewa" and "menyewa"). Short stems match exactly."""
    root = glossary.stem(word)
    if root.isalpha() and len(root) >= glossary.MIN_STEM:
        forms = [f"{root}:*"] if word.startswith(root) else [word, f"{root}:*"]
        if len(root) >= MALAY_PREFIXED_MIN:
            forms += [f"{prefixed}:*" for prefixed in _malay_prefixed(root)]
        return " | ".join(forms)
    return word


# Malay verbs and nouns take prefixes the 'simple' configuration never strips: a guest asks "boleh sewa
# basikal?" and the item says "basikal boleh disewa". meN-/peN- assimilate to the root's first sound
# (sewa → menyewa, pakai → memakai, tempah → menempah, kira → mengira, bayar → membayar).
MALAY_PREFIXED_MIN = 4
_NASAL = (("s", "ny", 1), ("p", "m", 1), ("t", "n", 1), ("k", "ng", 1), ("b", "m", 0), ("f", "m", 0), ("v", "m", 0))
_NASAL += (("c", "n", 0), ("d", "n", 0), ("j", "n", 0), ("z", "n", 0), ("g", "ng", 0), ("h", "ng", 0))


def _malay_prefixed(root: str) -> tuple[str, ...]:
    nasal = next(((n, drop) for first, n, drop in _NASAL if root.startswith(first)), None)
    if nasal is None:
        nasal = ("ng", 0) if root[0] in "aeiou" else ("", 0)
    n, drop = nasal
    return ("di" + root, "ber" + root, "ter" + root, "me" + n + root[drop:], "pe" + n + root[drop:])


def _phrase(words: tuple[str, ...]) -> str:
    return " <-> ".join(words)


def text_query(question: str) -> str:
    """A to_tsquery expression: every term of the question (a content word in its word forms, or a concept
    of the glossary in either language's words, general ones too: "bilik deluxe muat berapa orang" needs
    a room, "deluxe" and a capacity), or else every topical glossary concept it names (empty if neither
    applies). AND, not OR (see the module's docstring): a term widens to its synonyms, never away."""
    groups: dict[object, str] = {}  # by concept ("muat" and "berapa orang" are one), or by word
    for term in glossary.terms(question):
        if term.concept is None:
            word = term.words[0]
            if word in STOP_WORDS or (len(word) < 2 and not word.isdigit()):
                continue
            groups.setdefault(word, f"({_word_forms(word)})")
        elif term.concept not in groups:
            # The question's own words too: a form the glossary does not list ("washed") named the concept.
            phrases = dict.fromkeys((term.words, *term.concept.written_phrases))
            groups[term.concept] = "(" + " | ".join(_phrase(p) for p in phrases) + ")"
    every_term = " & ".join(list(groups.values())[:32])
    concepts = glossary.concept_tsquery(question)
    if every_term and concepts:
        return f"({every_term}) | {concepts}"
    return every_term or concepts


# A seasonal item not yet running, searched when the question names its season: it starts within the lookahead
# and one of its chunks (title or text) names a season the question names ("buffet ramadan" in January, not
# "Chinese New Year dinner" with the Ramadan buffet).
_AHEAD = """(i.valid_from <= %(season_start)s AND EXISTS (
        SELECT 1 FROM knowledge_knowledgechunk sc
        WHERE sc.item_id = i.id AND sc.search_vector @@ to_tsquery('simple', %(season)s)))"""

# A Malay chunk of an English item answers under the item's Malay title (its English one if it has none).
_SELECT = """
    SELECT c.id, c.item_id, c.text,
      CASE WHEN c.language <> i.language AND i.title_ms <> '' THEN i.title_ms ELSE i.title END,
      i.category, c.language, 1 - (c.embedding <=> %(q)s::vector) AS sim
    FROM knowledge_knowledgechunk c
    JOIN knowledge_knowledgeitem i ON i.id = c.item_id
    WHERE c.embedding IS NOT NULL AND i.is_active
      AND (i.valid_from IS NULL OR i.valid_from <= %(today)s OR AHEAD)
      AND (i.valid_to IS NULL OR i.valid_to >= %(today)s)
""".replace("AHEAD", _AHEAD)
_VECTOR_SQL = _SELECT + " ORDER BY c.embedding <=> %(q)s::vector LIMIT %(n)s"
_TEXT_SQL = (
    _SELECT.replace("AS sim", "AS sim, ts_rank_cd(c.search_vector, to_tsquery('simple', %(tsq)s)) AS text_score")
    + " AND c.search_vector @@ to_tsquery('simple', %(tsq)s) ORDER BY text_score DESC, c.id LIMIT %(n)s"
)


# Transaction-local (is_local=true) HNSW settings in one round trip.
_SETTINGS_SQL = (
    "SELECT set_config('hnsw.ef_search', %(ef)s, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)"
)


# Both candidate lists and the HNSW settings in one statement, one round trip and no transaction of its own.
# The settings row comes first: each side is a LATERAL subquery gated on it, so its index scan starts only
# after set_config() has run (is_local: they end with the statement, or with the caller's transaction).
# Column 0 says which side a row comes from ("v" vector, "t" full text); column 8 is the full-text score.
_FUSED_HEAD = """
    SELECT r.* FROM (
      SELECT set_config('hnsw.ef_search', %(ef)s, true) AS ef,
             set_config('hnsw.iterative_scan', 'relaxed_order', true) AS scan
    ) cfg CROSS JOIN LATERAL (
"""
_GATE = " AND cfg.ef IS NOT NULL AND cfg.scan IS NOT NULL"
_FUSED_VECTOR = "".join(
    ["(SELECT 'v', v.*, NULL::real FROM (", _VECTOR_SQL.replace(" ORDER BY", _GATE + " ORDER BY"), ") v)"]
)
_TEXT_GATED = _TEXT_SQL.replace(" AND c.search_vector @@", _GATE + " AND c.search_vector @@")
_FUSED_TEXT = "".join(["(SELECT 't', t.* FROM (", _TEXT_GATED, ") t)"])
_FUSED_SQL = "".join([_FUSED_HEAD, _FUSED_VECTOR, " UNION ALL ", _FUSED_TEXT, ") r"])
_FUSED_VECTOR_ONLY_SQL = "".join([_FUSED_HEAD, _FUSED_VECTOR, ") r"])
# And, in the same statement, the chunks in the question's language of every candidate item found through
# a chunk in the other language ("s" rows; `_in_language` keeps those of the items it ranked): a Malay
# question that met an English chunk was a second round trip on most turns.
_SAME_ITEM_SIDE = "".join(
    [
        " UNION ALL SELECT 's', s.*, NULL::real FROM (",
        _SELECT,
        " AND c.language = %(language)s AND c.item_id IN (SELECT item_id FROM cand WHERE language <> %(language)s)) s",
    ]
)
_SEARCH_SQL = "".join(["WITH cand AS MATERIALIZED (", _FUSED_SQL, ") SELECT * FROM cand", _SAME_ITEM_SIDE])
_SEARCH_VECTOR_ONLY_SQL = "".join(
    ["WITH cand AS MATERIALIZED (", _FUSED_VECTOR_ONLY_SQL, ") SELECT * FROM cand", _SAME_ITEM_SIDE]
)


def search_detailed(
    query: str,
    k: int = 5,
    *,
    language: str | None = None,
    today: datetime.date | None = None,
    include_below_threshold: bool = False,
) -> list[ScoredChunk]:
    """The fused ranking with its explanation; `search()` is the engine's narrower view of it."""
    if connection.schema_name == "public":
        raise RuntimeError("knowledge search must run inside a property's schema (schema_context).")
    query = glossary.normalise((query or "").strip())  # typed shorthand written out: "kul brp" is "pukul berapa"
    if not query or k <= 0:
        return []
    language = language or glossary.language_of(query)
    provider = get_provider()
    threshold = min_similarity(provider.name, language)
    threshold_with_text = min_similarity(provider.name, language, text_match=True)
    threshold_same_language = min_similarity(provider.name, language, chunk_language=language)
    params = {
        "q": query_vector_text(glossary.embedding_query(query, language)),
        **_validity(today, query),
        "n": max(CANDIDATES, k * 4),
        "tsq": text_query(query),
        "ef": str(int(settings.KNOWLEDGE_HNSW_EF_SEARCH)),
        "language": language,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SEARCH_SQL if params["tsq"] else _SEARCH_VECTOR_ONLY_SQL, params)
        fetched = cursor.fetchall()
    rows: dict[int, tuple] = {}
    vector_rank: dict[int, int] = {}
    text_rank: dict[int, int] = {}
    # relaxed_order may return slightly out of order: rank by the exact similarity it also returns.
    vector_rows = sorted((row[1:8] for row in fetched if row[0] == "v"), key=lambda r: -r[6])
    for rank, row in enumerate(vector_rows, start=1):
        rows[row[0]] = row
        vector_rank[row[0]] = rank
    # The full-text side in its own order (text_score DESC, id): UNION ALL promises no order of its own.
    text_rows = sorted((row for row in fetched if row[0] == "t"), key=lambda r: (-r[8], r[1]))
    for rank, row in enumerate((row[1:8] for row in text_rows), start=1):
        rows.setdefault(row[0], row)
        text_rank[row[0]] = rank

    scored: list[ScoredChunk] = []
    for chunk_id, (_, item_id, text, title, category, chunk_language, sim) in rows.items():
        fused = 0.0
        if chunk_id in vector_rank:
            fused += VECTOR_WEIGHT / (RRF_K + vector_rank[chunk_id])
        if chunk_id in text_rank:
            fused += TEXT_WEIGHT / (RRF_K + text_rank[chunk_id])
        similarity = float(sim)
        if chunk_id in text_rank:
            above = similarity >= threshold_with_text
        else:
            # A chunk in the question's own language, admitted on similarity alone, is held to that
            # language's own band (Malay): measured (bench/question_retrieval.py, docs/quality.md), no right
            # item of 169 Malay questions came that way, while off-knowledge Malay questions reached
            # unrelated Malay text at up to 0.854, a translation or an item written in Malay alike.
            above = similarity >= (threshold_same_language if chunk_language == language else threshold)
        if not above and not include_below_threshold:
            continue
        hit = KnowledgeHit(
            item_id=item_id,
            chunk_id=chunk_id,
            title=title,
            category=category,
            text=text,
            score=round(similarity, 4),
            language=chunk_language,
        )
        scored.append(ScoredChunk(hit, similarity, vector_rank.get(chunk_id), text_rank.get(chunk_id), fused, above))
    scored.sort(key=lambda s: (-s.fused, -s.similarity, s.hit.chunk_id))
    # Over the whole ranking, then cut: an item's other-language duplicate leaves room for the next item.
    same_items = sorted((row[1:8] for row in fetched if row[0] == "s"), key=lambda r: -r[6])
    return _in_language(scored, language, same_items)[:k]


def _in_language(scored: list[ScoredChunk], language: str, same_items: list[tuple]) -> list[ScoredChunk]:
    """An item holding the question's language answers in it: a Malay question that found an item
    through its English chunk gets the item's Malay chunk in that place (and the other way round).
    The item keeps the rank it earned; only its text, title and language change. `same_items`: chunks in
    the question's language of the candidates' items, most similar first (the search statement's "s" rows)."""
    elsewhere = {s.hit.item_id for s in scored if s.hit.language != language}
    if not elsewhere:
        return scored
    same: dict[int, list[tuple]] = {}
    for row in same_items:
        if row[1] in elsewhere:
            same.setdefault(row[1], []).append(row)
    taken = {s.hit.chunk_id for s in scored}
    result: list[ScoredChunk] = []
    for scored_chunk in scored:
        spare = [row for row in same.get(scored_chunk.hit.item_id, ()) if row[0] not in taken]
        if scored_chunk.hit.language == language:
            result.append(scored_chunk)
            continue
        if not spare:
            # The item has no more text in the question's language: it is already answering in it
            # above (its other-language text would only repeat it), or it has none (keep this one).
            if scored_chunk.hit.item_id not in same:
                result.append(scored_chunk)
            continue
        chunk_id, item_id, text, title, category, chunk_language, sim = spare[0]
        taken.add(chunk_id)
        hit = KnowledgeHit(item_id, chunk_id, title, category, text, round(float(sim), 4), chunk_language)
        result.append(dataclasses.replace(scored_chunk, hit=hit))
    return result


# Which glossary concepts (one to_tsquery expression each) some active item searched today names, in its title or
# its text, in either language: one statement on the full-text index, one EXISTS per concept.
_NAMED_SQL = """
    SELECT q.n FROM unnest(%(queries)s::text[]) WITH ORDINALITY AS q(tsq, n)
    WHERE EXISTS (
      SELECT 1 FROM knowledge_knowledgechunk c JOIN knowledge_knowledgeitem i ON i.id = c.item_id
      WHERE i.is_active AND (i.valid_from IS NULL OR i.valid_from <= %(today)s OR AHEAD)
        AND (i.valid_to IS NULL OR i.valid_to >= %(today)s)
        AND c.search_vector @@ to_tsquery('simple', q.tsq)
    )
""".replace("AHEAD", _AHEAD)


def named_anywhere(
    concepts: list[glossary.Concept], *, today: datetime.date | None = None, question: str = ""
) -> frozenset[glossary.Concept]:
    """The concepts of `concepts` that some item of the current property names (title or text, either language's
    words): a question about a thing none names ("how much is lunch?" where only breakfast is written) has no
    item to answer it, however near one is. `question`: a seasonal item whose season it names is read before
    its dates, as `search` reads it. Must run inside the property's schema, like `search`."""
    if not concepts:
        return frozenset()
    params = {"queries": [concept.tsquery for concept in concepts], **_validity(today, question)}
    with connection.cursor() as cursor:
        cursor.execute(_NAMED_SQL, params)
        return frozenset(concepts[number - 1] for (number,) in cursor.fetchall())


def search(
    query: str, k: int = 5, *, language: str | None = None, today: datetime.date | None = None
) -> list[KnowledgeHit]:
    """The top `k` chunks for `query` in the current property, best first, only above the relevance threshold.

    Must run inside the property's schema (a tenant request, a tenant-aware task, or
    `schema_context`). Only active items valid on `today` (default: today in the property's timezone) are
    considered, or starting within SEASON_LOOKAHEAD_DAYS of it when the question names its season. `language`
    is the question's ("en" or "ms"; the engine passes the one it detected, else the glossary guesses): it
    picks the calibrated threshold and the glossary's direction. Raises `EmbeddingError` if the embedding
    provider fails.
    """
    return [scored.hit for scored in search_detailed(query, k, language=language, today=today)]
