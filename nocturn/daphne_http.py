"""Daphne's HTTP server (Twisted) without work it does per request for nothing of ours."""

from __future__ import annotations

import functools
from typing import Any

from twisted.web import http as twisted_http


def keep_content_types_parsed() -> None:
    """Twisted reads every POST's Content-Type with the e-mail package's header parser (~0.2 ms a request, and
    garbage to collect) only to see whether the body is a form for `request.args`, which daphne never reads.
    The reading is a function of the header's bytes alone: kept per value (the widget sends one)."""
    parse = twisted_http._parseContentType
    if not hasattr(parse, "cache_info"):
        twisted_http._parseContentType = functools.lru_cache(maxsize=64)(parse)


def skip_discarded_request_lines() -> None:
    """Twisted's HTTP factory formats a combined-log line for every request (the date, the escaped request
    line, referrer and user agent) and emits it through Twisted's logging, which daphne points at nothing
    below `-v 2` (`daphne.server.Server.run`); daphne writes its own access line (`-v 1`, stdout) beside it.
    At the default verbosity the line was built to be thrown away: ~4 % of the webhook's daphne CPU a
    request. With `-v 2` or more, where daphne passes Twisted's log on to Python's, it is written as before."""
    from daphne.http_protocol import HTTPFactory

    if getattr(HTTPFactory.log, "_nocturn", False):
        return
    twisteds = HTTPFactory.log

    def log(self: Any, request: Any) -> None:
        server = getattr(self, "server", None)
        if server is None or getattr(server, "verbosity", 2) > 1:
            twisteds(self, request)

    log._nocturn = True  # type: ignore[attr-defined]
    HTTPFactory.log = log
