"""The webhook fast path's own CPU per request, in process: no daphne, no load generator beside it.

Not a test: it prints figures (docs/benchmarks.md, "Ingest"). `WhatsAppWebhookApp` is driven
directly in one event loop at a fixed rate (signed WhatsApp text bodies, 40 guests round-robin)
against a throwaway PostgreSQL database and the Redis broker of the environment, as daphne would
call it, and the process's CPU time (`time.process_time`, threads included) is divided by the
requests. `bench/ingest.py` measures the whole daphne beside a hello-world; this isolates our share
and moves less with the machine's load. The tasks it publishes go to a Redis list that nothing
consumes here; they are removed at the end. `--profile` adds a cProfile table (wall time).

`--stub` tells the parts apart by leaving them out (each level also leaves out the ones before it):
`publish` (no LPUSH round), `store` (no INSERT either: made-up ids), `app` (a bare ASGI hello-world
in the app's place: what is left is this driver's own CPU and the event loop's).

    .venv/bin/python bench/webhook_cpu.py [--rate 200] [--seconds 6] [--runs 2] [--profile]
                                          [--stub none|publish|store|app]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import hmac
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-webhook-cpu"
NUMBER = "500000000009"


async def _post(app: Any, raw: bytes, signature: str) -> None:
    from testsupport.asgi import call_asgi

    headers = {"content-type": "application/json", "x-hub-signature-256": signature}
    status, _ = await call_asgi(app, "POST", "/api/v1/webhook/whatsapp", raw, headers, client=("127.0.0.1", 1))
    if status != 200:
        raise RuntimeError(f"the webhook answered {status}")


async def _run(rate: float, seconds: float, bodies: list[tuple[bytes, str]], profile: cProfile.Profile | None) -> float:
    """CPU milliseconds per request of one run (the app's pool and broker connection warmed first)."""
    from conversations.pipeline import fast_webhook

    async def not_django(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("only the webhook POST is sent")

    app = fast_webhook.WhatsAppWebhookApp(not_django)
    warm, timed = bodies[:50], bodies[50:]
    for raw, signature in warm:
        await _post(app, raw, signature)
    await asyncio.sleep(0.2)
    count = min(int(rate * seconds), len(timed))
    started, cpu = time.perf_counter(), time.process_time()
    if profile:
        profile.enable()
    tasks = []
    for i in range(count):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_post(app, *timed[i])))
    await asyncio.gather(*tasks)
    await app.close()  # waits for the last publish round: its CPU is the requests' too
    if profile:
        profile.disable()
    return (time.process_time() - cpu) * 1000 / count


STUBS = ("none", "publish", "store", "app")


def _stub(level: str) -> None:
    """Leave out the parts up to `level` (see the module)."""
    from conversations.pipeline import fast_webhook

    app_class: Any = fast_webhook.WhatsAppWebhookApp
    if STUBS.index(level) >= 1:

        async def no_publish(self: Any, by_schema: dict[str, list[int]]) -> None:
            return None

        app_class._publish_round = no_publish
    if STUBS.index(level) >= 2:
        made_up = iter(range(1, 10**9))

        async def no_store(self: Any, rows: list[Any]) -> list[tuple[str, int]]:
            return [(row[0], next(made_up)) for row in rows]

        app_class._store = no_store
    if STUBS.index(level) >= 3:

        async def hello(self: Any, scope: Any, receive: Any, send: Any) -> None:
            more = True
            while more:
                more = (await receive()).get("more_body", False)
            start = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
            await send(start)
            await send({"type": "http.response.body", "body": b'{"ok":true}'})

        app_class.__call__ = hello


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="a cProfile table of the last run (wall time)")
    parser.add_argument("--stub", choices=STUBS, default="none", help="leave parts out (see above)")
    args = parser.parse_args()
    rate, seconds, runs = min(args.rate, 1000.0), min(args.seconds, 20.0), max(1, min(args.runs, 5))

    os.environ.setdefault("NOCTURN_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")
    os.environ.setdefault("TEST_DATABASE_NAME", "bench_webhook_cpu")
    os.environ["NOCTURN_PROCESS"] = "web"  # the web process's settings, as under daphne
    import django

    django.setup()
    _stub(args.stub)
    import redis
    from django.conf import settings
    from django.test.utils import setup_databases, teardown_databases

    from properties.models import WhatsAppBinding
    from properties.services import NewProperty, create_property
    from testsupport.payloads import whatsapp_text_body

    settings.WHATSAPP_APP_SECRET = SECRET
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queued_before = broker.llen("celery")
    if queued_before:
        parser.error(f"the broker's queue holds {queued_before} messages: use a Redis nothing else consumes from")
    print("building the bench database …", flush=True)
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        hotel = create_property(NewProperty(name="Bench Webhook CPU", slug="benchwebhookcpu"))
        WhatsAppBinding.objects.create(property=hotel, phone_number_id=NUMBER, display_phone_number="60300000009")
        for run in range(runs):
            bodies = []
            for i in range(int(rate * seconds) + 50):
                raw = whatsapp_text_body(NUMBER, f"6011{i % 40:07d}", f"hello {i}", wamid=f"wamid.CPU{run}.{i}")
                bodies.append((raw, "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()))
            profile = cProfile.Profile() if args.profile and run == runs - 1 else None
            load = " ".join(f"{x:.1f}" for x in os.getloadavg())
            cpu = asyncio.run(_run(rate, seconds, bodies, profile))
            print(f"run {run + 1}: {cpu:.3f} ms of CPU per request at {rate:.0f}/s (load average {load})", flush=True)
            if profile:
                pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    finally:
        broker.delete("celery")  # the tasks this bench published; nothing consumed them
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
