"""The widget's message POST and its conversation start served straight from ASGI: the same doors as the views,
without Django's handler.

A guest's every message is one `POST /api/v1/conversations/{id}/messages`, every conversation starts with one
`POST /api/v1/conversations`. Through Django it cost, beside
the door's own work (token, key, throttle, store, enqueue), a new thread per request (asgiref), the whole
middleware chain (sessions, auth, CSRF, CSP, messages, axes) and django-tenants' domain lookup, one SELECT
per request for the public host. This app answers those POSTs from a few long-lived threads instead, with
the views' own code (`api.post_message_reply`, `api.start_reply`: the same checks in the same order, the same
statuses, bodies and CORS headers, the message stored and its turn enqueued before the 202, the conversation
stored before the 201), adding the headers the middleware would (request id, the security headers, the
content security policy).

Only the ordinary request is taken; anything the middleware would treat differently goes to Django
unchanged: a query string (the input boundary checks it), a host that is not the public one (checked
against ALLOWED_HOSTS, then the public schema's domains, cached `HOST_CACHE_SECONDS`), a plain-HTTP
request where HTTPS is enforced, a body over the door's limit (replayed to Django as received).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import structlog
from asgiref.sync import sync_to_async
from csp.constants import HEADER as CSP_HEADER
from csp.constants import HEADER_REPORT_ONLY as CSP_HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections, connection, connections
from django.http.request import HttpHeaders, split_domain_port, validate_host
from django_tenants.utils import get_public_schema_name, remove_www
from opentelemetry import propagate, trace

from conversations.widget import api
from core import telemetry
from core.logging import REQUEST_ID_HEADER
from core.metrics import http_request_duration
from properties.models import Domain

log = structlog.get_logger(__name__)

PATH = re.compile(r"/api/v1/conversations/([0-9]+)/messages")
ROUTE = "api/v1/conversations/<int:conversation_id>/messages"  # as the view's metrics and spans name it
START_PATH = "/api/v1/conversations"
START_ROUTE = "api/v1/conversations"
THREADS = 4  # each holds at most one database connection at a time (from the web process's pool)
HOST_CACHE_SECONDS = 10.0

ASGIApp = Callable[[dict[str, Any], Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]


class AsgiCaller:
    """What the door reads of the request, built as Django's `ASGIRequest` builds it (META, headers)."""

    def __init__(self, scope: dict[str, Any], body: bytes) -> None:
        meta: dict[str, Any] = {}
        if scope.get("client"):
            meta["REMOTE_ADDR"] = scope["client"][0]
        for raw_name, raw_value in scope.get("headers") or []:
            name = raw_name.decode("latin1")
            if name == "content-length":
                corrected = "CONTENT_LENGTH"
            elif name == "content-type":
                corrected = "CONTENT_TYPE"
            else:
                corrected = "HTTP_" + name.upper().replace("-", "_")
            value = raw_value.decode("latin1")
            meta[corrected] = f"{meta[corrected]},{value}" if corrected in meta else value
        self.method = "POST"
        self.path = scope["path"]
        self.META = meta
        self.headers = HttpHeaders(meta)
        self.body = body


class WidgetMessageApp:
    """ASGI middleware: the widget's message POST handled here, anything else passed to `app`."""

    def __init__(self, app: ASGIApp, threads: int = THREADS) -> None:
        self.app = app
        self._threads = threads
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="widget-post")
        # asgiref's hand-off, not the loop's: the thread then knows this event loop (a channel layer that cannot
        # send from a thread, `core.layer.send_group`, uses it), and the span and request id travel with the
        # context. Built once: asgiref's wrapper inspects the function and copies its attributes when made.
        self._serve = sync_to_async(_serve, thread_sensitive=False, executor=self._executor)
        self._hosts: dict[str, tuple[float, bool]] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        door = (
            _door(scope["path"])
            if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("query_string")
            else None
        )
        if door is None or not await self._ours(scope):
            await self.app(scope, receive, send)
            return
        chunks, ended, complete = await _read_body(receive, api.MAX_BODY_BYTES)
        if not complete:  # over the limit (or cut short): Django answers it, from the bytes read so far
            await self.app(scope, _replaying(chunks, ended, receive), send)
            return
        caller = AsgiCaller(scope, b"".join(chunks))
        route, reply = door
        started, status = time.perf_counter(), 500
        try:
            with _server_span(caller, route) as span:
                status, headers, body = await self._serve(caller, reply, _secure(scope, caller))
                span.set_attribute("http.response.status_code", status)
        finally:
            metric = http_request_duration.labels(route=route, method="POST", status=str(status), site="public")
            metric.observe(time.perf_counter() - started)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _ours(self, scope: dict[str, Any]) -> bool:
        """True when Django would serve this request on the public host, over the scheme it requires."""
        host = _host(scope)
        if host is None:
            return False
        if settings.SECURE_SSL_REDIRECT and not _secure(scope, None):
            return False  # Django redirects it to HTTPS
        cached = self._hosts.get(host)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        loop = asyncio.get_running_loop()
        public = await loop.run_in_executor(self._executor, _is_public_host, host)
        self._hosts[host] = (time.monotonic() + HOST_CACHE_SECONDS, public)
        return public

    def clear_cache(self) -> None:
        self._hosts.clear()

    def close(self) -> None:
        """Close every thread's database connection and stop the threads (tests; process exit does it)."""
        together = threading.Barrier(self._threads)  # one call per thread: each waits for the others

        def close_here() -> None:
            together.wait(timeout=10)
            connections.close_all()

        for done in [self._executor.submit(close_here) for _ in range(self._threads)]:
            done.result()
        self._executor.shutdown()


