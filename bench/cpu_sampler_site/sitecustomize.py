"""Loaded by Python at start-up when this directory is on PYTHONPATH (bench/turn_throughput.py --cpu-profile):
starts bench/cpu_sampler.py in the bench's daphne and Celery worker, nowhere else."""

import os
import sys

_program = [os.path.basename(a) for a in sys.orig_argv[:3]]  # `python -m nocturn.serve …`, `python -m celery …`
if os.environ.get("NOCTURN_CPU_SAMPLE_DIR") and _program[1:3] in (["-m", "nocturn.serve"], ["-m", "celery"]):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from bench import cpu_sampler

    cpu_sampler.install()
