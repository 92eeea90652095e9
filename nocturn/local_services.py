"""Where the embedded development services listen, when no DATABASE_URL / REDIS_URL is set.

Settings build their development defaults from here; devtools/devstack.py starts PostgreSQL and
Redis at these places. Pure functions of the environment (with `.env` read in, see `read_dotenv`) and the
checkout: reading them starts nothing.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import environ

REPO_ROOT = Path(__file__).resolve().parent.parent
DATABASE_NAME = "nocturn"
DEFAULT_REDIS_PORT = 6390
# A Unix socket path must stay under 108 bytes; PostgreSQL appends "/.s.PGSQL.5432".
MAX_SOCKET_DIR_LENGTH = 80


def read_dotenv(path: Path | None = None) -> None:
    """The checkout's `.env` into the environment, as Django's settings read it (django-environ; a variable
    already set wins). Done on import, so the dev stack (`make run`, `make test`, `make stop`) finds the
    ports and the data folder that `.env` names before anything is started. `NOCTURN_DOTENV` names another file."""
    path = path or Path(os.environ.get("NOCTURN_DOTENV") or REPO_ROOT / ".env")
    if path.exists():
        environ.Env.read_env(path, overwrite=False)


read_dotenv()


def data_dir() -> Path:
    """The git-ignored folder holding the embedded services' data.

    A CI clone can sit deep in the file system; past the socket limit we move the data to a
    short path derived from the repository path, so two clones never share it.
    """
    configured = os.environ.get("NOCTURN_DATA_DIR")
    if configured:
        return Path(configured).resolve()
    local = REPO_ROOT / ".data"
    if len(str(local / "pg")) <= MAX_SOCKET_DIR_LENGTH:
        return local
    digest = hashlib.sha256(str(REPO_ROOT).encode()).hexdigest()[:12]
    return Path("/tmp") / f"nocturn-{digest}"  # noqa: S108 - short on purpose, unique per clone


def pg_dir() -> Path:
    return data_dir() / "pg"


def redis_port() -> int:
    return int(os.environ.get("NOCTURN_REDIS_PORT", DEFAULT_REDIS_PORT))


def default_database_url(database: str = DATABASE_NAME) -> str:
    return f"postgresql://postgres@/{database}?host={pg_dir()}"


def default_redis_url(db: int = 0) -> str:
    return f"redis://127.0.0.1:{redis_port()}/{db}"
