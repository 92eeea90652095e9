"""Daphne's Twisted with the Content-Type reading kept per value (nocturn/daphne_http.py)."""

from __future__ import annotations

from twisted.web import http as twisted_http

from nocturn.daphne_http import keep_content_types_parsed, skip_discarded_request_lines

HEADERS = [b"application/json", b"application/json; charset=utf-8", b"Application/X-WWW-Form-Urlencoded", b"", b"\xff;"]


def test_the_kept_reading_is_twisteds_and_parses_each_value_once(monkeypatch) -> None:
    parse = twisted_http._parseContentType
    if hasattr(parse, "cache_info"):  # kept already in this process (daphne's asgi imported)
        parse = parse.__wrapped__
    monkeypatch.setattr(twisted_http, "_parseContentType", parse)
    calls: list[bytes] = []

    def counted(line: bytes) -> bytes:
        calls.append(line)
        return parse(line)

    monkeypatch.setattr(twisted_http, "_parseContentType", counted)
    keep_content_types_parsed()
    keep_content_types_parsed()  # twice (asgi imported again): still one cache
    kept = twisted_http._parseContentType
    assert [kept(h) for h in HEADERS * 3] == [parse(h) for h in HEADERS] * 3
    assert calls == HEADERS  # each value read once
    assert kept(b"application/json") == b"application/json"


def test_twisteds_request_line_is_built_only_where_daphne_keeps_twisteds_log() -> None:
    from types import SimpleNamespace

    from daphne.http_protocol import HTTPFactory

    skip_discarded_request_lines()
    skip_discarded_request_lines()  # twice (asgi imported again): Twisted's own log kept once, not wrapped twice
    lines: list[str] = []
    factory = HTTPFactory(SimpleNamespace(verbosity=1))  # daphne's default: Twisted's log goes nowhere
    factory._logFile = SimpleNamespace(write=lines.append)
    factory._logFormatter = lambda when, request: f"{request} at {when}"
    factory._logDateTime = "now"
    factory.log("GET /")
    assert lines == []
    factory.server.verbosity = 2  # `-v 2`: daphne passes Twisted's log on to Python's logging
    factory.log("GET /")
    assert lines == ["GET / at now\n"]
