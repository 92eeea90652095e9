"""Analytics at scale: 100 properties × 2,000 conversations a month, then the nightly job and the page.

Not a test: it prints figures (record them in docs/benchmarks.md). It builds a throwaway database
on the embedded PostgreSQL (or DATABASE_URL's server), so nothing of yours is touched.

    .venv/bin/python bench/analytics_scale.py [--properties 100] [--per-month 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("NOCTURN_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")

from devtools import devstack

devstack.up()
BENCH_DB = "bench_analytics"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--properties", type=int, default=100)
    parser.add_argument("--per-month", type=int, default=2000)
    parser.add_argument("--page-requests", type=int, default=50)
    args = parser.parse_args()

    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = BENCH_DB
    django.setup()
    from django.db import connection

    _recreate_database(connection)
    from django.core.management import call_command

    call_command("migrate_schemas", "--shared", verbosity=0)

    from django.test import Client
    from django_tenants.utils import schema_context

    from analytics.services.aggregation import compute_day
    from devtools.demo_data import generate_history
    from properties.models import Role, User
    from properties.services import NewProperty, add_member, create_property

    per_day = max(1, args.per_month // 30)
    today = dt.date(2026, 11, 23)
    first = today - dt.timedelta(days=90)
    started = time.perf_counter()
    properties = []
    for index in range(args.properties):
        properties.append(create_property(NewProperty(name=f"Bench Hotel {index}", slug=f"bench-{index}")))
    built = time.perf_counter() - started
    print(f"created {len(properties)} properties (schemas) in {built:.1f} s")

    started = time.perf_counter()
    total = 0
    for property_ in properties[1:]:
        with schema_context(property_.schema_name):
            total += generate_history(property_, today - dt.timedelta(days=30), 30, per_day).conversations
    with schema_context(properties[0].schema_name):  # the page is measured on 90 days of this one
        total += generate_history(properties[0], first, 90, per_day).conversations
    print(f"generated {total:,} conversations in {time.perf_counter() - started:.1f} s")

    nightly_day = today - dt.timedelta(days=1)
    started = time.perf_counter()
    for property_ in properties:
        with schema_context(property_.schema_name):
            compute_day(nightly_day, property_)
    nightly = time.perf_counter() - started
    print(f"nightly aggregation of {len(properties)} properties: {nightly:.2f} s (goal < 60 s)")

    with schema_context(properties[0].schema_name):
        for offset in range(90):
            compute_day(first + dt.timedelta(days=offset), properties[0])
    manager = User.objects.create_user("bench@example.com", "bench-password-123")
    add_member(manager, properties[0], Role.MANAGER)
    client = Client(HTTP_HOST=f"bench-0.{settings.BASE_DOMAIN}")
    with schema_context(properties[0].schema_name):
        client.force_login(manager)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    path = f"/analytics/?from={first.isoformat()}&to={nightly_day.isoformat()}"
    from testsupport.http import free_port
    from testsupport.live import child_env, stop

    port = free_port()
    env = child_env(DEBUG="false", LOG_LEVEL="WARNING")
    daphne = subprocess.Popen(
        [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port), "nocturn.asgi:application"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        timings = _time_page(port, path, cookie, args.page_requests)
    finally:
        stop(daphne)
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    print(
        f"analytics page over HTTP (daphne), 90 days: p50 {statistics.median(timings):.1f} ms, "
        f"p95 {p95:.1f} ms over {len(timings)} requests (goal < 200 ms)"
    )
    connection.close()
    print(f"(database {BENCH_DB} left for inspection; drop it with: DROP DATABASE {BENCH_DB})")


def _time_page(port: int, path: str, cookie: str, requests: int) -> list[float]:
    import http.client

    headers = {"Host": "bench-0.localhost", "Cookie": cookie}
    deadline = time.monotonic() + 30
    while True:  # wait for daphne, bounded
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/v1/health")
            connection.getresponse().read()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    timings = []
    for attempt in range(requests + 1):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200 and b"<svg" in body, response.status
        if attempt:  # the first request warms the connection and the caches
            timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def _recreate_database(connection) -> None:  # noqa: ANN001
    import psycopg

    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")


if __name__ == "__main__":
    main()
