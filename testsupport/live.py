"""End-to-end fixtures: a real daphne and a real Celery worker on the test database.

No eager tasks, no in-memory channel layer: the processes are started exactly as in production,
pointed at the test database and the test Redis database.

- `daphne`, `celery_worker` (session scope): the stack as configured, for tests that need no fake.
- `live_stack` (module scope): daphne and a worker pointed at fakes of the providers (the Graph
  API always; SMTP, an OpenAI-compatible model, an OTLP collector when asked), the worker in
  place of the session's one, which is put back afterwards. A module asks for what it needs by
  overriding `live_stack_spec`, whose teardown runs once the stack has stopped:

      @pytest.fixture(scope="module")
      def live_stack_spec(properties_ab, django_db_blocker) -> Iterator[StackSpec]:
          with django_db_blocker.unblock():
              ...  # the rows this module's tests need (bindings, settings)
          yield StackSpec(smtp=True, env={"WHATSAPP_APP_SECRET": APP_SECRET})
          with django_db_blocker.unblock():
              ...  # and remove them
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from conversations.models import ChannelSettings, Conversation, InboundEvent, Message, OutboxItem
from gaps.models import Gap
from leads.models import Lead
from nocturn.celery import app
from properties.models import EmailBinding, Property, WhatsAppBinding, WidgetKey
from testsupport.graph import FakeGraphServer
from testsupport.http import free_port
from testsupport.llm import FakeLLMServer
from testsupport.otlp import OtlpReceiver
from testsupport.payloads import whatsapp_signed_headers
from testsupport.processes import stop
from testsupport.smtp import FakeSmtpServer
from testsupport.wait import wait_until

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent


def test_database_url() -> str:
    """settings.DATABASE_URL with its database swapped for the one pytest-django created."""
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))


def child_env(**extra: str) -> dict[str, str]:
    # NOCTURN_PROCESS: set by nocturn.asgi if this process imported it; a worker must not inherit the web limits.
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "NOCTURN_PROCESS")
    }
    env.update(
        NOCTURN_ENV="test",
        DATABASE_URL=test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        CELERY_RESULT_BACKEND=settings.CELERY_RESULT_BACKEND,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@dataclass
class Daphne:
    port: int
    process: subprocess.Popen[bytes]

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def request(
        self,
        method: str,
        path: str,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10,
    ) -> tuple[int, bytes]:
        """(status, body) of one request on the loopback; a 4xx/5xx is an answer too, not an exception."""
        url = self.url(path)  # always http://127.0.0.1
        request = urllib.request.Request(url, data=data, headers=dict(headers or {}), method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


@dataclass
class Worker:
    process: subprocess.Popen[bytes]


def start_daphne(log_dir: Path, **extra_env: str) -> Daphne:
    port = free_port()
    log = open(log_dir / f"daphne-{port}.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [str(BIN_DIR / "daphne"), "-b", "127.0.0.1", "-p", str(port), "nocturn.asgi:application"],
        cwd=REPO_ROOT,
        env=child_env(**extra_env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def answering() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited; see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2):
                return True
        except OSError:
            return False

    # Like the worker's: a shared two-core machine under several test runs may take a minute to import Django.
    patience = float(os.environ.get("LIVE_DAPHNE_START_TIMEOUT", "90"))
    if wait_until(answering, timeout=patience, interval=0.2):
        return Daphne(port, process)
    process.kill()
    raise RuntimeError(f"daphne did not answer within {patience:.0f} s; see {log.name}")


def start_worker(log_dir: Path, node: str = "", concurrency: int = 2, **extra_env: str) -> Worker:
    """A Celery worker; `node` names it (two workers on one host need two names to be told apart)."""
    log = open(log_dir / f"worker-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "nocturn",
            "worker",
            "-l",
            "info",
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "-I",
            "testsupport.tasks",
            "--without-mingle",
            "--without-heartbeat",
            *(["-n", f"{node}@%h"] if node else []),
        ],
        cwd=REPO_ROOT,
        env=child_env(**extra_env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    # Benchmarks on a busy shared machine may allow more (bench/run_all.py sets it).
    patience = float(os.environ.get("LIVE_WORKER_START_TIMEOUT", "40"))

    def answering() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited; see {log.name}")
        replies = app.control.ping(timeout=0.5)  # the ping itself waits: no pause between tries
        return any(name.startswith(f"{node}@") for reply in replies for name in reply) if node else bool(replies)

    if wait_until(answering, timeout=patience, interval=0):
        return Worker(process)
    process.kill()
    raise RuntimeError(f"the Celery worker did not answer within {patience:.0f} s; see {log.name}")


@contextlib.contextmanager
def own_daphne(log_dir: Path, **extra_env: str) -> Iterator[Daphne]:
    """A daphne of a test's own, with settings the session's daphne does not have; stopped afterwards."""
    server = start_daphne(log_dir, **extra_env)
    try:
        yield server
    finally:
        stop(server.process)


@pytest.fixture(scope="session")
def live_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("live")


@pytest.fixture(scope="session")
def daphne(properties_ab: object, live_logs: Path) -> Iterator[Daphne]:
    server = start_daphne(live_logs)
    yield server
    stop(server.process)


@pytest.fixture(scope="session")
def celery_worker(properties_ab: object, live_logs: Path) -> Iterator[Worker]:
    app.control.purge()  # a queue left by an interrupted earlier run must not leak into this one
    worker = start_worker(live_logs)
    yield worker
    stop(worker.process)


@pytest.fixture
def live_widget_key(committed_db: Any, daphne: Daphne) -> Iterator[WidgetKey]:
    """A committed widget key of property A that pages on the live daphne's alpha host may embed."""
    key = WidgetKey.objects.create(property=committed_db.a, allowed_origins=[f"http://alpha.localhost:{daphne.port}"])
    yield key
    key.delete()


