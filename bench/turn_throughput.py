"""Full guest turns per second, and streaming latency (not a test): widget guests over real HTTP + websockets.

    .venv/bin/python bench/turn_throughput.py [--guests 8] [--seconds 30] [--stream-turns 40] [--json out.json]

A throwaway database (every migration, one property with the fixture hotel's knowledge, a widget key),
a real daphne and a real Celery worker (two processes, as `make run` starts it). Two phases:

1. Throughput, offline provider (no LLM key): `--guests` guests in parallel threads, each posting its
   next question as soon as the previous reply's final `message` event arrives; completed turns are
   counted for `--seconds` (bounded also in turns); turns/s = completed / elapsed.
2. Streaming, a zero-latency fake OpenAI-compatible server on 127.0.0.1 that records the moment it
   writes its first token: for each turn, the widget's first `token` event minus that moment (one
   clock: both ends are in this process), i.e. what our pipeline adds between the model and the guest
   (openai client, engine, Redis channel layer, daphne, websocket).

Loops are bounded and all traffic goes to 127.0.0.1 (guest_turn.py's Guest speaks the widget API).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TEST_DATABASE_NAME", "bench_throughput")

from bench.guest_turn import QUESTIONS, TURNS_PER_CONVERSATION, Guest, bench_site, percentiles  # noqa: E402
from testsupport.live import stop  # noqa: E402
from testsupport.llm import Behaviour, FakeLLMServer, echo_knowledge  # noqa: E402

OFFLINE = {"LLM_API_KEY": "", "ANTHROPIC_API_KEY": "", "LLM_FALLBACK_API_KEY": ""}


class TimedLLM(FakeLLMServer):
    """The fake model, noting when it writes each stream's first token (perf_counter, this process)."""

    def __init__(self, flavour: str, default: Behaviour | None = None) -> None:
        super().__init__(flavour, default)
        self.first_tokens: list[float] = []

    def _pieces(self, text: str) -> list[str]:
        pieces = super()._pieces(text)
        # Called by the stream writer right before the first content chunk goes out.
        self.first_tokens.append(time.perf_counter())
        return pieces


def throughput(port: int, key: str, guests: int, seconds: float, max_turns: int) -> dict[str, Any]:
    done: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    clock = {"start": 0.0, "deadline": 0.0}

    def warmed() -> None:  # every guest's first turn loads the worker's models: not counted
        clock["start"] = time.perf_counter()
        clock["deadline"] = clock["start"] + seconds

    ready = threading.Barrier(guests, action=warmed, timeout=180)

    def guest_loop(index: int) -> None:
        guest = Guest(port, key)
        n = 0
        try:
            guest.start()
            with contextlib.suppress(Exception):
                guest.turn(QUESTIONS[index % len(QUESTIONS)])
            n = 1
            ready.wait()
            while time.perf_counter() < clock["deadline"]:
                with lock:
                    if len(done) >= max_turns:
                        return
                if n % TURNS_PER_CONVERSATION == 0:
                    guest.start()
                try:
                    row = guest.turn(f"{QUESTIONS[(index + n) % len(QUESTIONS)]} ({uuid.uuid4().hex[:6]})")
                except Exception as exc:  # counted; the guest starts a new conversation
                    with lock:
                        errors.append(repr(exc)[:120])
                        if len(errors) > 20:
                            return
                    n = 0
                    continue
                with lock:
                    done.append(row["end_to_end"])
                n += 1
        finally:
            guest.close()

    threads = [threading.Thread(target=guest_loop, args=(i,), daemon=True) for i in range(guests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 240)
    elapsed = time.perf_counter() - clock["start"]
    return {
        "guests": guests,
        "seconds": round(elapsed, 1),
        "turns": len(done),
        "turns_per_s": len(done) / elapsed,
        "errors": len(errors),
        "error_examples": errors[:3],
        "end_to_end_ms": percentiles(done) if len(done) > 1 else {},
    }


def streaming(port: int, key: str, fake: TimedLLM, turns: int) -> dict[str, Any]:
    guest = Guest(port, key)
    gaps: list[float] = []
    try:
        for n in range(turns + 3):
            if n % TURNS_PER_CONVERSATION == 0:
                guest.start()
            before = len(fake.first_tokens)
            started = time.perf_counter()
            row = guest.turn(QUESTIONS[n % len(QUESTIONS)])
            first_widget = started + row["first_token"] / 1000
            if n < 3 or len(fake.first_tokens) <= before:
                continue  # warm-up, or the turn did not reach the model (e.g. answered by the rules)
            gaps.append((first_widget - fake.first_tokens[before]) * 1000)
    finally:
        guest.close()
    return {"turns": len(gaps), "llm_first_token_to_widget_ms": percentiles(gaps) if len(gaps) > 1 else {}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guests", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--stream-turns", type=int, default=40)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    guests, seconds = min(args.guests, 32), min(args.seconds, 120.0)  # bounded: a shared machine
    stream_turns = min(args.stream_turns, 300)

    fake = TimedLLM("openai", default=echo_knowledge()).start()
    results: dict[str, Any] = {}
    common = {"WIDGET_RATE_PER_KEY": "1000000", "WIDGET_RATE_PER_CONVERSATION": "1000", "LOG_LEVEL": "WARNING"}
    try:
        with bench_site("benchturns", "Bench Turns Hotel", **common) as site:
            worker = site.worker(**OFFLINE)
            try:
                print(f"throughput, offline provider: {guests} guests for {seconds:g} s …", flush=True)
                results["throughput_offline"] = throughput(site.daphne.port, site.key, guests, seconds, max_turns=5000)
            finally:
                stop(worker.process)
            row = results["throughput_offline"]
            print(
                f"  {row['turns']} turns in {row['seconds']} s = {row['turns_per_s']:.1f} turns/s "
                f"({row['errors']} errors)"
            )

            worker = site.worker(LLM_API_KEY="sk-bench", LLM_BASE_URL=fake.base_url, ANTHROPIC_API_KEY="")
            try:
                print(f"streaming, zero-latency fake LLM: {stream_turns} turns …", flush=True)
                results["streaming"] = streaming(site.daphne.port, site.key, fake, stream_turns)
            finally:
                stop(worker.process)
            gap = results["streaming"]["llm_first_token_to_widget_ms"]
            if gap:
                print(f"  LLM first token → widget first token: p50 {gap['p50']:.1f} ms, p95 {gap['p95']:.1f} ms")
    finally:
        fake.stop()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
