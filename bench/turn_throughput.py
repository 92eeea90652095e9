"""Full guest turns per second, the CPU and the database statements each turn costs, and streaming latency.

    .venv/bin/python bench/turn_throughput.py [--guests 8,32,128] [--seconds 30] [--stream-turns 40]
        [--profile docs/perf] [--profile-guests 32] [--json out.json] [--sql-log]

A throwaway database (every migration, one property with the fixture hotel's knowledge, a widget key),
a real daphne and a real Celery worker (two processes, as `make run` starts it). Two phases:

1. Throughput, offline provider (no LLM key), at each of `--guests` concurrency levels: that many
   guests in parallel threads, each posting its next question as soon as the previous reply's final
   `message` event arrives; completed turns are counted for `--seconds` (bounded also in turns);
   turns/s = completed / elapsed, with the p50/p95 of each turn (POST → final event). Per turn also:
   - CPU seconds of daphne and of the worker (its pool processes included), from /proc utime+stime
     before and after the window — CPU holds up on a busy shared machine where wall-clock figures
     do not (PostgreSQL's own CPU is not counted: its backends come and go with the connections);
   - database statements per turn per process, by kind (core/querycount.py, switched on for the
     bench's daphne and worker), and connections opened per turn;
   - the load average at the start of the level, printed beside every figure.
2. Streaming, a zero-latency fake OpenAI-compatible server on 127.0.0.1 that records the moment it
   writes its first token: for each turn, the widget's first `token` event minus that moment (one
   clock: both ends are in this process), i.e. what our pipeline adds between the model and the guest
   (openai client, engine, Redis channel layer, daphne, websocket); and the CPU of daphne and of that
   phase's worker per streamed turn, after three warm-up turns (the model's pieces reach the widget as
   token events, so daphne's per-event work is in it).

`--profile DIR`: py-spy samples daphne and the worker (bench/pyspy.py) during the `--profile-guests`
level's window and writes a collapsed-stack file and a sorted table per process into DIR.

Loops are bounded and all traffic goes to 127.0.0.1 (guest_turn.py's Guest speaks the widget API).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TEST_DATABASE_NAME", "bench_throughput")
# Every process this bench starts counts its database statements here (core/querycount.py).
COUNT_DIR = Path(tempfile.mkdtemp(prefix="bench-querycount-"))
os.environ["NOCTURN_QUERY_COUNT_DIR"] = str(COUNT_DIR)

from bench import cpu_sampler, pyspy  # noqa: E402
from bench.guest_turn import QUESTIONS, TURNS_PER_CONVERSATION, Guest, bench_site, percentiles  # noqa: E402
from bench.stack import port_open  # noqa: E402
from core.querycount import LOG_ENV, read_counts  # noqa: E402
from testsupport.http import free_port  # noqa: E402
from testsupport.live import start_daphne, stop  # noqa: E402
from testsupport.llm import Behaviour, FakeLLMServer, echo_knowledge  # noqa: E402
from testsupport.wait import wait_until  # noqa: E402

OFFLINE = {"LLM_API_KEY": "", "ANTHROPIC_API_KEY": "", "LLM_FALLBACK_API_KEY": ""}
TICKS = os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> set[int]:
    """`pid` and every live descendant (a Celery worker's pool processes)."""
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        found.add(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in children.read_text().split()]
    return found


def cpu_seconds(pids: set[int]) -> dict[int, float]:
    """utime + stime of each live process, in seconds."""
    seconds = {}
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seconds[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return seconds


class Meter:
    """CPU seconds and database statements of the measured processes between `start()` and `stop()`."""

    def __init__(self, processes: dict[str, int]) -> None:
        self.processes = processes  # name → root pid
        self.before: dict[str, Any] | None = None  # stays None when the level never started

    def snapshot(self) -> dict[str, Any]:
        trees = {name: process_tree(pid) for name, pid in self.processes.items()}
        return {
            "cpu": {name: cpu_seconds(pids) for name, pids in trees.items()},
            "queries": {name: read_counts(COUNT_DIR, pids) for name, pids in trees.items()},
        }

    def start(self) -> None:
        self.before = self.snapshot()
        self.started = time.perf_counter()

    def stop(self, turns: int) -> dict[str, Any]:
        if self.before is None:
            return {"cpu_ms": {}, "queries": {}, "statements_total": None}
        elapsed = time.perf_counter() - self.started
        time.sleep(1.2)  # the counters are written twice a second: let the last turn's be written
        after = self.snapshot()
        per_turn: dict[str, Any] = {"cpu_ms": {}, "queries": {}, "cores": {}}
        for name in self.processes:
            before_cpu, after_cpu = self.before["cpu"][name], after["cpu"][name]
            # A pool process that was born during the window counts from zero.
            used = sum(after_cpu[pid] - before_cpu.get(pid, 0.0) for pid in after_cpu)
            per_turn["cpu_ms"][name] = round(1000 * used / max(turns, 1), 2)
            # CPU seconds per second of the window (the sleep above excluded): how many cores it kept busy.
            per_turn["cores"][name] = round(used / max(elapsed, 1e-9), 2)
            delta = Counter(after["queries"][name])
            delta.subtract(self.before["queries"][name])
            per_turn["queries"][name] = {k: round(v / max(turns, 1), 2) for k, v in sorted(delta.items()) if v}
        per_turn["cpu_ms"]["total"] = round(sum(per_turn["cpu_ms"].values()), 2)
        per_turn["cores"]["total"] = round(sum(per_turn["cores"].values()), 2)
        per_turn["statements_total"] = round(
            sum(
                v
                for name in self.processes
                for k, v in per_turn["queries"][name].items()
                if not k.startswith(("CONNECT", "POOL-"))
            ),
            2,
        )
        return per_turn


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


def throughput(
    port: int,
    key: str,
    guests: int,
    seconds: float,
    max_turns: int,
    meter: Meter,
    on_start: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    done: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    clock = {"start": 0.0, "deadline": 0.0, "driver_cpu": 0.0}
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())

    def warmed() -> None:  # every guest's first turn loads the worker's models: not counted
        meter.start()
        on_start()
        clock["start"] = time.perf_counter()
        clock["deadline"] = clock["start"] + seconds
        clock["driver_cpu"] = time.process_time()  # this process: the guests, i.e. the load generator

    ready = threading.Barrier(guests, action=warmed, timeout=180)

    def guest_loop(index: int) -> None:
        guest = Guest(port, key)
        n = 0
        try:
            try:  # a guest that cannot start still reaches the barrier, so the others are measured
                guest.start()
                guest.turn(QUESTIONS[index % len(QUESTIONS)])
                n = 1
            except Exception as exc:
                with lock:
                    errors.append(f"warm-up: {exc!r}"[:120])
            ready.wait()
            while time.perf_counter() < clock["deadline"]:
                with lock:
                    if len(done) >= max_turns:
                        return
                try:
                    if n % TURNS_PER_CONVERSATION == 0:
                        guest.start()
                    row = guest.turn(f"{QUESTIONS[(index + n) % len(QUESTIONS)]} ({uuid.uuid4().hex[:6]})")
                except Exception as exc:  # counted; the guest starts a new conversation
                    with lock:
                        errors.append(repr(exc)[:120])
                        if len(errors) > 4 * guests:
                            return
                    time.sleep(0.5)  # then a new conversation, as the widget would reconnect
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
    driver_cores = (time.process_time() - clock["driver_cpu"]) / elapsed
    return {
        "guests": guests,
        "load_average": load,
        "driver_cores": round(driver_cores, 2),
        "seconds": round(elapsed, 1),
        "turns": len(done),
        "turns_per_s": len(done) / elapsed,
        "errors": len(errors),
        "error_examples": errors[:3],
        "end_to_end_ms": percentiles(done) if len(done) > 1 else {},
        "per_turn": meter.stop(len(done)),
    }


def print_level(row: dict[str, Any]) -> None:
    ms = row["end_to_end_ms"]
    per = row["per_turn"]
    print(
        f"  {row['guests']} guests: {row['turns']} turns in {row['seconds']} s = {row['turns_per_s']:.1f} turns/s, "
        f"p50 {ms.get('p50', 0):.0f} / p95 {ms.get('p95', 0):.0f} ms, {row['errors']} errors "
        f"(load average {row['load_average']})"
    )
    cpu = ", ".join(f"{k} {v:.1f}" for k, v in per["cpu_ms"].items())
    print(f"    CPU ms per turn: {cpu}")
    if per.get("cores"):
        print(
            "    cores busy (CPU s per s): "
            + ", ".join(f"{k} {v:.2f}" for k, v in per["cores"].items())
            + f"; the load generator (this process) {row.get('driver_cores', 0):.2f}"
        )
    for name, kinds in per["queries"].items():
        print(f"    {name} statements per turn: " + ", ".join(f"{k} {v:g}" for k, v in kinds.items()))
    print(f"    statements per turn, all processes: {per['statements_total']}")


def _layout(text: str) -> tuple[int, int]:
    """ "2x2" → (2 daphne, 2 workers); each at most 4 (a shared 2-core machine)."""
    web, _, workers = text.lower().partition("x")
    return min(max(int(web), 1), 4), min(max(int(workers or 1), 1), 4)


@contextlib.contextmanager
def scaled_out(site: Any, web: int, workers: int, concurrency: int) -> Iterator[tuple[int, dict[str, int]]]:
    """`web` daphne processes (behind bench/balancer.py when more than one) and `workers` Celery workers.

    Yields the port the guests use and the processes to measure (name → pid). The site's own daphne
    is the first; the others are started here, like it, and stopped again with the workers.
    """
    started: list[subprocess.Popen[bytes]] = []
    try:
        daphnes = [site.daphne] + [start_daphne(site.log_dir, **site.env) for _ in range(web - 1)]
        started += [d.process for d in daphnes[1:]]
        processes = {"daphne": site.daphne.process.pid} if web == 1 else {}
        port = site.daphne.port
        if web > 1:
            processes.update({f"daphne-{i + 1}": d.process.pid for i, d in enumerate(daphnes)})
            port = free_port()
            argv = [sys.executable, str(ROOT / "bench" / "balancer.py"), "--port", str(port)]
            argv += [arg for d in daphnes for arg in ("--backend", f"127.0.0.1:{d.port}")]
            log = open(site.log_dir / "balancer.log", "wb")  # noqa: SIM115 - closed with the process
            balancer = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            started.append(balancer)
            if not wait_until(lambda: port_open(port), timeout=30, interval=0.1):
                raise RuntimeError(f"the balancer did not listen; see {log.name}")
            processes["balancer"] = balancer.pid
        for i in range(workers):
            worker = site.worker(node=f"bench-w{i + 1}", concurrency=concurrency, **OFFLINE)
            started.append(worker.process)
            processes["worker" if workers == 1 else f"worker-{i + 1}"] = worker.process.pid
        yield port, processes
    finally:
        for process in reversed(started):
            stop(process)


def print_layouts(layouts: list[dict[str, Any]]) -> None:
    """Side by side: turns/s, and each process's CPU (ms per turn, cores busy) per layout and level."""
    print("\nscale-out (offline provider; cores busy = CPU seconds per second of the window):")
    for layout in layouts:
        for row in layout["levels"]:
            per = row["per_turn"]
            processes = ", ".join(
                f"{k} {per['cpu_ms'][k]:.1f} ms/{per['cores'].get(k, 0):.2f}" for k in per["cpu_ms"] if k != "total"
            )
            print(
                f"  {layout['layout']} ({layout['workers']}×{layout['concurrency']} pool), {row['guests']} guests: "
                f"{row['turns_per_s']:.1f} turns/s, p95 {row['end_to_end_ms'].get('p95', 0):.0f} ms, "
                f"CPU {per['cpu_ms'].get('total', 0):.1f} ms/turn on {per['cores'].get('total', 0):.2f} cores "
                f"[{processes}], load generator {row.get('driver_cores', 0):.2f} cores, {row['errors']} errors "
                f"(load average {row['load_average']})"
            )


def streaming(port: int, key: str, fake: TimedLLM, turns: int, meter: Meter) -> dict[str, Any]:
    """One guest's turns answered by the fake model, streamed token by token; the CPU a turn is measured after
    the three warm-up turns, like the throughput levels' (the model's pieces as the widget's token events)."""
    guest = Guest(port, key)
    gaps: list[float] = []
    try:
        for n in range(turns + 3):
            if n == 3:
                meter.start()
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
    return {
        "turns": len(gaps),
        "llm_first_token_to_widget_ms": percentiles(gaps) if len(gaps) > 1 else {},
        "per_turn": meter.stop(max(turns, 0)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guests", default="8,32,128", help="concurrency levels, comma-separated")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured window per level")
    parser.add_argument("--stream-turns", type=int, default=40)
    parser.add_argument("--profile", type=Path, help="write py-spy tables of daphne and the worker here")
    parser.add_argument(
        "--cpu-profile",
        type=Path,
        help="CPU-time samples of daphne and the worker, every thread (bench/cpu_sampler.py), written here",
    )
    parser.add_argument("--profile-guests", type=int, default=32, help="the level profiled")
    parser.add_argument(
        "--layouts",
        default="1x1",
        help="web×worker processes, comma-separated (e.g. 1x1,2x2): N daphne behind bench/balancer.py, M workers",
    )
    parser.add_argument("--worker-concurrency", type=int, default=2, help="pool processes per worker")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--sql-log", action="store_true", help="write each statement's text too")
    args = parser.parse_args()
    if args.sql_log:
        os.environ[LOG_ENV] = "1"
    guest_levels = [min(int(g), 128) for g in args.guests.split(",") if g]  # bounded: a shared machine
    layouts = [_layout(text) for text in args.layouts.split(",") if text][:4]
    concurrency = min(max(args.worker_concurrency, 1), 8)
    seconds = min(args.seconds, 120.0)
    stream_turns = min(args.stream_turns, 300)
    if args.profile and pyspy.py_spy() is None:
        parser.error("--profile needs py-spy (pip install -r requirements.txt)")

    if args.cpu_profile:  # before any process of the stack starts: they inherit it
        args.cpu_profile = args.cpu_profile.resolve()
        args.cpu_profile.mkdir(parents=True, exist_ok=True)
        for stale in [*args.cpu_profile.glob("*.folded"), args.cpu_profile / "window", args.cpu_profile / "done"]:
            stale.unlink(missing_ok=True)
        site_dir = str(ROOT / "bench" / "cpu_sampler_site")
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [site_dir, os.environ.get("PYTHONPATH")]))
        os.environ[cpu_sampler.DIR_ENV] = str(args.cpu_profile)
    fake = TimedLLM("openai", default=echo_knowledge()).start()
    results: dict[str, Any] = {"layouts": []}
    common = {"WIDGET_RATE_PER_KEY": "1000000", "WIDGET_RATE_PER_CONVERSATION": "1000", "LOG_LEVEL": "WARNING"}
    try:
        with bench_site("benchturns", "Bench Turns Hotel", **common) as site:
            for web, workers in layouts:
                name = f"{web}x{workers}"
                print(f"layout {name}: {web} daphne, {workers} worker(s) × concurrency {concurrency}", flush=True)
                with scaled_out(site, web, workers, concurrency) as (port, processes):
                    levels = []
                    for guests in guest_levels:
                        print(f"throughput, offline provider, {name}: {guests} guests for {seconds:g} s …", flush=True)
                        profilers: list[subprocess.Popen[bytes]] = []

                        def profile(guests: int = guests, profilers: list = profilers, procs: dict = processes) -> None:
                            if args.profile and guests == args.profile_guests:
                                profilers += [pyspy.record(n, pid, seconds, args.profile) for n, pid in procs.items()]
                            if args.cpu_profile and guests == args.profile_guests:
                                (args.cpu_profile / "window").touch()

                        row = throughput(port, site.key, guests, seconds, 20000, Meter(processes), profile)
                        if args.cpu_profile and guests == args.profile_guests:
                            (args.cpu_profile / "done").touch()
                            time.sleep(1)  # each process writes its samples on its next one
                            print(f"    CPU samples: python bench/cpu_sampler.py {args.cpu_profile}")
                        for profiler in profilers:
                            profiler.wait(timeout=120)
                        if profilers:
                            for process_name in processes:
                                pyspy.write_table(process_name, args.profile)
                            print(f"    py-spy tables in {args.profile}/")
                        levels.append(row)
                        print_level(row)
                results["layouts"].append(
                    {"layout": name, "web": web, "workers": workers, "concurrency": concurrency, "levels": levels}
                )
            # The figures `make bench` has shown from the start: the first layout's, its first level.
            results["levels"] = results["layouts"][0]["levels"]
            results["throughput_offline"] = results["levels"][0]
            if len(layouts) > 1:
                print_layouts(results["layouts"])
            if stream_turns:  # 0: the throughput levels only
                worker = site.worker(LLM_API_KEY="sk-bench", LLM_BASE_URL=fake.base_url, ANTHROPIC_API_KEY="")
                try:
                    print(f"streaming, zero-latency fake LLM: {stream_turns} turns …", flush=True)
                    meter = Meter({"daphne": site.daphne.process.pid, "worker": worker.process.pid})
                    results["streaming"] = streaming(site.daphne.port, site.key, fake, stream_turns, meter)
                finally:
                    stop(worker.process)
                gap = results["streaming"]["llm_first_token_to_widget_ms"]
                if gap:
                    print(f"  LLM first token → widget first token: p50 {gap['p50']:.1f} ms, p95 {gap['p95']:.1f} ms")
                cpu = results["streaming"]["per_turn"]["cpu_ms"]
                print("  CPU ms per streamed turn (one guest): " + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()))
    finally:
        fake.stop()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    if args.sql_log:
        print(f"statements of each process: {COUNT_DIR}/<pid>.sql")


if __name__ == "__main__":
    main()
