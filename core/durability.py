"""Durable background work: retries for transient failures only, then a dead letter, never silence.

Every task of ours runs in a property's schema, named by the `_schema_name` header that
tenant-schemas-celery reads in the worker. `enqueue` and `enqueue_on_commit` are the one place
that header is written.

Tasks are thin wrappers around services, so a tasks module imports its services and never the
reverse: a service that must start a task names it (`"app.tasks.name"`) and `task_named` finds it
in the Celery registry at send time.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import threading
import traceback as tb
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

import structlog
from celery import Task, current_app
from celery.result import AsyncResult
from celery.utils.saferepr import saferepr
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from kombu.exceptions import OperationalError as BrokerUnavailable
from kombu.serialization import dumps
from opentelemetry import propagate
from opentelemetry.trace import SpanKind
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from tenant_schemas_celery.task import TenantTask

from core.models import DeadLetter
from core.redaction import mask_value
from core.redis import get_broker
from core.telemetry import tracer, tracing_enabled

logger = structlog.get_logger(__name__)


class TransientError(Exception):
    """A failure worth retrying: a provider's 5xx, 429 or timeout, a lost connection."""


# Our own services going away for a moment (PostgreSQL restarting or failing over, Redis restarting) are
# transient too: the task is idempotent, so running it again once they are back is the whole remedy.
INFRASTRUCTURE_ERRORS = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError, BrokerUnavailable)


class DurableTask(TenantTask):
    """Base for tasks that must not be lost.

    Transient errors are retried with exponential back-off and full jitter (so a recovering
    provider is not hit by every retry at once); anything else, or the last failed retry, is
    written to a dead letter that platform admins see and can replay. Tasks built on this base
    must be idempotent: acks_late redelivers a task whose worker died mid-way.
    """

    abstract = True
    acks_late = True
    autoretry_for = (TransientError, *INFRASTRUCTURE_ERRORS)
    retry_backoff = 2
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 8

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # tenant-schemas-celery switches the schema in a prerun signal whose errors are only logged: with
        # the database unreachable at that moment the task would run in the public schema (found by
        # `make chaos`). Never run a tenant's task anywhere else; switch here or retry shortly.
        wanted = self._schema_of_request()
        if connection.schema_name != wanted:
            try:
                if wanted == "public":
                    connection.set_schema_to_public()
                else:
                    connection.set_tenant(self.get_tenant_for_schema(schema_name=wanted), include_public=True)
            except INFRASTRUCTURE_ERRORS as exc:
                countdown = min(60.0, 2.0 ** (self.request.retries + 1))
                raise self.retry(exc=exc, countdown=countdown) from exc
        return super().__call__(*args, **kwargs)

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        record_dead_letter(
            task_name=self.name,
            task_id=task_id,
            schema_name=self._schema_of_request(),
            args=list(args or []),
            kwargs=dict(kwargs or {}),
            error=f"{type(exc).__name__}: {exc}",
            traceback=str(einfo) if einfo else "".join(tb.format_exception(exc)),
            retries=self.request.retries or 0,
        )
        super().on_failure(exc, task_id, args, kwargs, einfo)

    def _schema_of_request(self) -> str:
        headers = self.request.headers or {}
        return headers.get("_schema_name") or self.request.get("_schema_name") or connection.schema_name


# Celery's autodiscovery returns at once, importing nothing, to a thread that calls it while another
# is still importing (its guard against recursion); daphne runs views and the webhook fast path's
# publisher on several threads, so the first two sends of a process could race (found by
# privacy's live PDPA test: a WhatsApp and an e-mail webhook at once, NotRegistered, a 500).
_discovery = threading.RLock()


def task_named(name: str) -> Task:
    """The registered task called `name`. The tasks modules are imported as the worker imports them
    at start (autodiscovery), once per process: the web process may not have imported them yet."""
    app = current_app
    if name not in app.tasks:
        with _discovery:
            if name not in app.tasks:
                app.loader.import_default_modules()
    return app.tasks[name]


