"""CPU-time stack sampling of a running process, every thread, weighted by the CPU each thread used.

py-spy samples wall time: on a busy shared machine a thread waiting for a core, the GIL or a socket counts as
busy, so its shares say little about CPU (docs/perf/README.md, item 7). This sampler is driven by the CPU the
process itself consumes: `ITIMER_PROF` fires every `INTERVAL` of process CPU time (user + system, all
threads), and the handler charges each thread's CPU since the previous sample (its own CPU clock,
`pthread_getcpuclockid`) to that thread's current Python stack. A thread that used no CPU since the last
sample is not charged, whatever it is blocked in; a thread running C (the embedding, psycopg's parsing) is
charged to the Python frame that called it.

Switched on for the bench's daphne and worker by `bench/turn_throughput.py --cpu-profile DIR` (through
`bench/cpu_sampler_site/sitecustomize.py` on `PYTHONPATH`); each process, and each forked pool process,
writes `DIR/<name>-<pid>.folded` (collapsed stacks, microseconds of CPU per stack) every few seconds and at
exit. `python bench/cpu_sampler.py DIR` sums them into a table by function, self and inclusive.

A bench tool, never imported by the application.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path

DIR_ENV = "NOCTURN_CPU_SAMPLE_DIR"
INTERVAL = 0.003  # seconds of process CPU between samples
FLUSH_EVERY = 2.0  # seconds of wall time between writes of the file

_stacks: Counter[str] = Counter()
_last_cpu: dict[int, float] = {}
_state: dict[str, object] = {"flushed": 0.0, "phase": "before", "busy": False}  # before the window, in it, after it


def _thread_cpu(ident: int) -> float | None:
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(ident))
    except (OSError, OverflowError):  # the thread has ended
        return None


def _stack(frame: object) -> str:
    names = []
    while frame is not None:
        code = frame.f_code  # type: ignore[attr-defined]
        names.append(f"{code.co_name} ({_short(code.co_filename)}:{code.co_firstlineno})")
        frame = frame.f_back  # type: ignore[attr-defined]
    return ";".join(reversed(names))


def _short(path: str) -> str:
    for marker in ("site-packages/", "/lib/python3"):
        if marker in path:
            return path.split(marker, 1)[1]
    root = str(Path(__file__).resolve().parent.parent) + "/"
    return path.removeprefix(root)


def _sample(signum: int, frame: object) -> None:
    if _state["busy"]:  # the next SIGPROF can arrive while this handler runs: it would nest without end
        return
    _state["busy"] = True
    try:
        if _in_window():
            _take(frame)
    finally:
        _state["busy"] = False


def _take(interrupted: object) -> None:
    names = {t.ident: t.name for t in threading.enumerate()}
    frames = sys._current_frames()
    frames[threading.get_ident()] = interrupted  # this thread's own stack is the handler's: take what it interrupted
    for ident, top in frames.items():
        cpu = _thread_cpu(ident)
        if cpu is None:
            continue
        used = cpu - _last_cpu.get(ident, cpu)
        _last_cpu[ident] = cpu
        if used > 0:
            thread = names.get(ident, "?").split("-")[0].split(" ")[0]
            _stacks[f"[{thread}];{_stack(top)}"] += round(used * 1e6)
    now = time.monotonic()
    if now - _state["flushed"] > FLUSH_EVERY:  # type: ignore[operator]
        _flush()


def _in_window() -> bool:
    """Only the bench's measured window counts (start-up imports and warm-up do not): it marks the window's
    start and end with the files `window` and `done` in the directory."""
    directory = os.environ[DIR_ENV]
    if _state["phase"] == "before" and os.path.exists(f"{directory}/window"):
        _state["phase"] = "in"
        _last_cpu.clear()
    elif _state["phase"] == "in" and os.path.exists(f"{directory}/done"):
        _state["phase"] = "after"
        _flush()
    return _state["phase"] == "in"


def _flush() -> None:
    _state["flushed"] = time.monotonic()
    directory = Path(os.environ[DIR_ENV])
    name = "celery" if "celery" in sys.orig_argv[:3] else Path(sys.orig_argv[1]).name
    target = directory / f"{name}-{os.getpid()}.folded"
    temporary = target.with_suffix(".tmp")
    temporary.write_text("".join(f"{stack} {weight}\n" for stack, weight in _stacks.items()))
    temporary.replace(target)


def _arm() -> None:
    _stacks.clear()
    _state["phase"] = "before"
    _last_cpu.clear()
    _state["flushed"] = time.monotonic()
    signal.signal(signal.SIGPROF, _sample)
    signal.setitimer(signal.ITIMER_PROF, INTERVAL, INTERVAL)


def install() -> None:
    """Start sampling this process (and re-start in each child it forks) if `DIR_ENV` is set."""
    if not os.environ.get(DIR_ENV):
        return
    _arm()
    os.register_at_fork(after_in_child=_arm)  # timers are not inherited by a forked child
    atexit.register(lambda: _state["phase"] == "before" or _flush())


def table(directory: Path, top: int = 40) -> str:
    """Self and inclusive CPU by function over every `.folded` file in `directory`, per process name."""
    out = []
    groups: dict[str, list[Path]] = {}
    for path in sorted(directory.glob("*.folded")):
        groups.setdefault(path.stem.rsplit("-", 1)[0], []).append(path)
    for name, paths in groups.items():
        own: Counter[str] = Counter()
        inclusive: Counter[str] = Counter()
        total = 0
        for path in paths:
            for line in path.read_text().splitlines():
                stack, _, weight_text = line.rpartition(" ")
                weight = int(weight_text)
                frames = stack.split(";")
                total += weight
                own[frames[-1]] += weight
                for frame in set(frames):
                    inclusive[frame] += weight
        out.append(f"## {name} ({len(paths)} processes, {total / 1e6:.2f} s of CPU sampled)\n")
        for title, counter in (("self", own), ("inclusive", inclusive)):
            out.append(f"\n{title}:\n")
            for frame, weight in counter.most_common(top):
                out.append(f"  {100 * weight / max(total, 1):5.1f} %  {frame}\n")
        out.append("\n")
    return "".join(out)


if __name__ == "__main__":
    print(table(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 40))
