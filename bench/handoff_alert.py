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

import http.client
import json
import os
import socket
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NOCTURN_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")
os.environ.setdefault("TEST_DATABASE_NAME", "bench_handoff")

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from bench.guest_turn import ORIGIN, bench_site, measured_runs, percentiles  # noqa: E402 (sets up Django)
from nocturn.celery import app  # noqa: E402
from properties.models import Membership, Property, Role, User  # noqa: E402
from properties.services import property_host  # noqa: E402
from testsupport.live import stop  # noqa: E402


def staff_socket(port: int, property_: Property, user: User):  # noqa: ANN201
    client = Client(HTTP_HOST=property_host(property_.slug))
    with schema_context(property_.schema_name):
        client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    host = f"{property_host(property_.slug)}:{port}"
    ws = connect(
        f"ws://{host}/ws/staff/",
        sock=sock,
        # As the dashboard's page opens it: the staff feed refuses a socket without its host's own Origin.
        additional_headers={"Cookie": cookie, "Origin": f"http://{host}"},
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
    args = measured_runs(__doc__, "runs", default=40, warmup=3)
    runs, warmup = min(args.runs, 300), min(args.warmup, 20)  # bounded: a shared 2-core machine

    with bench_site("alerthotel", "Alert Hotel", WIDGET_RATE_PER_KEY="1000000", LOG_LEVEL="WARNING") as site:
        manager = User.objects.create_user(email="manager@alerthotel.example", password=uuid.uuid4().hex)
        Membership.objects.create(user=manager, property=site.property, role=Role.MANAGER)
        worker = site.worker()
        try:
            ws = staff_socket(site.daphne.port, site.property, manager)
            http_conn = http.client.HTTPConnection("127.0.0.1", site.daphne.port, timeout=30)
            figures: dict[str, list[float]] = {"alert": [], "guest_post_to_alert": []}
            print(f"running {warmup} warm-up + {runs} handoffs …", flush=True)
            for i in range(warmup + runs):
                result = one_run(http_conn, site.daphne.port, site.key, ws)
                if i >= warmup:
                    for name, value in result.items():
                        figures[name].append(value)
            ws.close()
            http_conn.close()
        finally:
            stop(worker.process)
            app.control.purge()  # the no-takeover e-mail tasks (10-minute countdown) must not outlive the bench
    print(f"\nHandoff alert over {runs} runs (ms)")
    print(f"  {'measure':<22}{'p50':>9}{'p95':>9}{'max':>9}")
    for name, values in figures.items():
        p = percentiles(values)
        print(f"  {name:<22}" + "".join(f"{p[k]:>9.1f}" for k in ("p50", "p95", "max")))
    if args.json:
        args.json.write_text(json.dumps({name: percentiles(v) for name, v in figures.items()}, indent=2))


if __name__ == "__main__":
    main()