def enqueue(
    task: Task | str,
    *,
    args: Sequence[Any] = (),
    kwargs: dict[str, Any] | None = None,
    schema: str | None = None,
    countdown: float | None = None,
    time_limits: tuple[float, float] | None = None,
    ignore_result: bool = False,
) -> AsyncResult:
    """Send `task` (a task or its registered name) now, to run in `schema` (default: the schema active here).

    For callers outside a transaction, or that must not wait for one (a row already committed, a
    task re-queuing itself). Broker errors propagate: callers that can live without the message
    (a beat job will find the row) catch them. `ignore_result` for a task whose result nobody
    reads: the Redis result backend otherwise subscribes to each sent task's result channel (a
    round trip) and unsubscribes when the AsyncResult is collected (another), and the worker
    stores the result.
    """
    if isinstance(task, str):
        task = task_named(task)
    options: dict[str, Any] = {"headers": {"_schema_name": schema or connection.schema_name}}
    if kwargs:
        options["kwargs"] = kwargs
    if countdown is not None:
        options["countdown"] = countdown
    if time_limits is not None:
        # (soft, hard) seconds, in the message: the sender's settings rule, not the task's import-time default.
        options["soft_time_limit"], options["time_limit"] = time_limits
    if ignore_result:
        options["ignore_result"] = True
    return task.apply_async(args=list(args), **options)


def publish(task: Task | str, *, args: Sequence[Any], schema: str | None = None, ignore_result: bool = False) -> None:
    """`enqueue` without countdown or kwargs, from synchronous code: `wire_message`'s bytes LPUSHed on the
    process's broker client, one round trip.

    kombu's producer cost the widget's message POST ≈ 1–3 ms of daphne's CPU a message (its pool, its
    channel, Celery's `as_task_v2`, the envelope; docs/benchmarks.md, p30d), more than the rest of the
    door's Python. Broker errors propagate, as `enqueue`'s do (redis-py's instead of kombu's: both are
    in INFRASTRUCTURE_ERRORS, so a durable task retries either).
    """
    queue, data = wire_message(task, args=args, schema=schema or connection.schema_name, ignore_result=ignore_result)
    get_broker().lpush(queue, data)


def wire_message(
    task: Task | str, *, args: Sequence[Any], schema: str, ignore_result: bool = False
) -> tuple[str, bytes]:
    """`enqueue`'s message as the Redis broker holds it: the list to LPUSH it onto, and its bytes.

    For a sender that publishes on its own (asyncio) Redis connection instead of through kombu's
    synchronous producer: the webhook's fast path, where kombu cost ≈ 0.8 ms of CPU and a thread hop
    per message. Celery builds the task message (protocol 2: `as_task_v2`, the same headers and body
    `enqueue` sends) once per task and process (`_wire_template`); each message fills in what differs
    (its ids, args and their repr, the schema, the reply-to of this thread, the trace context): Celery's
    whole `as_task_v2` per message cost the fast path ~0.17 ms of CPU, more than parsing the request.
    Only kombu's Redis envelope is written here (JSON, the body in base64, priority 0 on the task's
    default queue). For what `enqueue` without countdown or kwargs sends; `core/tests/test_enqueue.py`
    holds the two to the same message, and a real worker runs it.
    """
    if isinstance(task, str):
        task = task_named(task)
    template = _wire_template(task.name, ignore_result, os.getpid())
    app = task.app
    task_id = str(uuid.uuid4())
    args = list(args)
    plain = _plain(args)
    headers = {
        **template.headers,
        "id": task_id,
        "root_id": task_id,
        # What saferepr gives for ids and lists of ids (not truncated), without its walk per element.
        "argsrepr": text
        if plain and len(text := repr(args)) <= template.repr_maxsize
        else saferepr(args, template.repr_maxsize, maxlevels=template.repr_maxlevels),
        "_schema_name": schema,
    }
    if tracing_enabled():
        # The publish span Celery's instrumentation opens around apply_async, so a trace still shows the
        # hand-off (a span as short as the wrap; the worker's run span is its child through the context).
        with tracer.start_as_current_span(
            f"apply_async/{task.name}",
            kind=SpanKind.PRODUCER,
            attributes={
                "celery.action": "apply_async",
                "celery.task_name": task.name,
                "messaging.message.id": task_id,
            },
        ):
            propagate.inject(headers)
    if plain and template.serializer == "json":
        payload: str | bytes = json.dumps((args, {}, template.embed))  # kombu's JSON for ints and lists of them
    else:
        payload = dumps((args, {}, template.embed), serializer=template.serializer)[2]
    envelope = {
        "body": base64.b64encode(payload.encode() if isinstance(payload, str) else payload).decode(),
        "content-encoding": template.content_encoding,
        "content-type": template.content_type,
        "headers": headers,
        "properties": {
            **template.properties,
            "correlation_id": task_id,
            "reply_to": app.thread_oid,
            "delivery_tag": str(uuid.uuid4()),
        },
    }
    return template.queue, json.dumps(envelope).encode()


