"""`python -m core.metrics.exporter`: the event metrics of a host that runs only Celery workers.

Worker pool processes write their figures (guest-turn stages, LLM tokens and cost, sends) to
`PROMETHEUS_MULTIPROC_DIR`; on a web host daphne's `/metrics` adds them up. A worker-only host has
no daphne, so this small server does it: `GET /metrics` with the same bearer `METRICS_TOKEN`,
on `METRICS_EXPORTER_ADDR`:`METRICS_EXPORTER_PORT` (default 127.0.0.1:9464). State metrics
(queue, outbox, dead letters…) are not repeated here: the web hosts report them.
"""

from __future__ import annotations

import argparse
import hmac
import os
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


def app(token: str, directory: str) -> Callable[[Environ, StartResponse], Iterable[bytes]]:
    def serve(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/metrics" or environ.get("REQUEST_METHOD") != "GET":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        presented = environ.get("HTTP_AUTHORIZATION", "")
        if not (
            token and presented.startswith("Bearer ") and hmac.compare_digest(presented[7:].encode(), token.encode())
        ):
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")])
            return [b"authentication required\n"]
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [generate_latest(registry)]

    return serve


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # the stdlib's name
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addr", default=os.environ.get("METRICS_EXPORTER_ADDR", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("METRICS_EXPORTER_PORT", "9464")))
    args = parser.parse_args(argv)
    directory, token = os.environ.get("PROMETHEUS_MULTIPROC_DIR", ""), os.environ.get("METRICS_TOKEN", "")
    if not directory or not token:
        parser.error("PROMETHEUS_MULTIPROC_DIR and METRICS_TOKEN must be set")
    with make_server(args.addr, args.port, app(token, directory), handler_class=_QuietHandler) as server:
        print(f"serving {directory} at http://{args.addr}:{args.port}/metrics", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
