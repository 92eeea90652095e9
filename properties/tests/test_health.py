from __future__ import annotations

import shutil
import subprocess
import urllib.request

import pytest
from django.test import override_settings

from conftest import host_client
from testsupport.http import free_port
from testsupport.wait import wait_until


def test_health_is_ok_when_everything_is_up(world):
    response = host_client(None).get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["checks"] == {"postgres": "ok", "redis": "ok", "celery_broker": "ok"}


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server on the PATH")
def test_health_names_redis_when_our_redis_is_down(world, tmp_path):
    port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        with override_settings(REDIS_URL=url, CELERY_BROKER_URL=url):
            up = wait_until(lambda: host_client(None).get("/api/v1/health").status_code == 200, timeout=10)
            assert up, "the test's own Redis did not come up"
            redis.terminate()
            redis.wait(timeout=10)
            response = host_client(None).get("/api/v1/health")
    finally:
        if redis.poll() is None:
            redis.kill()
    assert response.status_code == 503
    body = response.json()
    assert "redis" in body["down"] and "postgres" not in body["down"]
    assert body["checks"]["redis"].startswith("down")


@pytest.mark.e2e
def test_daphne_serves_health_on_the_real_stack(committed_db, daphne):
    with urllib.request.urlopen(daphne.url("/api/v1/health"), timeout=5) as response:
        assert response.status == 200
