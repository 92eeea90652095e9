"""The fast path's own Redis link for its LPUSHes (`fast_webhook._BrokerLink`), against a scripted Redis.

The real broker round is in test_fast_webhook.py (the message Celery would send, a broker out of reach);
here a fake server on 127.0.0.1 shows what the link writes and what it does when Redis misbehaves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from conversations.pipeline import fast_webhook
from conversations.pipeline.fast_webhook import BrokerRefused, _BrokerLink, _RedisPyBroker


class FakeRedis:
    """Reads RESP commands; answers each with `answer(command)` (bytes, or None to close the connection)."""

    def __init__(self, answer: Callable[[list[bytes]], bytes | None] | None = None) -> None:
        self.answer = answer or (lambda command: b":1\r\n" if command[0] == b"LPUSH" else b"+OK\r\n")
        self.commands: list[tuple[int, list[bytes]]] = []  # (connection number, command)
        self.connections = 0
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        self.writers.append(writer)
        try:
            while True:
                header = await reader.readuntil(b"\r\n")
                command = []
                for _ in range(int(header[1:-2])):
                    size = int((await reader.readuntil(b"\r\n"))[1:-2])
                    command.append((await reader.readexactly(size + 2))[:-2])
                self.commands.append((number, command))
                reply = self.answer(command)
                if reply is None:
                    break
                writer.write(reply)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    async def restart(self, down_for: float) -> None:
        """Redis restarting: its connections dropped, its port refusing for `down_for` seconds, then served again."""
        port = self.server.sockets[0].getsockname()[1]
        self.drop_connections()
        self.server.close()
        await self.server.wait_closed()
        await asyncio.sleep(down_for)
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", port)

    def drop_connections(self) -> None:
        """Redis restarting: every open connection closed from the server's side."""
        for writer in self.writers:
            writer.close()

    async def stop(self) -> None:
        self.drop_connections()
        self.server.close()
        await self.server.wait_closed()


def _run(scenario: Callable[[FakeRedis], Any], fake: FakeRedis | None = None) -> Any:
    async def wrapped() -> Any:
        redis = fake or FakeRedis()
        await redis.start()
        try:
            return await scenario(redis)
        finally:
            await redis.stop()

    return asyncio.run(wrapped())


def _link(redis: FakeRedis, url: str) -> _BrokerLink:
    port = redis.server.sockets[0].getsockname()[1]
    link = _BrokerLink.for_url(url.format(port=port))
    assert link is not None
    return link


def test_a_round_is_its_lpushes_in_one_write_on_the_urls_database_after_auth() -> None:
    async def scenario(redis: FakeRedis) -> list[tuple[int, list[bytes]]]:
        link = _link(redis, "redis://nocturn:s3cret@127.0.0.1:{port}/7")
        await link.lpush([("celery", b"message 1"), ("celery", b'{"second": "message"}')])
        await link.lpush([("other", b"message 3")])
        await link.close()
        return redis.commands

    assert _run(scenario) == [
        (1, [b"AUTH", b"nocturn", b"s3cret"]),
        (1, [b"SELECT", b"7"]),
        (1, [b"LPUSH", b"celery", b"message 1"]),
        (1, [b"LPUSH", b"celery", b'{"second": "message"}']),
        (1, [b"LPUSH", b"other", b"message 3"]),  # the same connection, no handshake again
    ]


def test_database_zero_without_a_password_needs_no_handshake() -> None:
    async def scenario(redis: FakeRedis) -> list[tuple[int, list[bytes]]]:
        link = _link(redis, "redis://127.0.0.1:{port}/0")
        await link.lpush([("celery", b"m")])
        await link.close()
        return redis.commands

    assert _run(scenario) == [(1, [b"LPUSH", b"celery", b"m"])]


def test_a_redis_restarted_between_rounds_gets_the_round_on_a_new_connection_once() -> None:
    async def scenario(redis: FakeRedis) -> list[tuple[int, list[bytes]]]:
        link = _link(redis, "redis://127.0.0.1:{port}/3")
        await link.lpush([("celery", b"before")])
        redis.drop_connections()
        await asyncio.sleep(0.05)  # the close reaches the link's idle connection
        await link.lpush([("celery", b"after")])
        await link.close()
        return redis.commands

    commands = _run(scenario)
    pushed = [(number, command[2]) for number, command in commands if command[0] == b"LPUSH"]
    assert pushed == [(1, b"before"), (2, b"after")]
    assert (2, [b"SELECT", b"3"]) in commands  # the new connection selected the database again


