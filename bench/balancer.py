"""A small local TCP load balancer for the scale-out benchmark: round-robin over daphne processes.

    .venv/bin/python bench/balancer.py --port 8000 --backend 127.0.0.1:8001 --backend 127.0.0.1:8002

It works on TCP connections, not on HTTP requests: each accepted connection goes to the next backend
in turn and its bytes are copied both ways until either side closes. A keep-alive HTTP connection
therefore stays on one daphne, and a websocket (an HTTP upgrade on that same connection) passes
untouched, which is what a production balancer does with `Upgrade` passed through and no sticky
sessions (docs/scaling.md). A backend that refuses the connection is skipped for the next one; when
all refuse, the client's connection is closed. It runs as a process of its own so that its CPU is
measured apart from daphne's and the load generator's; only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import signal

CHUNK = 64 * 1024


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until end of stream, then half-close the other side (an HTTP client may still be reading)."""
    try:
        while chunk := await reader.read(CHUNK):
            writer.write(chunk)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


class Balancer:
    def __init__(self, backends: list[tuple[str, int]]) -> None:
        self.backends = backends
        self._next = itertools.cycle(range(len(backends)))
        self.connections = [0] * len(backends)  # accepted per backend, for the log line at exit

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        for _ in range(len(self.backends)):
            index = next(self._next)
            host, port = self.backends[index]
            try:
                pair = await asyncio.open_connection(host, port)
            except OSError:
                continue  # that daphne is down: the next one
            self.connections[index] += 1
            return pair
        return None

    async def handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        upstream = await self._connect()
        if upstream is None:
            client_writer.close()
            return
        server_reader, server_writer = upstream
        try:
            await asyncio.gather(_pipe(client_reader, server_writer), _pipe(server_reader, client_writer))
        finally:
            for writer in (server_writer, client_writer):
                writer.close()
                with contextlib.suppress(ConnectionError, OSError):
                    await writer.wait_closed()


def _backend(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if host not in ("127.0.0.1", "localhost"):
        raise argparse.ArgumentTypeError("backends are on 127.0.0.1 only")
    return "127.0.0.1", int(port)


async def serve(port: int, backends: list[tuple[str, int]]) -> None:
    balancer = Balancer(backends)
    server = await asyncio.start_server(balancer.handle, "127.0.0.1", port, backlog=1024)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    print(f"balancing 127.0.0.1:{port} over {', '.join(f'{h}:{p}' for h, p in backends)}", flush=True)
    async with server:
        await stopped.wait()
    print(f"connections per backend: {balancer.connections}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--backend", type=_backend, action="append", required=True, help="127.0.0.1:PORT")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.backend))


if __name__ == "__main__":
    main()
