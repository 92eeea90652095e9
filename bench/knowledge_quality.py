"""Retrieval quality on the fixture hotel (not a test): hit@1, hit@5 and the threshold calibration.

    .venv/bin/python bench/knowledge_quality.py [--verbose]

Builds a throwaway test database (`test_nocturn_kbquality`), creates one property, ingests
knowledge/tests/fixtures (Markdown, JSON, CSV, PDF, DOCX: 28 items, six categories, English and
Malay), asks every question of fixtures/questions.json through the production `search()` with the
configured provider, prints the figures, and destroys the database.

Calibration: for each answerable question, the cosine similarity of the expected item's best chunk;
for each off-topic question, the best similarity of any chunk. A threshold between the two keeps
right answers and rejects off-topic questions; `DEFAULT_MIN_SIMILARITY` in
knowledge/services/embeddings.py is set from this output.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["NOCTURN_ENV"] = "test"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")
os.environ["TEST_DATABASE_NAME"] = "test_nocturn_kbquality"

import django

django.setup()

from django.db import connection  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

TODAY = datetime.date(2026, 11, 23)


def best_similarity(results: list, title: str | None = None) -> float | None:
    values = [row.similarity for row in results if title is None or row.hit.title == title]
    return max(values) if values else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    from assistant.language import detect_language
    from knowledge.services.embeddings import get_provider, min_similarity
    from knowledge.services.retrieval import search, search_detailed
    from properties.services import NewProperty, create_property
    from testsupport.knowledge import load_kb, questions

    def off_topic_ranking(question: str) -> list:
        language = detect_language(question)
        return search_detailed(question, k=40, language=language, today=TODAY, include_below_threshold=True)

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        property_ = create_property(NewProperty(name="Quality Hotel", slug="quality"))
        load_kb(property_.schema_name)
        provider = get_provider()
        threshold = {
            lang: (min_similarity(provider.name, lang), min_similarity(provider.name, lang, text_match=True))
            for lang in ("en", "ms")
        }
        data = questions()
        rows = []
        with schema_context(property_.schema_name):
            for question in data["answerable"]:
                lang = question["lang"]
                titles = [hit.title for hit in search(question["q"], k=5, language=lang, today=TODAY)]
                ranked = search_detailed(question["q"], k=40, language=lang, today=TODAY, include_below_threshold=True)
                rows.append((question, titles, best_similarity(ranked, question["expect"])))
            holdout = [
                (question, [hit.title for hit in search(question["q"], k=5, language=question["lang"], today=TODAY)])
                for question in data.get("holdout", [])
            ]
            off_topic = [
                (
                    q,
                    best_similarity(off_topic_ranking(q)),
                    [hit.title for hit in search(q, language=detect_language(q))],
                )
                for q in data["unanswerable"]
            ]
            near = [
                (
                    q,
                    best_similarity(off_topic_ranking(q)),
                    [hit.title for hit in search(q, language=detect_language(q), today=TODAY)],
                )
                for q in data.get("near_domain", [])
            ]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"provider {provider.name} ({provider.model}), thresholds (alone, with a full-text match) {threshold}")
    for lang in ("ms", "en", None):
        subset = [row for row in rows if lang is None or row[0]["lang"] == lang]
        at1 = sum(bool(titles) and titles[0] == q["expect"] for q, titles, _ in subset)
        at5 = sum(q["expect"] in titles for q, titles, _ in subset)
        label = {"ms": "Malay questions", "en": "English questions", None: "all questions"}[lang]
        print(
            f"{label:<18} n={len(subset):2d}  hit@1 {at1}/{len(subset)} = {at1 / len(subset):.2f}"
            f"  hit@5 {at5}/{len(subset)} = {at5 / len(subset):.2f}"
        )
    if holdout:
        at1 = sum(bool(titles) and titles[0] == q["expect"] for q, titles in holdout)
        at5 = sum(q["expect"] in titles for q, titles in holdout)
        print(
            f"{'holdout (untuned)':<18} n={len(holdout):2d}  hit@1 {at1}/{len(holdout)} = {at1 / len(holdout):.2f}"
            f"  hit@5 {at5}/{len(holdout)} = {at5 / len(holdout):.2f}"
        )
        for q, titles in holdout:
            if not titles or titles[0] != q["expect"]:
                print(f"  holdout miss at 1 [{q['lang']}] {q['q']} -> {titles[:3]} (expected {q['expect']})")
    correct = sorted(sim for _, _, sim in rows if sim is not None)
    print(
        f"similarity of the right item: min {correct[0]:.4f}, 10th pct {correct[len(correct) // 10]:.4f}, "
        f"median {correct[len(correct) // 2]:.4f}"
    )
    print(f"best similarity of off-topic questions: max {max(s for _, s, _ in off_topic):.4f}")
    for q, sim, titles in off_topic:
        print(f"  off-topic  {sim:.4f}  {q}  -> returned {titles or 'nothing'}")
    for q, sim, titles in near:
        print(f"  near-domain {sim:.4f}  {q}  -> returned {titles or 'nothing'}")
    if args.verbose:
        for q, titles, sim in rows:
            mark = "ok " if titles and titles[0] == q["expect"] else ("@5 " if q["expect"] in titles else "MISS")
            print(f"  {mark} [{q['lang']}] sim {sim if sim is None else round(sim, 4)}  {q['q']}  -> {titles[:3]}")


if __name__ == "__main__":
    main()