def unbind_channels(property_: Property, *, whatsapp: Iterable[str] = (), email: str = "") -> None:
    """Remove what `channels_bound` made and what the module's traffic left on those channels (outbox rows,
    inbound events, their messages), so no later test counts them; the channel settings go back to defaults."""
    whatsapp = list(whatsapp)
    channels = [name for name, bound in (("whatsapp", whatsapp), ("email", email)) if bound]
    with schema_context(property_.schema_name):
        OutboxItem.objects.all().delete()
        InboundEvent.objects.all().delete()
        Message.objects.filter(channel__in=channels).delete()
        # The module's guests also left conversations and, since every message is read for lead details,
        # leads: later tests count the property's conversations and leads from zero.
        Lead.objects.filter(conversation__channel__in=channels).delete()
        Conversation.objects.filter(channel__in=channels).delete()
        # Their unanswered questions went with the messages; the gaps they alone made go too.
        Gap.objects.filter(questions__isnull=True).delete()
        ChannelSettings.objects.all().delete()
    WhatsAppBinding.objects.filter(phone_number_id__in=whatsapp).delete()
    if email:
        EmailBinding.objects.filter(address=email).delete()


@contextlib.contextmanager
def channels_bound(
    django_db_blocker: Any,
    property_: Property,
    *,
    whatsapp: Mapping[str, str] | None = None,
    email: str = "",
    buffer_window_seconds: float | None = None,
) -> Iterator[None]:
    """Committed channel bindings for the block: WhatsApp numbers (phone number id -> display number) and an
    inbound address of `property_`, and its buffer window; `unbind_channels` after it. A module's
    `live_stack_spec` yields its spec inside, so the bindings last as long as the module's stack."""
    with django_db_blocker.unblock():
        for number_id, display in (whatsapp or {}).items():
            WhatsAppBinding.objects.create(property=property_, phone_number_id=number_id, display_phone_number=display)
        if email:
            EmailBinding.objects.create(property=property_, address=email, from_name=property_.name)
        if buffer_window_seconds is not None:
            with schema_context(property_.schema_name):
                ChannelSettings.objects.update_or_create(
                    pk=1, defaults={"buffer_window_seconds": buffer_window_seconds}
                )
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            unbind_channels(property_, whatsapp=list(whatsapp or {}), email=email)


