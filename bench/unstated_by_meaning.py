"""Whether the embedding model can tell "the found item says what is asked" from "it is silent on it" (not a test).

    .venv/bin/python bench/unstated_by_meaning.py SET.json [SET.json ...]

The offline answer quotes the item a question finds. An off-knowledge question close to an item ("is there a
jacuzzi at the pool?") finds the pool and gets its lines; an answerable one worded otherwise than the item ("is
there someone watching swimmers?" for "no lifeguard on duty") finds the same item and must keep them. Words and
the glossary alone refused such right answers (docs/quality.md, t15q3, t15q8). This measures the idea of deciding
by meaning instead, at no per-turn cost beyond what retrieval already embeds: the question's vector (the one
retrieval computed, `glossary.embedding_query`) against the found item's sentences, embedded as passages (as they
would be at ingestion). Three scores per question, each higher when some sentence says what is asked:

- best: the highest cosine between the question and a sentence of the item;
- over median: best minus the median of the item's sentences (one sentence standing out);
- over title: best minus the cosine to the item's title (more than the subject alone).

The item: for an answerable question, the first one its case names; for an off-knowledge one, the item the
engine's answer quoted (`question_eval`; a question already refused is left out). Per score it prints the
sweep: at each cut, the off-knowledge answers that would be refused against the right answers that would be
lost. Held-out sets are never read (a name holding "holdout" is refused).
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.quality_questions import FIXTURES, fixture_hotel, question_eval  # noqa: I001

from knowledge.models import KnowledgeItem
from knowledge.services import glossary
from knowledge.services.embeddings import get_provider, query_vector

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n\s*\n")
SCORES = ("best", "over median", "over title")
# Words that ask rather than name ("is there", "boleh … tak"): no thing the item could fail to say.
_ASKING = frozenset(
    str.split(
        """
    a an the is are do does you your we our i me my can could will would what when where which how who to of in on
    at for and or it there have has got get any some with this that be need bring own ada tak x ke kah ka ni tu je
    boleh nak kat dlm dalam untuk utk yang di dan atau saya kami awak anda sini apa mana bila berapa brp pukul
    sediakan buat guna pakai kena hotel"""
    )
)


def _unsaid_words(question: str, title: str, text: str) -> list[str]:
    """The question's own words the item does not say, neither as such (by stem) nor through a glossary concept it
    names: the word rules' view of what is asked and not stated (the meaning score is judged beside it)."""
    said = set(glossary.stems(glossary.tokens(f"{title} {text}")))
    named = set(glossary.find(f"{title} {text}"))
    normalised = glossary.normalise(question)
    covered = {w for term in glossary.terms(normalised) if term.concept in named for w in term.words}
    return [
        word
        for word in glossary.tokens(normalised)
        if len(word) > 1 and word not in _ASKING and word not in covered and glossary.stem(word) not in said
    ]


def _unit(vector: list[float]) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float64)
    return array / np.linalg.norm(array)


def _item_vectors() -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], dict[str, str]]:
    """Title (English and Malay) -> (its sentences' vectors, its title's vector), embedded as passages; and
    title -> the item's text."""
    provider = get_provider()
    vectors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    texts: dict[str, str] = {}
    for title, title_ms, content, content_ms in KnowledgeItem.objects.values_list(
        "title", "title_ms", "content", "content_ms"
    ):
        text = f"{content}\n\n{content_ms}" if content_ms else content
        sentences = [s for s in (" ".join(p.split()) for p in _SENTENCE.split(text)) if s]
        embedded = [_unit(v) for v in provider.embed_passages([*sentences, title])]
        vectors[title], texts[title] = (np.array(embedded[:-1]), embedded[-1]), text
        if title_ms:
            vectors.setdefault(title_ms, vectors[title])
            texts.setdefault(title_ms, text)
    return vectors, texts


