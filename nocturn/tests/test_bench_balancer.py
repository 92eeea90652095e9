"""bench/balancer.py, the scale-out benchmark's load balancer: round-robin per connection, websockets pass."""

from __future__ import annotations

import asyncio

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

from bench.balancer import Balancer
from testsupport.http import free_port


async def _named_echo(name: bytes) -> tuple[asyncio.Server, int]:
    """A backend that answers every connection with its name, then echoes until the client half-closes."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(name + b":")
        while chunk := await reader.read(1024):
            writer.write(chunk)
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _through(port: int, payload: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(payload)
    writer.write_eof()  # the balancer passes the half-close on: the backend stops reading, then closes
    answer = await asyncio.wait_for(reader.read(), timeout=5)
    writer.close()
    return answer


def test_connections_go_round_robin_and_bytes_pass_both_ways_and_a_dead_backend_is_skipped() -> None:
    async def scenario() -> tuple[list[bytes], list[int]]:
        a, port_a = await _named_echo(b"a")
        b, port_b = await _named_echo(b"b")
        dead = free_port()  # nobody listens: refused, so the next backend takes the connection
        balancer = Balancer([("127.0.0.1", port_a), ("127.0.0.1", dead), ("127.0.0.1", port_b)])
        front = await asyncio.start_server(balancer.handle, "127.0.0.1", 0)
        port = front.sockets[0].getsockname()[1]
        try:
            answers = [await _through(port, b"x" * 100_000 + bytes([i])) for i in range(4)]
        finally:
            for server in (front, a, b):
                server.close()
        return answers, balancer.connections

    answers, per_backend = asyncio.run(scenario())
    assert [answer[:2] for answer in answers] == [b"a:", b"b:", b"a:", b"b:"]
    assert all(answer[2:] == b"x" * 100_000 + bytes([i]) for i, answer in enumerate(answers))
    assert per_backend == [2, 0, 2]


def test_a_websocket_passes_through_untouched() -> None:
    async def scenario() -> list[str]:
        async def echo(socket) -> None:
            async for message in socket:
                await socket.send(f"echo {message}")

        async with serve(echo, "127.0.0.1", 0) as backend:
            backend_port = next(iter(backend.sockets)).getsockname()[1]
            balancer = Balancer([("127.0.0.1", backend_port)])
            front = await asyncio.start_server(balancer.handle, "127.0.0.1", 0)
            port = front.sockets[0].getsockname()[1]
            try:
                async with connect(f"ws://127.0.0.1:{port}/ws/guest/1/") as socket:
                    replies = []
                    for text in ("one", "two"):
                        await socket.send(text)
                        replies.append(await asyncio.wait_for(socket.recv(), timeout=5))
            finally:
                front.close()
            return replies

    assert asyncio.run(scenario()) == ["echo one", "echo two"]