@dataclass(frozen=True)
class StackSpec:
    """What a module's `live_stack` needs beyond daphne, a worker and the fake Graph API."""

    smtp: bool = False
    llm: bool = False  # a fake OpenAI-compatible model (otherwise the worker's own settings decide)
    otlp: bool = False  # a fake OpenTelemetry collector the processes export their traces to
    env: Mapping[str, str] = field(default_factory=dict)  # more settings for both processes


def spec_with_channels_of_a(spec: StackSpec, **channels: Any) -> Any:
    """A module's `live_stack_spec` fixture: `spec`, with property A's channels (`channels_bound`'s
    keywords) bound while the module's stack runs: `live_stack_spec = spec_with_channels_of_a(StackSpec(...),
    whatsapp={...})`."""

    @pytest.fixture(scope="module", name="live_stack_spec")
    def live_stack_spec(properties_ab: Any, django_db_blocker: Any) -> Iterator[StackSpec]:
        with channels_bound(django_db_blocker, properties_ab.a, **channels):
            yield spec

    return live_stack_spec


@dataclass
class LiveStack:
    daphne: Daphne
    worker: Worker  # the session's worker object: a test that replaces its process puts the new one here
    graph: FakeGraphServer
    smtp: FakeSmtpServer | None
    llm: FakeLLMServer | None
    otlp: OtlpReceiver | None
    env: dict[str, str]  # every setting the processes got on top of child_env() (for one more process)
    logs: Path

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        """POST to daphne; the status, whatever it is (an error status is an answer, not an exception)."""
        url = self.daphne.url(path)  # http://127.0.0.1:<port>: ours
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def post_whatsapp(self, body: bytes, app_secret: str) -> int:
        """A webhook POST signed as Meta signs it (`WHATSAPP_APP_SECRET` of the stack's env)."""
        return self.post("/api/v1/webhook/whatsapp", body, whatsapp_signed_headers(body, app_secret))


def fake_env(
    graph: FakeGraphServer,
    smtp: FakeSmtpServer | None = None,
    llm: FakeLLMServer | None = None,
    otlp: OtlpReceiver | None = None,
) -> dict[str, str]:
    """The settings that point a child process at the fakes."""
    env = {"GRAPH_API_BASE_URL": graph.url, "WHATSAPP_ACCESS_TOKEN": graph.token}
    if smtp is not None:
        env |= {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": smtp.host,
            "EMAIL_PORT": str(smtp.port),
        }
    if llm is not None:
        # One model call per turn (no structured reading of the turn), so a test scripts the answer itself.
        env |= {"LLM_BASE_URL": llm.base_url, "LLM_API_KEY": "sk-test", "LLM_EXTRACT_LEADS": "false"}
    if otlp is not None:
        env |= {
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "200",  # export every 0.2 s, not every 5 s
        }
    return env


@pytest.fixture(scope="module")
def live_stack_spec() -> StackSpec:
    """Override in a test module to ask `live_stack` for more (see the module docstring)."""
    return StackSpec()


@pytest.fixture(scope="module")
def live_stack(live_stack_spec: StackSpec, celery_worker: Worker, live_logs: Path) -> Iterator[LiveStack]:
    spec = live_stack_spec
    with contextlib.ExitStack() as fakes:
        graph = fakes.enter_context(FakeGraphServer())
        smtp = fakes.enter_context(FakeSmtpServer()) if spec.smtp else None
        llm = fakes.enter_context(FakeLLMServer("openai")) if spec.llm else None
        otlp = fakes.enter_context(OtlpReceiver()) if spec.otlp else None
        env = {**fake_env(graph, smtp, llm, otlp), **spec.env}
        stop(celery_worker.process)  # the session's worker knows no fakes
        app.control.purge()
        try:
            celery_worker.process = start_worker(live_logs, **env).process
            server = start_daphne(live_logs, **env)
            try:
                yield LiveStack(server, celery_worker, graph, smtp, llm, otlp, env, live_logs)
            finally:
                stop(server.process)
        finally:
            stop(celery_worker.process)
            celery_worker.process = start_worker(live_logs).process
