"""`.env` is read the same way by Django's settings and by the dev stack (`make run`, `make test`, `make stop`):
its values fill what the environment leaves unset, and the environment wins."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from nocturn.local_services import REPO_ROOT

PROBE = (
    "import os; from nocturn.local_services import redis_port, data_dir; "
    "from devtools import devstack; print(redis_port(), data_dir(), os.environ.get('PORT'))"
)


def _probe(tmp_path: Path, **environment: str) -> list[str]:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"NOCTURN_REDIS_PORT=6999\nNOCTURN_DATA_DIR={tmp_path / 'data'}\nPORT=8123\n")
    env = {k: v for k, v in os.environ.items() if k not in {"NOCTURN_REDIS_PORT", "NOCTURN_DATA_DIR", "PORT"}}
    env |= {"NOCTURN_DOTENV": str(dotenv), **environment}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.split()


def test_the_dev_stack_takes_ports_and_folders_from_dotenv(tmp_path: Path) -> None:
    assert _probe(tmp_path) == ["6999", str(tmp_path / "data"), "8123"]


def test_the_environment_wins_over_dotenv(tmp_path: Path) -> None:
    assert _probe(tmp_path, NOCTURN_REDIS_PORT="7001", PORT="9000")[::2] == ["7001", "9000"]