def test_a_round_waits_for_a_redis_that_is_restarting_instead_of_failing_at_once() -> None:
    async def scenario(redis: FakeRedis) -> list[tuple[int, bytes]]:
        link = _link(redis, "redis://127.0.0.1:{port}/0")
        await link.lpush([("celery", b"before")])
        restarting = asyncio.create_task(redis.restart(down_for=0.3))
        await asyncio.sleep(0.05)  # the connection is dropped and the port refuses
        await link.lpush([("celery", b"during the restart")])
        await restarting
        await link.close()
        return [(number, command[2]) for number, command in redis.commands]

    assert _run(scenario) == [(1, b"before"), (2, b"during the restart")]


def test_a_redis_that_stays_down_fails_the_round_within_the_broker_time_out(monkeypatch) -> None:
    monkeypatch.setattr(fast_webhook, "BROKER_TIMEOUT_SECONDS", 0.5)

    async def scenario(redis: FakeRedis) -> float:
        link = _link(redis, "redis://127.0.0.1:{port}/0")
        await redis.stop()
        started = asyncio.get_running_loop().time()
        with pytest.raises((ConnectionError, TimeoutError)):
            await link.lpush([("celery", b"m")])
        return asyncio.get_running_loop().time() - started

    assert 0.3 < _run(scenario) < 0.7  # it waited and tried again, and gave up when the time-out said so


def test_an_error_reply_fails_the_round_and_the_next_round_starts_afresh() -> None:
    refused = {"once": True}

    def answer(command: list[bytes]) -> bytes:
        if command[0] == b"LPUSH" and refused.pop("once", False):
            return b"-OOM command not allowed when used memory > 'maxmemory'\r\n"
        return b":1\r\n"

    async def scenario(redis: FakeRedis) -> list[tuple[int, bytes]]:
        link = _link(redis, "redis://127.0.0.1:{port}/0")
        with pytest.raises(BrokerRefused, match="OOM"):
            await link.lpush([("celery", b"refused")])
        await link.lpush([("celery", b"accepted")])
        await link.close()
        return [(number, command[2]) for number, command in redis.commands]

    assert _run(scenario, FakeRedis(answer)) == [(1, b"refused"), (2, b"accepted")]


def test_a_redis_that_does_not_answer_fails_the_round_within_the_broker_time_out(monkeypatch) -> None:
    monkeypatch.setattr(fast_webhook, "BROKER_TIMEOUT_SECONDS", 0.2)

    async def scenario(redis: FakeRedis) -> float:
        redis.answer = lambda command: b""  # reads, never answers
        link = _link(redis, "redis://127.0.0.1:{port}/0")
        started = asyncio.get_running_loop().time()
        with pytest.raises(TimeoutError):
            await link.lpush([("celery", b"m")])
        return asyncio.get_running_loop().time() - started

    assert _run(scenario) < 2.0


def test_a_broker_url_the_link_does_not_speak_keeps_redis_py(settings, monkeypatch) -> None:
    assert _BrokerLink.for_url("rediss://redis.example:6380/0") is None
    assert _BrokerLink.for_url("redis://127.0.0.1:6379/0?socket_keepalive=true") is None
    assert _BrokerLink.for_url("unix:///run/redis.sock?db=2") is not None
    settings.CELERY_BROKER_URL = "rediss://redis.example:6380/0"
    sent: list[list[tuple[str, bytes]]] = []

    async def lpush(self: Any, messages: list[tuple[str, bytes]]) -> None:
        sent.append(messages)

    monkeypatch.setattr(_RedisPyBroker, "lpush", lpush)
    monkeypatch.setattr(fast_webhook.durability, "wire_message", lambda *args, **kwargs: ("celery", b"m"))

    async def publish() -> type:
        app = fast_webhook.WhatsAppWebhookApp(FakeRedis())
        try:
            await app._publish_round({"schema": [1]})
            return type(app._broker)
        finally:
            await app.close()

    assert asyncio.run(publish()) is _RedisPyBroker
    assert sent == [[("celery", b"m")]]
