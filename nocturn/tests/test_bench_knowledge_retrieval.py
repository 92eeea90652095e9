"""bench/knowledge_retrieval.py times the production statements: it must pass every parameter they name."""

from __future__ import annotations

import re

import numpy as np

from bench.knowledge_retrieval import DIM, vector_params
from knowledge.services.retrieval import _TEXT_SQL, _VECTOR_SQL


def test_the_bench_passes_every_parameter_of_the_vector_and_full_text_statements() -> None:
    params = {**vector_params(np.zeros(DIM, dtype=np.float32), 100), "tsq": "w1 & w2"}
    for sql in (_VECTOR_SQL, _TEXT_SQL):
        named = set(re.findall(r"%\((\w+)\)s", sql))
        assert named, "the statement names its parameters"
        assert named <= params.keys(), f"missing: {sorted(named - params.keys())}"
