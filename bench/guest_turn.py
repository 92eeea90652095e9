"""Guest turn benchmark (not a test): one widget question end to end over HTTP, as a guest sees it.

    TEST_DATABASE_NAME=bench_guest REDIS_URL=redis://127.0.0.1:6390/4 \
        .venv/bin/python bench/guest_turn.py [--turns 60] [--warmup 5]

What it runs: a throwaway database (built like the test database: every migration, one property
"Bench Hotel" with the fixture hotel's knowledge base, a widget key), a real daphne and a real
Celery worker (the same processes as production), then for each provider:
  - offline: the built-in offline provider (no key configured);
  - fake-llm: a zero-latency fake OpenAI-compatible server on 127.0.0.1, driven by the real
    `openai` client, streaming the first knowledge item of the prompt back word by word.
Each turn: POST /api/v1/conversations/{id}/messages (HTTP keep-alive) while the guest websocket is
open, then wait for the reply's final `message` event. Measured per turn:
  - post: the POST's round trip (the 202);
  - first token / end to end: from sending the POST to the first streamed token / the final message;
  - worker stages from the AI message's metadata: session, mode (with a primary LLM configured:
    the structured-output classification call), retrieval, provider, persistence;
  - everything but the LLM: end to end minus the provider stage and, when the model was asked
    for the mode, the mode stage.
Every question carries a tag of its own ("… (3f9a1c)"), as a new guest's words would be new: each turn embeds
its question, none comes from the vector cache (a repeated question would leave the embedding, ~half of the
worker's turn, out of the figure). A new conversation every 5 turns keeps the history at its real size (up
to 10 messages) and the per-conversation throttle out of the way; the per-key throttle is raised for the run (one key
sends every turn). Loops are bounded and all traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NOCTURN_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")
os.environ.setdefault("TEST_DATABASE_NAME", "bench_guest")

from devtools import devstack  # noqa: E402

devstack.up()

import django  # noqa: E402

django.setup()

from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from bench.questions import HOTEL_QUESTIONS  # noqa: E402
from conversations.models import Message, MessageRole  # noqa: E402
from properties.models import Property, WidgetKey  # noqa: E402
from properties.services import NewProperty, create_property  # noqa: E402
from testsupport.knowledge import load_knowledge  # noqa: E402
from testsupport.live import Daphne, Worker, start_daphne, start_worker, stop  # noqa: E402
from testsupport.llm import FakeLLMServer, echo_knowledge  # noqa: E402

# One websocket spans many turns, so it is not opened in a `with` block.
warnings.filterwarnings("ignore", message="connect\\(\\) must be used as a context manager")

QUESTIONS = [*HOTEL_QUESTIONS, "Do you have a casino?"]  # and one it has no item for
TURNS_PER_CONVERSATION = 5
ORIGIN = "https://bench-hotel.example"
STAGES = ["session", "mode", "retrieval", "provider", "lead", "persistence", "total"]


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50": statistics.median(ordered), "p95": cut[94], "p99": cut[98], "max": ordered[-1]}


class Guest:
    """One widget guest over real HTTP (keep-alive) and a real websocket."""

    def __init__(self, port: int, key: str) -> None:
        self.port, self.key = port, key
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.ws = None

    def request(self, method: str, path: str, body: dict | None = None, token: str = "") -> tuple[int, dict]:
        headers = {"Host": f"localhost:{self.port}", "Origin": ORIGIN, "Content-Type": "application/json"}
        if token:
            headers["X-Guest-Token"] = token
        self.http.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = self.http.getresponse()
        return response.status, json.loads(response.read() or b"{}")

    def start(self) -> None:
        if self.ws is not None:
            self.ws.close()
        status, body = self.request(
            "POST", "/api/v1/conversations", {"key": self.key, "consent": True, "consent_text": "Bench."}
        )
        assert status == 201, body
        self.conversation_id, self.token = body["conversation_id"], body["token"]
        self.ws = connect(  # closed in start()/close(); a context manager would not span the turns
            f"ws://127.0.0.1:{self.port}/ws/guest/{self.conversation_id}/?token={self.token}",
            additional_headers={"Origin": ORIGIN},
            open_timeout=10,
        )
        assert json.loads(self.ws.recv(timeout=5))["event"] == "hello"

    def turn(self, text: str) -> dict[str, float]:
        started = time.perf_counter()
        status, body = self.request(
            "POST",
            f"/api/v1/conversations/{self.conversation_id}/messages",
            {"text": text, "client_id": uuid.uuid4().hex},
            token=self.token,
        )
        posted = time.perf_counter()
        assert status == 202, body
        first_token = None
        deadline = started + 30
        while time.perf_counter() < deadline:
            event = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.perf_counter())))
            if event["event"] == "token" and first_token is None:
                first_token = time.perf_counter()
            if event["event"] == "message" and event["payload"]["role"] == "ai":
                done = time.perf_counter()
                return {
                    "message_id": event["payload"]["id"],
                    "post": (posted - started) * 1000,
                    "first_token": ((first_token or done) - started) * 1000,
                    "end_to_end": (done - started) * 1000,
                }
        raise RuntimeError("no reply within 30 s")

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
        self.http.close()


def run_phase(name: str, port: int, key: str, schema: str, turns: int, warmup: int) -> dict:
    guest = Guest(port, key)
    rows = []
    errors = 0
    try:
        for n in range(warmup + turns):
            if n % TURNS_PER_CONVERSATION == 0:
                guest.start()
            try:
                row = guest.turn(f"{QUESTIONS[n % len(QUESTIONS)]} ({uuid.uuid4().hex[:6]})")
            except (ConnectionClosed, TimeoutError, RuntimeError) as exc:
                # A turn that failed is counted, not timed; the guest reconnects as the widget would.
                errors += 1
                print(f"  turn {n} failed: {exc!r}", flush=True)
                if errors > 5:
                    raise
                guest.start()
                continue
            if n >= warmup:
                rows.append(row)
    finally:
        guest.close()
    with schema_context(schema):
        metadata = {
            m.pk: m.metadata
            for m in Message.objects.filter(pk__in=[r["message_id"] for r in rows], role=MessageRole.AI)
        }
    providers = sorted({metadata[r["message_id"]]["provider"] for r in rows})
    for row in rows:
        latency = metadata[row["message_id"]]["latency_ms"]
        row.update({f"worker_{stage}": latency.get(stage, 0.0) for stage in STAGES})
        # The LLM's share: the provider stage, and the mode stage when it asked the model (structured output).
        llm = latency["provider"] + latency.get("mode", 0.0)
        row["not_llm"] = row["end_to_end"] - llm
    measures = ["post", "first_token", "end_to_end", "not_llm"] + [f"worker_{s}" for s in STAGES]
    return {
        "phase": name,
        "providers": providers,
        "turns": len(rows),
        "failed_turns": errors,
        "ms": {m: percentiles([r[m] for r in rows]) for m in measures},
    }


def print_table(result: dict) -> None:
    print(
        f"\n{result['phase']} (answered by {', '.join(result['providers'])}; {result['turns']} turns, "
        f"{result['failed_turns']} failed), ms:"
    )
    print(f"  {'measure':<20}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    for measure, figures in result["ms"].items():
        print(f"  {measure:<20}" + "".join(f"{figures[k]:>9.1f}" for k in ("p50", "p95", "p99", "max")))


@dataclass(frozen=True)
class BenchSite:
    property: Property
    key: str  # the widget key's public key, allowed for ORIGIN
    daphne: Daphne
    log_dir: Path
    env: dict[str, str]  # what daphne was started with; each worker gets it too

    def worker(self, node: str = "", concurrency: int = 2, **env: str) -> Worker:
        return start_worker(self.log_dir, node, concurrency, **self.env, **env)


@contextlib.contextmanager
def bench_site(slug: str, name: str, **env: str) -> Iterator[BenchSite]:
    """A throwaway database with one property and a real daphne, dropped at the end.

    The property is open around the clock, so every turn is the same kind of turn whatever the hour;
    it has the fixture hotel's knowledge base and a widget key for ORIGIN.
    """
    # A bench drives many guests from one address: the widget's per-client and per-IP budgets
    # would throttle it, so they are lifted like the per-key ceiling.
    env = {
        "WIDGET_RATE_PER_KEY": "1000000",
        "WIDGET_RATE_PER_CLIENT": "1000000",
        "WIDGET_RATE_PER_IP": "1000000",
        **env,
    }
    print("building the bench database …", flush=True)
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    log_dir = Path(tempfile.mkdtemp(prefix=f"bench-{slug}-"))
    daphne = None
    try:
        property_ = Property.objects.filter(slug=slug).first() or create_property(NewProperty(name=name, slug=slug))
        property_.operating_hours = {d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        property_.save(update_fields=["operating_hours"])
        load_knowledge(property_.schema_name)
        key = WidgetKey.objects.create(property=property_, allowed_origins=[ORIGIN]).public_key
        daphne = start_daphne(log_dir, **env)
        yield BenchSite(property_, key, daphne, log_dir, env)
    finally:
        if daphne is not None:
            stop(daphne.process)
        teardown_databases(config, verbosity=0)


def measured_runs(doc: str, runs: str, default: int, warmup: int) -> argparse.Namespace:
    """The command line of a bench measuring `--<runs>` after `--warmup` unmeasured ones (this one's and
    handoff_alert's); `--json` is where `make bench` collects the figures."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(f"--{runs}", type=int, default=default)
    parser.add_argument("--warmup", type=int, default=warmup)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args()


def main() -> None:
    args = measured_runs(__doc__, "turns", default=60, warmup=5)
    turns, warmup = min(args.turns, 500), min(args.warmup, 50)  # bounded: this is a shared 2-core machine

    results = []
    with (
        FakeLLMServer("openai", default=echo_knowledge()) as fake,
        bench_site("benchhotel", "Bench Hotel", WIDGET_RATE_PER_KEY="1000000", LOG_LEVEL="WARNING") as site,
    ):
        phases = [
            ("offline", {"LLM_API_KEY": "", "ANTHROPIC_API_KEY": "", "LLM_FALLBACK_API_KEY": ""}),
            ("fake-llm", {"LLM_API_KEY": "sk-bench", "LLM_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": ""}),
        ]
        for name, env in phases:
            worker = site.worker(**env)
            try:
                print(f"running {name}: {warmup} warm-up + {turns} turns …", flush=True)
                results.append(run_phase(name, site.daphne.port, site.key, site.property.schema_name, turns, warmup))
            finally:
                stop(worker.process)
            print_table(results[-1])
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
