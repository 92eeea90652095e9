"""Per-request time on the web process (issue 18): daphne's database connections carry PostgreSQL's
statement_timeout (WEB_STATEMENT_TIMEOUT_MS), so a statement stuck on a request path (here: waiting on a
row another session holds) is cancelled and the request answered 500, our own transient failure, instead
of holding a connection and a thread. Other processes (this test process, Celery) are not limited."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from django.db import connection, transaction

from conftest import PASSWORD
from properties.models import Property
from testsupport.live import own_daphne


def test_a_slow_statement_on_a_request_path_is_cut_on_the_web_process(committed_db: Any, live_logs: Any) -> None:
    world = committed_db
    with own_daphne(live_logs, WEB_STATEMENT_TIMEOUT_MS="500") as server:
        base = f"http://localhost:{server.port}/api/v1"
        login = httpx.post(
            f"{base}/auth/token", json={"email": world.manager_a.email, "password": PASSWORD}, timeout=30
        )
        headers = {"Authorization": f"Bearer {login.json()['access']}"}
        url = f"{base}/properties/{world.a.pk}/settings"
        body = {"notifications": {"notification_email": "night-shift@alpha.example"}}
        before = Property.objects.get(pk=world.a.pk).notification_email
        with transaction.atomic():
            # Another session holds the property's row, as a long transaction elsewhere would.
            Property.objects.select_for_update().get(pk=world.a.pk)
            started = time.monotonic()
            cut = httpx.put(
                url, content=json.dumps(body), headers=headers | {"Content-Type": "application/json"}, timeout=60
            )
            waited = time.monotonic() - started
        assert cut.status_code == 500, cut.text[:300]
        assert waited < 10, waited  # cut near 0.5 s (plus a loaded machine's request time), not left waiting
        assert Property.objects.get(pk=world.a.pk).notification_email == before
        log = (live_logs / f"daphne-{server.port}.log").read_text(errors="replace")
        assert "statement timeout" in log
        # The row free again, the same request succeeds: nothing else was wrong with it.
        done = httpx.put(
            url, content=json.dumps(body), headers=headers | {"Content-Type": "application/json"}, timeout=60
        )
        assert done.status_code == 200, done.text[:300]
    Property.objects.filter(pk=world.a.pk).update(notification_email=before)


def test_other_processes_have_no_statement_timeout(committed_db: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
