"""Which item each eval question finds, and the figures the per-language thresholds are set from (not a test).

    .venv/bin/python bench/question_retrieval.py [--verbose] [SET.json ...]

Builds a throwaway test database (`test_nocturn_qquality`, QUALITY_DATABASE_NAME overrides), loads
the fixture hotel (every file of knowledge/tests/fixtures), and asks every question of the eval sets
(conversations/tests/fixtures/eval_questions*.json by default; name files to pick) through the
production `search_detailed()` as the engine asks it (k=4, the question's language), then through the
engine (`question_eval.run`) for the answer. Per set and language it prints:

- item@1: the first hit above the threshold is one of the items the case names (its English or Malay
  title); item@3: one of the first three is; item@4: one of the four the engine reads is;
- right fact: the engine's answer holds every expected fact (as `manage.py eval` judges it);
- off-knowledge refused: an off-knowledge question got no hit above the threshold.

Calibration (per language): the cosine similarity of the right item's best chunk, split three ways (the
chunk also matched in full text: "text"; it did not and is in the question's own language: "own"; in the
other language: "other"), against the best similarity any chunk of that kind reached for an off-knowledge
question. A threshold sits above every off-knowledge figure of its kind and under as many right items as
it can; DEFAULT_MIN_SIMILARITY in knowledge/services/embeddings.py is set from this. The sweep lines
are the curve docs/quality.md reports: at each threshold, right items kept against off-knowledge
questions admitted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# Django on the throwaway database of the "Questions" renderer (QUALITY_DATABASE_NAME), and its fixture hotel.
from scripts.quality_questions import FIXTURES, MISSES_NOT_LISTED, fixture_hotel, question_eval  # noqa: I001

from knowledge.models import KnowledgeItem
from knowledge.services.embeddings import get_provider, min_similarity
from knowledge.services.retrieval import ScoredChunk, search_detailed

# The held-out sets from the sixth on are never read here: a calibration read on them would tune to them.
NOT_READ = MISSES_NOT_LISTED
ENGINE_K = 4


# How a chunk was admitted, each kind with its own threshold: it also matched in full text; or on similarity
# alone, in the question's own language; or on similarity alone, in the other language.
KINDS = ("text", "own", "other")


def _kind(scored: ScoredChunk, language: str) -> str:
    if scored.text_rank is not None:
        return "text"
    return "own" if scored.hit.language == language else "other"


def _default_sets() -> list[Path]:
    return [p for p in sorted(FIXTURES.glob("eval_questions*.json")) if p.name not in NOT_READ]


def _item_ids() -> dict[str, int]:
    ids: dict[str, int] = {}
    for pk, title, title_ms in KnowledgeItem.objects.values_list("pk", "title", "title_ms"):
        ids[title] = pk
        if title_ms:
            ids.setdefault(title_ms, pk)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--verbose", action="store_true", help="one line per question that missed")
    parser.add_argument("sets", nargs="*", type=Path)
    args = parser.parse_args()
    paths = [p if p.is_absolute() or p.exists() else FIXTURES / p for p in args.sets] or _default_sets()
    paths = [p for p in paths if p.name not in NOT_READ]

    lines: list[str] = []
    calibration: dict[str, dict[str, list[tuple[float, str]]]] = {
        lang: {f"{side}_{kind}": [] for side in ("right", "off") for kind in KINDS} for lang in ("en", "ms")
    }
    with fixture_hotel() as property_:
        ids = _item_ids()
        for path in paths:
            cases = question_eval.load_cases(path)
            report = question_eval.run(property_, cases)
            totals: dict[str, list[int]] = {}
            first_line = len(lines)
            for outcome in report.outcomes:
                case = outcome.case
                ranked = search_detailed(case.question, 40, language=case.language, include_below_threshold=True)
                kept = [s for s in ranked if s.above_threshold][:ENGINE_K]
                row = totals.setdefault(case.language, [0, 0, 0, 0, 0, 0, 0])
                if case.off_knowledge:
                    row[5] += 1
                    row[6] += not kept
                    for kind in KINDS:
                        sims = [s.similarity for s in ranked if _kind(s, case.language) == kind]
                        if sims:
                            calibration[case.language][f"off_{kind}"].append((max(sims), case.question))
                    if kept and args.verbose:
                        lines.append(
                            f"  OFF-KNOWLEDGE ANSWERED [{case.language}] {case.question} -> {kept[0].hit.title}"
                        )
                    continue
                wanted = {ids[t] for t in case.items or () if t in ids}
                at1 = bool(kept) and kept[0].hit.item_id in wanted
                at3 = any(s.hit.item_id in wanted for s in kept[:3])
                at4 = any(s.hit.item_id in wanted for s in kept)
                row[0] += 1
                row[1] += at1
                row[2] += at3
                row[3] += at4
                row[4] += outcome.right
                right = [s for s in ranked if s.hit.item_id in wanted]
                if right:
                    best = max(right, key=lambda s: s.similarity)
                    calibration[case.language][f"right_{_kind(best, case.language)}"].append(
                        (best.similarity, case.question)
                    )
                if args.verbose and not (at1 and outcome.right):
                    found = ", ".join(f"{s.hit.title} {s.similarity:.3f}{'t' if s.text_rank else ''}" for s in kept)
                    lines.append(
                        f"  {'item ' if at1 else 'ITEM '}{'fact' if outcome.right else 'FACT'} [{case.language}] "
                        f"{case.question} -> {found or 'nothing'} | {outcome.answer[:140]!r}"
                    )
            for lang, (n, at1, at3, at4, right, off, refused) in sorted(totals.items()):
                lines.insert(
                    first_line,
                    f"{path.name:<32} {lang}  item@1 {at1}/{n}  item@3 {at3}/{n}  item@4 {at4}/{n}"
                    f"  right fact {right}/{n}"
                    f"  off-knowledge refused {refused}/{off}"
                    f"  unrelated (whole set) {len(report.unrelated_faults)}",
                )

    provider = get_provider()
    print(f"provider {provider.name} ({provider.model})")
    for lang in ("en", "ms"):
        print(
            f"  {lang}: alone {min_similarity(provider.name, lang)}, with text "
            f"{min_similarity(provider.name, lang, text_match=True)}"
        )
    print("\n".join(lines))
    for lang, kinds in calibration.items():
        print(f"calibration [{lang}]")
        for kind in KINDS:
            values = sorted(kinds[f"right_{kind}"])
            # --verbose: every right item found without a full-text match (the ones a threshold can lose).
            low = ", ".join(f"{v:.3f} {q!r}" for v, q in values[: None if args.verbose and kind != "text" else 4])
            print(f"  right_{kind:<6} n={len(values):3d}  lowest: {low}")
        for kind in KINDS:
            values = sorted(kinds[f"off_{kind}"], reverse=True)
            high = ", ".join(f"{v:.3f} {q!r}" for v, q in values[:4])
            print(f"  off_{kind:<8} n={len(values):3d}  highest: {high}")
        for kind, start in (("other", 800), ("own", 800), ("text", 760)):
            right, off = kinds[f"right_{kind}"], kinds[f"off_{kind}"]
            sweep = "  ".join(
                f"{t / 1000:.3f}: {sum(v >= t / 1000 for v, _ in right)}/{len(right)} right,"
                f" {sum(v >= t / 1000 for v, _ in off)}/{len(off)} off"
                for t in range(start, start + 80, 10)
            )
            print(f"  threshold {kind:<5} {sweep}")


if __name__ == "__main__":
    main()
