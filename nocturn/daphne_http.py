"""Daphne's HTTP server (Twisted) without work it does per request for nothing of ours."""

from __future__ import annotations

import functools

from twisted.web import http as twisted_http


def keep_content_types_parsed() -> None:
    """Twisted reads every POST's Content-Type with the e-mail package's header parser (~0.2 ms a request, and
    garbage to collect) only to see whether the body is a form for `request.args`, which daphne never reads.
    The reading is a function of the header's bytes alone: kept per value (the widget sends one)."""
    parse = twisted_http._parseContentType
    if not hasattr(parse, "cache_info"):
        twisted_http._parseContentType = functools.lru_cache(maxsize=64)(parse)