Door = Callable[[AsgiCaller], api.Reply]


def _door(path: str) -> tuple[str, Door] | None:
    """The route (as the views' metrics and spans name it) and the door of a path this app serves, or None."""
    if path == START_PATH:
        return START_ROUTE, api.start_reply
    match = PATH.fullmatch(path)
    if match is None:
        return None
    conversation_id = int(match.group(1))
    return ROUTE, lambda caller: api.post_message_reply(caller, conversation_id)


def _server_span(caller: AsgiCaller, route: str) -> Any:
    """The server span Django's instrumentation would give the view (the webhook's fast path does the
    same), so a guest turn's trace still runs from this request into the Celery task."""
    context = propagate.extract(caller.headers)  # the caller's traceparent, read case-insensitively
    return telemetry.tracer.start_as_current_span(f"POST {route}", context=context, kind=trace.SpanKind.SERVER)


def _serve(caller: AsgiCaller, door: Door, secure: bool) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The door on one of this app's threads, bracketed as Django brackets a request."""
    incoming = caller.headers.get(REQUEST_ID_HEADER, "")
    request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id, property=get_public_schema_name())
    close_old_connections()  # request_started: drop a connection Django would not reuse
    try:
        connection.set_schema_to_public()
        reply = door(caller)
        status, body = reply.status, json.dumps(reply.body, cls=DjangoJSONEncoder).encode()
        extra = reply.headers
    except Exception:  # a failure of ours: 500, as Django answers an unhandled error (the guest retries)
        log.exception("widget_message_failed")
        status, body, extra = 500, b'{"error": "Server error; try again."}', {}
    finally:
        close_old_connections()  # request_finished: the connection goes back to the pool
    headers = {
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        **extra,
        **_security_headers(secure, caller.path),
        REQUEST_ID_HEADER: request_id,
    }
    return status, [(name.encode("latin1"), value.encode("latin1")) for name, value in headers.items()], body


def _security_headers(secure: bool, path: str) -> dict[str, str]:
    """What SecurityMiddleware, CSPMiddleware and XFrameOptionsMiddleware add to the view's JSON answer."""
    headers: dict[str, str] = {}
    for name, setting, report_only in (
        (CSP_HEADER, "CONTENT_SECURITY_POLICY", False),
        (CSP_HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
    ):
        policy = build_policy(report_only=report_only)
        excluded = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())
        if policy and not path.startswith(excluded):
            headers[name] = policy
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers["X-Content-Type-Options"] = "nosniff"
    if settings.SECURE_REFERRER_POLICY:
        headers["Referrer-Policy"] = settings.SECURE_REFERRER_POLICY
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers["Cross-Origin-Opener-Policy"] = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
    if secure and settings.SECURE_HSTS_SECONDS:
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
        headers["Strict-Transport-Security"] = hsts
    headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    return headers


def _host(scope: dict[str, Any]) -> str | None:
    """The host name django-tenants routes by, or None where Django's own host handling must answer."""
    if getattr(settings, "USE_X_FORWARDED_HOST", False):
        return None
    values = [v for k, v in scope.get("headers") or [] if k == b"host"]
    if len(values) != 1:
        return None
    raw = values[0].decode("latin1")
    domain, _port = split_domain_port(raw)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    return remove_www(raw.split(":")[0])


def _secure(scope: dict[str, Any], caller: AsgiCaller | None) -> bool:
    """`request.is_secure()`: the scheme, or the proxy's header when SECURE_PROXY_SSL_HEADER names one."""
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if proxy:
        header, expected = proxy
        meta = caller.META if caller is not None else AsgiCaller(scope, b"").META
        if header in meta:
            return meta[header].split(",", 1)[0].strip() == expected
    return scope.get("scheme") == "https"


def _is_public_host(host: str) -> bool:
    """Django serves the public URL conf here: the host is a public domain, or no domain and not a
    property's name under BASE_DOMAIN (`properties.middleware.PropertyHostMiddleware`)."""
    close_old_connections()
    try:
        connection.set_schema_to_public()
        schema = Domain.objects.filter(domain=host).values_list("tenant__schema_name", flat=True).first()
    finally:
        close_old_connections()
    if schema is not None:
        return schema == get_public_schema_name()
    return not host.endswith(f".{settings.BASE_DOMAIN}")


async def _read_body(receive: Any, limit: int) -> tuple[list[bytes], bool, bool]:
    """(the chunks read, whether the body ended, whether it is whole and within `limit`)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return chunks, False, False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        ended = not message.get("more_body", False)
        if size > limit:
            return chunks, ended, False
        if ended:
            return chunks, True, True


def _replaying(chunks: list[bytes], ended: bool, receive: Any) -> Callable[[], Awaitable[dict]]:
    """A `receive` that gives Django what was read already (as one chunk), then the rest of the stream."""
    pending = [{"type": "http.request", "body": b"".join(chunks), "more_body": not ended}]

    async def replay() -> dict:
        return pending.pop() if pending else await receive()

    return replay
