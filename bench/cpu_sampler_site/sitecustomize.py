"""Loaded by Python at start-up when this directory is on PYTHONPATH (bench/turn_throughput.py --cpu-profile):
starts bench/cpu_sampler.py in the bench's daphne and Celery worker, nowhere else."""

import os
import sys

_program = [os.path.basename(a) for a in sys.orig_argv[:3]]  # `daphne …`, `python -m celery …`
if os.environ.get("NOCTURN_CPU_SAMPLE_DIR") and ("daphne" in _program[1:2] or _program[1:3] == ["-m", "celery"]):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from bench import cpu_sampler

    cpu_sampler.install()