@dataclass(frozen=True)
class _WireTemplate:
    headers: dict[str, Any]  # as_task_v2's, for no args: the per-message keys are overwritten
    properties: dict[str, Any]  # with kombu's envelope fields for the Redis transport
    embed: dict[str, Any]  # the body's third part (callbacks, errbacks, chain, chord: none)
    serializer: str
    content_type: str
    content_encoding: str
    queue: str
    repr_maxsize: int
    repr_maxlevels: int


def _plain(args: list[Any]) -> bool:
    """Args of ids only (ints, or lists of them), as the fast path sends."""
    return all(
        type(arg) is int or (type(arg) is list and all(type(item) is int for item in arg))  # type(): a bool is no id
        for arg in args
    )


@functools.lru_cache(maxsize=64)
def _wire_template(task_name: str, ignore_result: bool, pid: int) -> _WireTemplate:
    """What every message of `task_name` shares, built by Celery itself (per process: the origin header
    names the host and pid)."""
    task = task_named(task_name)
    app = task.app
    headers, properties, body, _ = app.amqp.as_task_v2(
        "template",
        task.name,
        [],
        {},
        time_limit=task.time_limit,
        soft_time_limit=task.soft_time_limit,
        ignore_result=ignore_result,
    )
    queue = _queue_of(task.name)
    content_type, content_encoding, _ = dumps(body, serializer=app.conf.task_serializer)
    return _WireTemplate(
        headers=headers,
        properties={
            **properties,
            "delivery_mode": 2,  # persistent, kombu's default for Celery's queues
            "delivery_info": {"exchange": "", "routing_key": queue},
            "priority": 0,
            "body_encoding": "base64",
        },
        embed=body[2],
        serializer=app.conf.task_serializer,
        content_type=content_type,
        content_encoding=content_encoding,
        queue=queue,
        repr_maxsize=app.amqp.argsrepr_maxsize,
        repr_maxlevels=app.conf.task_repr_maxlevels,
    )


@functools.cache
def _queue_of(task_name: str) -> str:
    """The queue Celery's router sends `task_name` to (the default one unless task_routes says otherwise)."""
    return current_app.amqp.router.route({}, task_name)["queue"].name


class Sending(TypedDict, total=False):
    """What `enqueue_on_commit` passes on to `enqueue` (see its arguments) besides the task and the schema."""

    args: Sequence[Any]
    kwargs: dict[str, Any] | None
    countdown: float | None
    time_limits: tuple[float, float] | None


def enqueue_on_commit(task: Task | str, *, schema: str | None = None, **sending: Unpack[Sending]) -> None:
    """Send `task` once the current transaction commits (at once outside one); never for a rollback.

    The schema is read now: by commit time the caller may have left it (a `schema_context` block).
    """
    schema = schema or connection.schema_name
    transaction.on_commit(lambda: enqueue(task, schema=schema, **sending))


def record_dead_letter(**fields: Any) -> None:
    # Args are ids; an exception's text may quote a guest's number or address: masked like a log line.
    fields = {**fields, "error": mask_value(fields["error"]), "traceback": mask_value(fields.get("traceback", ""))}
    with schema_context("public"):
        letter = DeadLetter.objects.create(**fields)
    logger.error("task failed for good", task=fields["task_name"], dead_letter=letter.pk, error=fields["error"])


def replay_dead_letter(letter_id: int) -> str | None:
    """Send a dead letter's task again, in its own schema. Returns the new task id (None if already replayed)."""
    with schema_context("public"), transaction.atomic():
        letter = DeadLetter.objects.select_for_update().filter(pk=letter_id, replayed_at__isnull=True).first()
        if letter is None:
            return None
        with schema_context(letter.schema_name):
            result = current_app.send_task(letter.task_name, args=letter.args, kwargs=letter.kwargs)
        letter.replayed_at = timezone.now()
        letter.replay_task_id = result.id
        letter.save(update_fields=["replayed_at", "replay_task_id"])
        return result.id
