"""Handoff alert latency benchmark (not a test): from the worker deciding a handoff to a signed-in staff
member's websocket receiving the alert.

    TEST_DATABASE_NAME=bench_handoff REDIS_URL=redis://127.0.0.1:6390/8 \
        .venv/bin/python bench/handoff_alert.py [--runs 40] [--warmup 3]

What it runs: a throwaway database (every migration, one property with the fixture hotel's knowledge
base, a widget key, a manager), a real daphne and a real Celery worker. The manager's staff websocket
is opened on the property's host with a real session cookie. Each run: a new widget guest POSTs
"I want to speak to a real person please" over HTTP; the worker answers the turn, the AI core chooses
handoff, `handoff.begin_handoff` stamps `decided_at` (wall clock) and the alert goes out when the turn's
transaction commits. Measured per run:
  - alert: staff socket receipt − decided_at (the issue's figure: handoff decided → staff receives);
  - guest POST → alert: the whole path as the guest and the staff member see it.
Everything runs on this machine (one wall clock). Bounded loops; only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NOCTURN_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")
os.environ.setdefault("TEST_DATABASE_NAME", "bench_handoff")

from devtools import devstack  # noqa: E402

devstack.up()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from properties.models import Membership, Property, Role, User, WidgetKey  # noqa: E402
from properties.services import NewProperty, create_property, property_host  # noqa: E402
from testsupport.knowledge import load_knowledge  # noqa: E402
from testsupport.live import start_daphne, start_worker, stop  # noqa: E402

ORIGIN = "http://bench.example"


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50": statistics.median(ordered), "p95": cut[94], "max": ordered[-1]}


def staff_socket(port: int, property_: Property, user: User):  # noqa: ANN201
    client = Client(HTTP_HOST=property_host(property_.slug))
    with schema_context(property_.schema_name):
        client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    ws = connect(
        f"ws://{property_host(property_.slug)}:{port}/ws/staff/",
        sock=sock,
        additional_headers={"Cookie": cookie, "Origin": f"http://{property_host(property_.slug)}:{port}"},
        open_timeout=10,
    )
    assert json.loads(ws.recv(timeout=5))["event"] == "hello"
    return ws


def one_run(http_conn: http.client.HTTPConnection, port: int, key: str, ws) -> dict[str, float]:  # noqa: ANN001
    headers = {"Host": f"localhost:{port}", "Origin": ORIGIN, "Content-Type": "application/json"}
    body = json.dumps({"key": key, "consent": True, "consent_text": "Bench."})
    http_conn.request("POST", "/api/v1/conversations", body=body, headers=headers)
    started = json.loads(http_conn.getresponse().read())
    headers["X-Guest-Token"] = started["token"]
    posted = time.time()
    message = {"text": "I want to speak to a real person please", "client_id": uuid.uuid4().hex}
    http_conn.request(
        "POST",
        f"/api/v1/conversations/{started['conversation_id']}/messages",
        body=json.dumps(message),
        headers=headers,
    )
    response = http_conn.getresponse()
    response.read()
    assert response.status == 202, response.status
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        event = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if event["event"] == "handoff" and event["payload"]["conversation_id"] == started["conversation_id"]:
            received = time.time()
            return {
                "alert": (received - event["payload"]["decided_at"]) * 1000,
                "guest_post_to_alert": (received - posted) * 1000,
            }
    raise RuntimeError("no handoff alert within 30 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    runs, warmup = min(args.runs, 300), min(args.warmup, 20)  # bounded: a shared 2-core machine

    print("building the bench database …", flush=True)
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    log_dir = Path(tempfile.mkdtemp(prefix="bench-handoff-"))
    processes = []
    try:
        property_ = Property.objects.filter(slug="alerthotel").first() or create_property(
            NewProperty(name="Alert Hotel", slug="alerthotel")
        )
        property_.operating_hours = {d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        property_.save(update_fields=["operating_hours"])
        load_knowledge(property_.schema_name)
        key = WidgetKey.objects.create(property=property_, allowed_origins=[ORIGIN]).public_key
        manager = User.objects.create_user(email="manager@alerthotel.example", password=uuid.uuid4().hex)
        Membership.objects.create(user=manager, property=property_, role=Role.MANAGER)
        common = {
            "WIDGET_RATE_PER_KEY": "1000000",
            "WIDGET_RATE_PER_CLIENT": "1000000",
            "WIDGET_RATE_PER_IP": "1000000",
            "LOG_LEVEL": "WARNING",
        }
        daphne = start_daphne(log_dir, **common)
        processes.append(daphne.process)
        worker = start_worker(log_dir, **common)
        processes.append(worker.process)
        ws = staff_socket(daphne.port, property_, manager)
        http_conn = http.client.HTTPConnection("127.0.0.1", daphne.port, timeout=30)
        figures: dict[str, list[float]] = {"alert": [], "guest_post_to_alert": []}
        print(f"running {warmup} warm-up + {runs} handoffs …", flush=True)
        for i in range(warmup + runs):
            result = one_run(http_conn, daphne.port, key, ws)
            if i >= warmup:
                for name, value in result.items():
                    figures[name].append(value)
        ws.close()
        http_conn.close()
        print(f"\nHandoff alert over {runs} runs (ms)")
        print(f"  {'measure':<22}{'p50':>9}{'p95':>9}{'max':>9}")
        for name, values in figures.items():
            p = percentiles(values)
            print(f"  {name:<22}" + "".join(f"{p[k]:>9.1f}" for k in ("p50", "p95", "max")))
        if args.json:
            args.json.write_text(json.dumps({name: percentiles(v) for name, v in figures.items()}, indent=2))
    finally:
        for process in reversed(processes):
            stop(process)
        from nocturn.celery import app

        app.control.purge()  # the no-takeover e-mail tasks (10-minute countdown) must not outlive the bench
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
