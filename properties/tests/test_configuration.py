"""Settings, commands and logging."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from conftest import host_client
from core.logging import structured_formatter
from properties.models import EmailBinding, Membership, Property, User, WhatsAppBinding, WidgetKey


def _setup_django(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _setup_django({"NOCTURN_ENV": "production"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment when NOCTURN_ENV=production" in result.stderr


def test_production_starts_with_its_secrets():
    result = _setup_django(
        {
            "NOCTURN_ENV": "production",
            "SECRET_KEY": "x" * 50,
            "DATABASE_URL": "postgresql://u@db/nocturn",
            "REDIS_URL": "redis://cache:6379/0",
        }
    )
    assert result.returncode == 0, result.stderr


def test_seed_demo_is_idempotent(world):
    def counts() -> tuple[int, ...]:
        models = (Property, User, Membership, WhatsAppBinding, EmailBinding, WidgetKey)
        return tuple(model.objects.count() for model in models)

    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    key = WidgetKey.objects.get(property__slug="demo").public_key
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first
    assert WidgetKey.objects.get(property__slug="demo").public_key == key
    demo = Property.objects.get(slug="demo")
    assert {m.user.email: m.role for m in demo.memberships.all()} == {
        "manager@demo.localhost": "manager",
        "agent@demo.localhost": "agent",
    }


def test_create_property_refuses_a_bad_timezone_and_creates_nothing(world):
    with pytest.raises(CommandError, match="timezone"):
        call_command("create_property", name="Nowhere", slug="nowhere", timezone="Nowhere/Land")
    assert not Property.objects.filter(slug="nowhere").exists()


def test_every_response_carries_a_request_id(world):
    response = host_client(world.a, world.manager_a).get("/", HTTP_X_REQUEST_ID="req-123")
    assert response["X-Request-ID"] == "req-123"
    generated = host_client(world.a, world.manager_a).get("/")
    assert len(generated["X-Request-ID"]) == 32


def test_log_lines_are_json_with_the_request_id_and_property(world):
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        host_client(world.a, world.manager_a).get("/no-such-page/", HTTP_X_REQUEST_ID="trace-42")
    finally:
        logger.removeHandler(handler)
    assert records, "a 404 is logged by django.request"
    line = json.loads(structured_formatter(json=True).format(records[-1]))
    assert line["request_id"] == "trace-42"
    assert line["property"] == "alpha"
    assert line["level"] == "warning"


def test_without_redis_server_on_the_path_the_wheels_redis_is_started(tmp_path):
    from testsupport.http import free_port

    port = free_port()
    script = (
        "from devtools import devstack; import redis; url = devstack.ensure_redis(); "
        "client = redis.Redis.from_url(url); print(client.ping()); client.shutdown(nosave=True)"
    )
    env = {
        **os.environ,
        "PATH": os.path.dirname(sys.executable),  # the venv's bin: no redis-server there
        "NOCTURN_REDIS_PORT": str(port),
        "NOCTURN_DATA_DIR": str(tmp_path),
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
