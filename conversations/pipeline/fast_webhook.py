"""The WhatsApp webhook's POST served straight from ASGI: verify, parse, store, enqueue, answer.

Meta expects a 200 within milliseconds and delivers every event at least once, so the request path
must be short and durable. Under daphne a Django view costs a thread hop, the whole middleware
chain (the tenant middleware's domain lookup included) and, without persistent connections, a
new PostgreSQL connection per request; that capped ingest at ~50 requests/s per process. This app
runs the same flow as `conversations.webhooks.whatsapp_webhook` (`pipeline.receive.whatsapp_flow`:
the same checks in the same order, the same answers) without those costs:

- the routing query runs on a small pool of autocommit connections kept open by this process, the
  inserts on the writer's own connection, driven through libpq on this event loop (`_Writer`); each
  event is one row of an `INSERT … ON CONFLICT DO NOTHING` (the view's statement, or its `unnest` form
  for several rows): a redelivery is a no-op;
- new rows are handed to Celery by LPUSHing their task messages (built by Celery, `durability.wire_message`)
  onto the broker's queue on this event loop's own Redis connection: one round trip per round of events,
  no kombu and no thread hop (kombu is synchronous and cost ≈ 0.8 ms of CPU per message); a lost
  enqueue leaves the row pending and the beat job re-enqueues it, so the guest's message is never lost;
- the database unreachable is a 503 (Meta retries); nothing is half-applied: an event is either
  stored (and acknowledged by the next delivery's no-op) or not.

Everything else under `/api/v1/webhook/whatsapp` (the GET verification, other methods) and every
other path goes to Django unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from django.conf import settings
from django.db import connections
from opentelemetry import propagate, trace

from conversations.pipeline import inbound, ratelimit, routing
from conversations.pipeline.receive import (
    MAX_BODY_BYTES,
    TOO_LARGE,
    UNAVAILABLE,
    Outcome,
    Row,
    refusal,
    whatsapp_flow,
)
from core import durability, telemetry
from core.metrics import http_request_duration

log = structlog.get_logger(__name__)

PATH = "/api/v1/webhook/whatsapp"
ROUTE = PATH.lstrip("/")  # the URL pattern, as the Django view's metrics and spans name it
POOL_MAX_SIZE = 8
MAX_PENDING_ENQUEUES = 10_000  # events awaiting their Celery message; beyond, beat's job
POOL_TIMEOUT_SECONDS = 3.0  # waiting longer than this for a connection: answer 503, Meta retries
BROKER_TIMEOUT_SECONDS = 2.0  # a publish that takes longer is given up: the rows wait for beat's requeue
# The waits between a round's attempts to reach a broker that refused or dropped it (1.55 s in all, inside the
# time-out above): a Redis restart is usually over within them.
BROKER_RECONNECT_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8)
# How long the publisher waits for more events before a round (see _enqueue_soon): at 200 msg/s a round
# then carries ~6 events instead of one (in process at 200/s, CPU per request 1.26 ms with no linger,
# 0.99 at 10 ms, 0.76 at 25 ms). The guest does not notice: a WhatsApp turn waits for its property's
# buffer window (3 s by default) anyway; the read receipt goes out this much later.
PUBLISH_LINGER_SECONDS = 0.025
SLOW_LOG_INTERVAL_SECONDS = 1.0  # at most one webhook_slow_request line per second per process (see _SlowLog)
OVER_CAPACITY = refusal(503, "over capacity: retry later")

ASGIApp = Callable[[dict[str, Any], Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]


def _conninfo() -> str:
    """The same database Django uses (the test database under pytest), as a libpq connection string."""
    from psycopg.conninfo import make_conninfo

    db = connections["default"].settings_dict
    parts: dict[str, str] = {
        # libpq's own options (a Unix socket directory given as ?host=… lands here, say); Django's are not.
        key: str(value)
        for key, value in (db.get("OPTIONS") or {}).items()
        if isinstance(value, str | int) and key not in _DJANGO_ONLY_OPTIONS
    }
    for key, setting in (
        ("dbname", "NAME"),
        ("user", "USER"),
        ("password", "PASSWORD"),
        ("host", "HOST"),
        ("port", "PORT"),
    ):
        if db.get(setting):
            parts[key] = str(db[setting])
    return make_conninfo(**parts, application_name="nocturn-webhook")


_DJANGO_ONLY_OPTIONS = {"isolation_level", "assume_role", "server_side_binding", "pool", "cursor_factory", "context"}


class WhatsAppWebhookApp:
    """ASGI middleware: the WhatsApp POST handled here, anything else passed to `app` (Django)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._pool: Any = None
        self._pool_lock: asyncio.Lock | None = None
        self._broker: Any = None  # _BrokerLink (or _RedisPyBroker) on CELERY_BROKER_URL, made on first use
        self._to_enqueue: list[tuple[str, int, contextvars.Context]] = []
        self._publisher: asyncio.Task | None = None
        self._to_write: list[tuple[list[Row], asyncio.Future]] = []
        self._writer: asyncio.Task | None = None
        self._write_connection: _Writer | None = None  # the writer task's own connection
        self._slow_log = _SlowLog()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != PATH:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        watch = _Stopwatch()
        if telemetry.tracing_enabled():
            # The same server span Django's instrumentation would give the view, so one trace still runs
            # from this request through the Celery tasks (the context travels with the task's headers).
            carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers") or []}
            with telemetry.tracer.start_as_current_span(
                f"POST {ROUTE}", context=propagate.extract(carrier), kind=trace.SpanKind.SERVER
            ) as span:
                outcome = await self.handle(scope, receive, watch)
                span.set_attribute("http.response.status_code", outcome.status)
        else:
            outcome = await self.handle(scope, receive, watch)
        took = time.perf_counter() - started
        # The request metric Django's middleware would record, so the request dashboards keep their route.
        _duration(outcome.status).observe(took)
        self._slow_log.record(took, watch.stages, outcome.status)
        body = outcome.content()
        await send(
            {
                "type": "http.response.start",
                "status": outcome.status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def handle(self, scope: dict[str, Any], receive: Any, watch: _Stopwatch | None = None) -> Outcome:
        """The request's outcome; `watch` gets the time spent in each stage (see _SlowLog)."""
        watch = watch or _Stopwatch()
        if ratelimit.shed_webhook((scope.get("client") or [None])[0]) is not None:  # optional hard ceiling
            return OVER_CAPACITY
        watch.lap("shed")
        raw = await _read_body(receive)
        watch.lap("read")
        if raw is None:
            return TOO_LARGE
        headers = dict(scope.get("headers") or [])
        signature = headers.get(b"x-hub-signature-256", b"").decode("latin-1") or None
        flow = whatsapp_flow(raw, signature)
        new_ids: list[tuple[str, int]] = []
        try:
            step = next(flow)
            while True:
                try:
                    watch.lap("parse")
                    if isinstance(step, routing.Query):
                        done = await self._with_connection(lambda conn, q=step: _fetchall(conn, q.sql, q.params))
                        watch.lap("route")
                    else:
                        new_ids = await self._store(step.rows)
                        watch.lap("store")
                        done = len(new_ids)
                except Exception:  # the database (or the pool) failed us: Meta must retry
                    log.exception("whatsapp_webhook_store_failed")
                    return UNAVAILABLE
                step = flow.send(done)
        except StopIteration as finished:
            outcome = finished.value
        if new_ids:
            await self._enqueue_soon(new_ids)
        return outcome

    async def _enqueue_soon(self, new_ids: list[tuple[str, int]]) -> None:
        """Hand the new rows to Celery without holding the answer for it.

        The rows are committed, so the acknowledgement is already true; an enqueue lost with the
        process leaves its row pending and the beat job re-enqueues it. Publishing a Celery message
        costs about a millisecond of CPU, more than the rest of the request, so one publisher
        drains what arrived while it was busy: one message per property per round (a single event
        goes as the ordinary `process_inbound`), and the cost per event falls as the load rises.
        It starts a round `PUBLISH_LINGER_SECONDS` after the first event, so that even at a steady
        moderate rate (a request every few milliseconds) a round carries more than one event.
        """
        context = contextvars.copy_context()  # the trace context travels with the task's headers
        for schema, event_id in new_ids:
            self._to_enqueue.append((schema, event_id, context))
        if len(self._to_enqueue) > MAX_PENDING_ENQUEUES:
            # Celery unreachable for a while: the rows wait in PostgreSQL for the beat job instead.
            log.warning("webhook_enqueue_backlog_dropped", events=len(self._to_enqueue))
            self._to_enqueue = self._to_enqueue[-MAX_PENDING_ENQUEUES:]
        if self._publisher is None or self._publisher.done():
            self._publisher = asyncio.create_task(self._publish_pending())

    async def _publish_pending(self) -> None:
        if PUBLISH_LINGER_SECONDS > 0:
            await asyncio.sleep(PUBLISH_LINGER_SECONDS)
        while self._to_enqueue:
            batch, self._to_enqueue = self._to_enqueue, []
            by_schema: dict[str, list[int]] = {}
            for schema, event_id, _ in batch:
                by_schema.setdefault(schema, []).append(event_id)
            # One request's trace when the round carries one request's events; a fresh context otherwise.
            contexts = {id(context) for _, _, context in batch}
            context = batch[0][2] if len(contexts) == 1 else contextvars.Context()
            await asyncio.create_task(self._publish_round(by_schema), context=context)

    async def _publish_round(self, by_schema: dict[str, list[int]]) -> None:
        """One task message per property (`inbound.inbound_task`), LPUSHed in one write: one round trip.

        Any failure is logged and swallowed: the rows are committed and stay pending, and the beat job's
        `inbound.requeue_stale` sends them again (after `STALE_INBOUND`), so nothing the guest sent is lost.
        """
        try:
            messages = [
                durability.wire_message(name, args=args, schema=schema, ignore_result=True)
                for schema, event_ids in by_schema.items()
                for name, args in [inbound.inbound_task(event_ids)]
            ]
            if self._broker is None:
                self._broker = _BrokerLink.for_url(settings.CELERY_BROKER_URL) or _RedisPyBroker(
                    settings.CELERY_BROKER_URL
                )
            await self._broker.lpush(messages)
        except Exception:
            log.exception("inbound_enqueue_failed", events={s: len(ids) for s, ids in by_schema.items()})

    async def _store(self, rows: list[Row]) -> list[tuple[str, int]]:
        """Store a request's rows; answers once they are committed, with the ids of the new ones.

        Group commit: rows of requests arriving while a write is in flight are written together in
        the next round, one multi-row INSERT per property, so under load one statement (and one WAL
        flush) serves many requests; alone, a request's rows are written at once.
        """
        if not rows:
            return []
        done: asyncio.Future[list[tuple[str, int]]] = asyncio.get_running_loop().create_future()
        self._to_write.append((rows, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())
        return await done

    async def _write_pending(self) -> None:
        while self._to_write:
            batch, self._to_write = self._to_write, []
            try:
                ids = await self._on_writer_connection(lambda writer, batch=batch: _insert_rounds(writer, batch))
            except Exception as exc:  # each waiting request answers 503 and Meta retries
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for (_rows, done), new_ids in zip(batch, ids, strict=True):
                if not done.done():
                    done.set_result(new_ids)

    async def _on_writer_connection(self, work: Callable[[Any], Awaitable[Any]]) -> Any:
        """Run `work` on the writer's own connection (`_Writer`); once more on a new one if it failed.

        Rounds are written one at a time (one writer task), so one connection serves them all. A connection
        that failed (a database restart broke it) is closed by the writer and the round retried once on a
        new one: re-running an INSERT … ON CONFLICT DO NOTHING is harmless.
        """
        if self._write_connection is None:
            self._write_connection = _Writer(_conninfo())
        for attempt in (1, 2):
            try:
                return await work(self._write_connection)
            except Exception:
                if attempt == 2:
                    raise
                log.warning("webhook_connection_broken_retrying")
        raise AssertionError("unreachable")

    async def _with_connection(self, work: Callable[[Any], Awaitable[Any]]) -> Any:
        """Run `work` on a pooled connection; once more on a fresh one if the first was broken.

        A database restart breaks every idle pooled connection; checking each before use would cost
        a round trip per request, so the first request to meet a dead one retries instead (the
        pool discards broken connections when they come back). Re-running an insert is harmless:
        ON CONFLICT makes a row that did commit a no-op, and a pending row is picked up by beat.
        """
        import psycopg
        from psycopg_pool import PoolTimeout

        pool = await self._get_pool()
        for attempt in (1, 2):
            try:
                async with pool.connection() as conn:
                    return await work(conn)
            except PoolTimeout:
                raise  # no connection to be had: waiting twice as long helps nobody
            except psycopg.OperationalError:
                if attempt == 2:
                    raise
                log.warning("webhook_connection_broken_retrying")
        raise AssertionError("unreachable")

    async def _get_pool(self) -> Any:
        if self._pool is not None:
            return self._pool
        if self._pool_lock is None:
            self._pool_lock = asyncio.Lock()
        async with self._pool_lock:
            if self._pool is None:
                from psycopg_pool import AsyncConnectionPool

                pool = AsyncConnectionPool(
                    _conninfo(),
                    min_size=1,
                    max_size=POOL_MAX_SIZE,
                    timeout=POOL_TIMEOUT_SECONDS,
                    kwargs={"autocommit": True},
                    open=False,
                )
                await pool.open(wait=False)
                self._pool = pool
        return self._pool

    async def close(self) -> None:
        """Close the pool (tests; daphne's process exit closes the sockets anyway)."""
        if self._publisher is not None:
            await self._publisher
        if self._broker is not None:
            await self._broker.close()
            self._broker = None
        if self._writer is not None:
            await self._writer
        if self._write_connection is not None:
            await self._write_connection.close()
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


class _BrokerLink:
    """The broker's Redis for the publisher's LPUSHes: one connection on this event loop, RESP written and read here.

    redis-py's asyncio pipeline cost ~0.6 M instructions a round in daphne (its pool's check-out and health
    check, the command stack, the Python reply parser, its retry wrapper), more than a whole request's parse; a
    round here is one write of the round's LPUSH commands and their integer replies read back. Anything else (an
    error reply, a time-out, a broken connection) fails the round, which the caller logs: the rows stay pending
    and the beat job sends them again. A connection that was already open and turns out broken (Redis
    restarted since the last round) is replaced at once and the round sent again, as redis-py's retry did; a
    connection refused or dropped after that is tried again after `BROKER_RECONNECT_DELAYS`, within
    `BROKER_TIMEOUT_SECONDS`. An LPUSH whose reply was lost may then be queued twice, which the inbound tasks,
    idempotent, absorb.

    For `redis://` and `unix://` URLs (`for_url`); a TLS or otherwise tuned URL keeps redis-py (`_RedisPyBroker`).
    """

    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    @classmethod
    def for_url(cls, url: str) -> _BrokerLink | None:
        from redis.connection import UnixDomainSocketConnection, parse_url

        options = parse_url(url)
        kind = options.pop("connection_class", None)
        if kind not in (None, UnixDomainSocketConnection) or set(options) - _PLAIN_BROKER_OPTIONS:
            return None
        return cls(options)

    async def lpush(self, messages: list[tuple[str, bytes]]) -> None:
        """LPUSH each (list, message) in one round trip; returns once Redis has answered every one."""
        payload = b"".join(_resp_command(b"LPUSH", queue.encode(), data) for queue, data in messages)
        delays = iter(BROKER_RECONNECT_DELAYS)
        reused = self._writer is not None
        async with asyncio.timeout(BROKER_TIMEOUT_SECONDS):
            while True:
                try:
                    if self._writer is None:
                        await self._connect()
                    assert self._writer is not None
                    self._writer.write(payload)
                    for _ in messages:
                        await self._integer_reply()
                    return
                except (OSError, EOFError) as exc:  # refused, reset, or closed by Redis (IncompleteReadError)
                    self.close_now()
                    if reused:  # an idle connection Redis closed since the last round: a new one at once
                        reused = False
                        log.warning("webhook_broker_connection_broken_retrying")
                        continue
                    # Redis restarting refuses connections for a moment: waiting a little here sends the round
                    # within the time-out, where failing at once left it to beat's requeue (minutes).
                    delay = next(delays, None)
                    if delay is None:
                        raise ConnectionError(f"the broker's connection failed: {exc!r}") from exc
                    await asyncio.sleep(delay)
                except BaseException:  # an error reply, the time-out: the connection's state is unknown
                    self.close_now()
                    raise

    async def _connect(self) -> None:
        options = self._options
        if "path" in options:
            self._reader, self._writer = await asyncio.open_unix_connection(options["path"])
        else:
            self._reader, self._writer = await asyncio.open_connection(
                options.get("host", "localhost"), options.get("port", 6379)
            )
        hello = []
        if options.get("password") is not None:
            user = [options["username"].encode()] if options.get("username") else []
            hello.append(_resp_command(b"AUTH", *user, options["password"].encode()))
        if options.get("db"):
            hello.append(_resp_command(b"SELECT", str(options["db"]).encode()))
        if hello:
            self._writer.write(b"".join(hello))
            for _ in hello:
                line = await self._reader.readuntil(b"\r\n")
                if not line.startswith(b"+"):
                    raise BrokerRefused(line.decode("utf-8", "replace").strip())

    async def _integer_reply(self) -> None:
        assert self._reader is not None
        line = await self._reader.readuntil(b"\r\n")
        if not line.startswith(b":"):  # an LPUSH answers the list's new length; anything else is an error
            raise BrokerRefused(line.decode("utf-8", "replace").strip())

    def close_now(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()

    async def close(self) -> None:
        self.close_now()


class BrokerRefused(Exception):
    """Redis answered a command with an error (or with something that is not the command's answer)."""


_PLAIN_BROKER_OPTIONS = {"host", "port", "db", "username", "password", "path"}


def _resp_command(*parts: bytes) -> bytes:
    """A Redis command in RESP: an array of bulk strings."""
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(part), part) for part in parts)


class _RedisPyBroker:
    """redis-py's asyncio client, for broker URLs `_BrokerLink` does not speak (TLS, connection options)."""

    def __init__(self, url: str) -> None:
        import redis.asyncio

        self._client = redis.asyncio.Redis.from_url(
            url, socket_timeout=BROKER_TIMEOUT_SECONDS, socket_connect_timeout=BROKER_TIMEOUT_SECONDS
        )

    async def lpush(self, messages: list[tuple[str, bytes]]) -> None:
        async with self._client.pipeline(transaction=False) as pipe:
            for queue, data in messages:
                pipe.lpush(queue, data)
            await pipe.execute()

    async def close(self) -> None:
        await self._client.aclose()


class _Stopwatch:
    """Seconds per named stage of one request, each lap adding the time since the previous one."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self._mark = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = self.stages.get(stage, 0.0) + now - self._mark
        self._mark = now


@functools.cache
def _duration(status: int) -> Any:
    """The request-duration histogram's child for this route and status, bound once (a labels() lookup per
    request cost as much as the observation)."""
    return http_request_duration.labels(route=ROUTE, method="POST", status=str(status), site="public")


class _SlowLog:
    """A request slower than WEBHOOK_SLOW_REQUEST_MS is logged with where its time went, at most once per
    `SLOW_LOG_INTERVAL_SECONDS`; the line counts the slow requests since the last one (`slow_requests`).

    The stages are this app's: the optional shedding check, reading the body, parsing (CPU), the routing
    query (a cache miss only), and storing (waiting for the group-commit round, a pooled connection, the
    INSERT and its commit's WAL flush). Time before daphne calls the app (accept, HTTP parsing, the event
    loop busy with other requests) and the client's own is not in them: a slow ack whose stages are small
    waited there. When requests are slow they are slow together (a backlog, a stalled disk): a line for
    each cost ~1 ms of CPU, a third of what the backlog's requests themselves cost, and made the backlog
    worse; the line of the first of them, with the count, says the same. The duration histogram
    (`nocturn_http_request_duration_seconds`) still counts every one.
    """

    def __init__(self) -> None:
        self._next = 0.0  # time.monotonic() from which a slow request is logged again
        self._unlogged = 0

    def record(self, took: float, stages: dict[str, float], status: int) -> None:
        threshold = settings.WEBHOOK_SLOW_REQUEST_MS
        if threshold <= 0 or took * 1000 < threshold:
            return
        self._unlogged += 1
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + SLOW_LOG_INTERVAL_SECONDS
        log.warning(
            "webhook_slow_request",
            status=status,
            ms=round(took * 1000, 1),
            slow_requests=self._unlogged,
            **{f"{stage}_ms": round(seconds * 1000, 1) for stage, seconds in stages.items()},
        )
        self._unlogged = 0


class _Writer:
    """The group commit's connection, driven through libpq directly on this event loop.

    At a steady 200 requests/s a round carries about one request, so each request pays a whole round
    trip's machinery. psycopg's cursor pays it in Python: its connection lock, the query's conversion and a
    Transformer per execute, and in its asyncio wait a reader added and removed, a timer and a future per
    wait; in process that was ~250 µs of CPU per round on this machine against ~100 µs for libpq's calls
    with one reader kept registered (docs/benchmarks.md, "p27w"). Here each statement text is prepared
    once per connection and then sent as `send_query_prepared` with text parameters (`_text_param`), the
    socket's reader stays registered for the connection's life, and a round awaits one future. The
    statement is autocommit: its result arriving means the rows are committed, and only then is the round
    answered; any error fails the round (a 503, Meta retries).

    A connection that failed in any way (a database restart, a protocol error) is closed, and the next
    round opens a new one; a server closing an idle connection is noticed by the reader at once.
    """

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._conn: Any = None  # the psycopg connection that owns the socket (opened and closed through it)
        self._pgconn: Any = None
        self._prepared: dict[str, tuple[bytes, str]] = {}  # statement text -> (name, text with $n)
        self._wakeup: asyncio.Future[None] | None = None

    async def execute(self, sql: str, params: list[Any]) -> list[tuple[bytes, ...]]:
        """The rows of one statement (`%s` placeholders), on this writer's connection; one round trip."""
        if self._pgconn is None:
            await self._connect()
        pgconn = self._pgconn
        try:
            if sql not in self._prepared:
                name = f"webhook_insert_{len(self._prepared)}".encode()
                numbered = _numbered_placeholders(sql)
                pgconn.send_prepare(name, numbered.encode())
                await self._results()
                self._prepared[sql] = (name, numbered)
            name, _ = self._prepared[sql]
            pgconn.send_query_prepared(name, [_text_param(value) for value in params])
            (result,) = await self._results()
        except BaseException:
            await self.close()
            raise
        return [
            tuple(result.get_value(row, column) for column in range(result.nfields)) for row in range(result.ntuples)
        ]

    async def _results(self) -> list[Any]:
        """Flush what was sent and wait for the command's results; a failed one raises its error."""
        import psycopg
        from psycopg import pq

        pgconn = self._pgconn
        loop = asyncio.get_running_loop()
        while pgconn.flush():  # a large round did not fit the socket's buffer: wait until it drains
            writable = loop.create_future()
            loop.add_writer(pgconn.socket, lambda f=writable: f.done() or f.set_result(None))
            try:
                await writable
            finally:
                loop.remove_writer(pgconn.socket)
        results = []
        while True:
            while pgconn.is_busy():
                self._wakeup = loop.create_future()
                try:
                    await self._wakeup
                finally:
                    self._wakeup = None
                pgconn.consume_input()
            result = pgconn.get_result()
            if result is None:
                break
            results.append(result)
        for result in results:
            if result.status not in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
                raise psycopg.errors.error_from_result(result)
        return results

    def _readable(self) -> None:
        if self._wakeup is not None:
            if not self._wakeup.done():
                self._wakeup.set_result(None)
            return
        try:  # idle: a notice, or the server closing the connection (a restart)
            self._pgconn.consume_input()
        except Exception:
            log.warning("webhook_writer_connection_lost")
            self._forget()

    async def _connect(self) -> None:
        import psycopg

        connect_timeout = max(2, round(POOL_TIMEOUT_SECONDS))  # libpq's: whole seconds, at least 2
        self._conn = await psycopg.AsyncConnection.connect(
            self._conninfo, autocommit=True, connect_timeout=connect_timeout
        )
        self._pgconn = self._conn.pgconn
        self._pgconn.nonblocking = 1
        self._prepared = {}
        asyncio.get_running_loop().add_reader(self._pgconn.socket, self._readable)

    def _forget(self) -> Any:
        """Stop watching the connection and drop it; returns it (to be closed)."""
        conn, self._conn = self._conn, None
        if self._pgconn is not None:
            with contextlib.suppress(Exception):  # a socket already gone has no reader left to remove
                asyncio.get_running_loop().remove_reader(self._pgconn.socket)
            self._pgconn = None
        return conn

    async def close(self) -> None:
        conn = self._forget()
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection: nothing to save
                await conn.close()


def _numbered_placeholders(sql: str) -> str:
    """psycopg's `%s` placeholders as libpq's `$1`, `$2` … (our statements hold no other `%`)."""
    parts = sql.split("%s")
    return "".join(part + (f"${i}" if i < len(parts) else "") for i, part in enumerate(parts, start=1))


def _text_param(value: Any) -> bytes:
    """A parameter in PostgreSQL's text format: the group commit's are strings, timestamps, and arrays of
    them (the `unnest` form); every array element is quoted, so none is read as NULL or split."""
    if isinstance(value, list):
        return b"{" + b",".join(_array_element(item) for item in value) + b"}"
    if isinstance(value, dt.datetime):
        return value.isoformat().encode()
    if not isinstance(value, str):
        raise TypeError(f"no text form for a {type(value).__name__} parameter")
    if "\x00" in value:  # libpq would cut the string there: refused, as psycopg refuses it
        raise ValueError("a text parameter cannot hold a NUL character")
    return value.encode()


def _array_element(value: Any) -> bytes:
    text = _text_param(value)
    return b'"' + text.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


async def _insert_rounds(writer: _Writer, batch: list[tuple[list[Row], Any]]) -> list[list[tuple[str, int]]]:
    """One INSERT per property for every row of the batch; per request, the (schema, id) of its new rows.

    A key sent twice in one round (Meta's redelivery racing the original) is new for the first
    request that carried it only.
    """
    by_schema: dict[str, list[tuple[str, str, str, dict[str, Any]]]] = {}
    for rows, _ in batch:
        for schema, channel, kind, provider_id, payload in rows:
            by_schema.setdefault(schema, []).append((channel, kind, provider_id, payload))
    inserted: dict[tuple[str, str, str], int] = {}
    for schema, schema_rows in by_schema.items():
        for event_id, channel, provider_id in await writer.execute(*inbound.insert_many(schema, schema_rows)):
            inserted[(schema, channel.decode(), provider_id.decode())] = int(event_id)
    results = []
    for rows, _ in batch:
        new_ids = []
        for schema, channel, _kind, provider_id, _payload in rows:
            event_id = inserted.pop((schema, channel, provider_id[:255]), None)
            if event_id is not None:
                new_ids.append((schema, event_id))
        results.append(new_ids)
    return results


async def _fetchall(conn: Any, sql: str, params: list[Any]) -> list[tuple]:
    return await (await conn.execute(sql, params)).fetchall()


async def _read_body(receive: Any) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)
