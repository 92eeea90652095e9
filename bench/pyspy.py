"""Profiling mode of the benchmarks: py-spy sampling the real daphne and Celery worker, one table each.

py-spy (a pinned requirement) attaches to a running process from outside, so the stack profiled is
exactly the one measured: no profiler hook inside daphne's event loop or the worker's pool processes,
and the pool processes are followed with `--subprocesses`. Each process gets a collapsed-stack file
(`<name>.folded`, the input format of flamegraph.pl and speedscope.app) and a sorted table
(`<name>.md`): on-CPU samples by package, then by function (self and inclusive). Idle threads are not
sampled, so the tables say where CPU time goes, not where requests wait.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

BIN_DIR = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def py_spy() -> str | None:
    """py-spy's binary: $PY_SPY, else the venv's, else the PATH's; None when it is not installed."""
    for candidate in (os.environ.get("PY_SPY", ""), str(BIN_DIR / "py-spy"), shutil.which("py-spy") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def record(name: str, pid: int, seconds: float, out_dir: Path, rate: int = 100) -> subprocess.Popen[bytes]:
    """Start sampling `pid` (and its children) for `seconds`; wait on the result, then call `write_table`."""
    binary = py_spy()
    if binary is None:
        raise RuntimeError("py-spy is not installed (pip install -r requirements.txt)")
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [binary, "record", "--pid", str(pid), "--rate", str(rate), "--duration", str(max(1, round(seconds)))]
    command += ["--format", "raw", "--output", str(out_dir / f"{name}.folded")]
    command += ["--subprocesses", "--nonblocking", "--full-filenames"]
    log = open(out_dir / f"{name}.py-spy.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)


def _area(path: str) -> str:
    """Which package a frame's file belongs to: a site-packages distribution, our top-level app, or stdlib."""
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    path = _short(path)
    if path.startswith("<"):
        return path
    if path.startswith("/"):
        return "(python stdlib)"
    return f"nocturn: {Path(path).parts[0]}"


def _frames(stack: str) -> list[tuple[str, str]]:
    frames = []
    for raw in stack.split(";"):
        match = FRAME.match(raw.strip())
        if match:  # "process 123:…" and thread roots have no (file) part
            frames.append((match["func"], match["file"]))
    return frames


def write_table(name: str, out_dir: Path, top: int = 30) -> str:
    """`<name>.md` from `<name>.folded`: samples by package and by function; returns the markdown."""
    self_fn: Counter[str] = Counter()
    incl_fn: Counter[str] = Counter()
    self_area: Counter[str] = Counter()
    incl_area: Counter[str] = Counter()
    total = 0
    folded = out_dir / f"{name}.folded"
    for line in folded.read_text(errors="replace").splitlines() if folded.exists() else []:
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = _frames(stack)
        if not frames:
            continue
        total += count
        leaf_func, leaf_file = frames[-1]
        self_fn[f"{leaf_func} ({_short(leaf_file)})"] += count
        self_area[_area(leaf_file)] += count
        for key in {f"{f} ({_short(p)})" for f, p in frames}:
            incl_fn[key] += count
        for key in {_area(p) for _, p in frames}:
            incl_area[key] += count

    def pct(n: int) -> str:
        return f"{100 * n / total:.1f} %" if total else "—"

    lines = [f"# py-spy: {name}", "", f"{total} on-CPU samples.", "", "## By package (self / inclusive)", ""]
    lines += ["| package | self | inclusive |", "|---|---:|---:|"]
    lines += [f"| {a} | {pct(n)} | {pct(incl_area[a])} |" for a, n in self_area.most_common(top)]
    lines += ["", "## By function, self time", "", "| function | self | inclusive |", "|---|---:|---:|"]
    lines += [f"| `{f}` | {pct(n)} | {pct(incl_fn[f])} |" for f, n in self_fn.most_common(top)]
    lines += ["", "## By function, inclusive time", "", "| function | inclusive | self |", "|---|---:|---:|"]
    lines += [f"| `{f}` | {pct(n)} | {pct(self_fn[f])} |" for f, n in incl_fn.most_common(top)]
    text = "\n".join(lines) + "\n"
    (out_dir / f"{name}.md").write_text(text)
    return text


def _short(path: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1]
    return path.removeprefix(f"{ROOT}/")