def _answering_title(outcome: question_eval.Outcome) -> str | None:
    if not outcome.case.off_knowledge:
        return (outcome.case.items or [None])[0]
    quoted = [part.split(": ", 1)[0] for part in outcome.unrelated if ": " in part]
    return quoted[0] if quoted else None


def _sweep(name: str, rows: list[tuple[float, bool, str]]) -> None:
    """At each cut (a question scoring under it is refused): off-knowledge refused against right answers lost."""
    off = sum(1 for _, is_off, _ in rows if is_off)
    right = len(rows) - off
    # The chance that an answerable question outscores an off-knowledge one (0.5: the score tells nothing).
    pairs = [
        1.0 if a > b else 0.5 if a == b else 0.0 for a, a_off, _ in rows if not a_off for b, b_off, _ in rows if b_off
    ]
    separation = f", separation (AUC) {sum(pairs) / len(pairs):.2f}" if pairs else ""
    print(f"\n{name}: {off} off-knowledge answers, {right} answerable questions{separation}")
    best_line = ""
    for cut in sorted({score for score, _, _ in rows}):
        refused = sum(1 for score, is_off, _ in rows if is_off and score < cut)
        lost = sum(1 for score, is_off, _ in rows if not is_off and score < cut)
        if lost <= 1:
            best_line = f"  at most one right answer lost: cut {cut:.3f} refuses {refused}/{off}, loses {lost}/{right}"
    print(best_line or "  every cut loses two right answers or more")
    for fraction in (0.25, 0.5, 0.75):
        ranked = sorted(score for score, is_off, _ in rows if is_off)
        if not ranked:
            break
        cut = ranked[min(len(ranked) - 1, int(fraction * len(ranked)))]
        lost = sum(1 for score, is_off, _ in rows if not is_off and score < cut)
        print(f"  refusing {fraction:.0%} of the off-knowledge answers (cut {cut:.3f}) loses {lost}/{right}")


def main() -> None:
    paths = [p if p.is_absolute() or p.exists() else FIXTURES / p for p in map(Path, sys.argv[1:])]
    if not paths or any("holdout" in p.name for p in paths):
        sys.exit("name one or more tuning sets (held-out sets are never read here)")
    rows: dict[str, list[tuple[float, bool, str]]] = {score: [] for score in (*SCORES, "best, words unsaid")}
    compare_ms: list[float] = []
    with fixture_hotel() as property_:
        vectors, texts = _item_vectors()
        for path in paths:
            for outcome in question_eval.run(property_, question_eval.load_cases(path)).outcomes:
                title = _answering_title(outcome)
                if title not in vectors:
                    continue
                case = outcome.case
                question = query_vector(glossary.embedding_query(glossary.normalise(case.question), case.language))
                started = time.perf_counter()
                sentences, title_vector = vectors[title]
                sims = sentences @ _unit(question)
                best = float(sims.max())
                scores = (best, best - float(np.median(sims)), best - float(title_vector @ _unit(question)))
                compare_ms.append((time.perf_counter() - started) * 1000)
                label = f"{'OFF' if case.off_knowledge else 'ANS'} [{case.language}] {case.question} -> {title}"
                for name, score in zip(SCORES, scores, strict=True):
                    rows[name].append((score, case.off_knowledge, label))
                unsaid = _unsaid_words(case.question, title, texts[title])
                if unsaid:
                    # Only where the word rules see something asked that the item does not say.
                    rows["best, words unsaid"].append((best, case.off_knowledge, f"{label} [{' '.join(unsaid)}]"))
    provider = get_provider()
    print(f"provider {provider.name} ({provider.model}); sets: {', '.join(p.name for p in paths)}")
    print(f"comparison per question (vectors in hand): median {statistics.median(compare_ms):.3f} ms")
    for name in rows:
        _sweep(name, rows[name])
    print("\nper question the word rules read as asking something unsaid, by the best score:")
    for score, _, label in sorted(rows["best, words unsaid"], reverse=True):
        print(f"  {score:.3f} {label}")


if __name__ == "__main__":
    main()
