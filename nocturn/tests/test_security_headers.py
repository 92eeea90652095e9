"""Production settings pass `check --deploy`; every page sends a strict CSP and the other security headers."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.test import Client

from conftest import host_client
from testsupport.live import REPO_ROOT

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)


def production_env() -> dict[str, str]:
    """A production environment with dummy secrets and services nobody listens on: the checks must not need them."""
    from cryptography.fernet import Fernet

    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return {
        **keep,
        "NOCTURN_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": "postgresql://nocturn:dummy@127.0.0.1:9/nocturn",
        "REDIS_URL": "redis://127.0.0.1:9/0",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": secrets.token_hex(32),
        "BASE_DOMAIN": "nocturn.example",
    }


def test_check_deploy_is_clean_in_production() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_production_refuses_to_start_without_its_secret_key() -> None:
    env = production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=REPO_ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "nocturn.settings"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_production_settings_values() -> None:
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000,"
        " s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.DEBUG, s.SECURE_PROXY_SSL_HEADER)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django;django.setup();{code}"],
        cwd=REPO_ROOT,
        env={**production_env(), "DJANGO_SETTINGS_MODULE": "nocturn.settings"},
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "True True True True True False ('HTTP_X_FORWARDED_PROTO', 'https')", result.stderr


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def staff_pages(world) -> list[tuple[Client, str]]:
    manager = host_client(world.a, world.manager_a)
    return [
        (Client(HTTP_HOST="alpha.localhost"), "/login/"),
        (manager, "/"),
        (manager, "/leads/"),
        (manager, "/after-hours/"),
        (manager, "/reviews/"),
        (manager, "/analytics/"),
        (host_client(world.a, world.platform_admin), "/admin/"),
        (host_client(None, world.platform_admin), "/admin/"),
        (Client(HTTP_HOST="localhost"), "/api/docs/"),
    ]


def test_staff_pages_send_a_strict_content_security_policy(world) -> None:
    for client, path in staff_pages(world):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        policy = directives(response)
        assert policy["default-src"] == ["'self'"], path
        assert policy["script-src"] == ["'self'"], path
        assert policy["style-src"] == ["'self'"], path
        assert policy["frame-ancestors"] == ["'none'"], path
        assert policy["object-src"] == ["'none'"], path
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["X-Frame-Options"] == "DENY"


def test_our_staff_pages_have_no_inline_script_or_style(world) -> None:
    """The policy forbids them, so any left would silently not run; the Django admin's own are not ours."""
    for client, path in staff_pages(world):
        if path == "/admin/":
            continue
        html = client.get(path).content.decode()
        assert not INLINE_SCRIPT.search(html), (path, INLINE_SCRIPT.search(html))
        assert not INLINE_STYLE.search(html), (path, INLINE_STYLE.search(html))


def test_the_swagger_ui_start_up_script_is_a_file(world) -> None:
    client = Client(HTTP_HOST="localhost")
    html = client.get("/api/docs/").content.decode()
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in s for s in scripts)
    init = next(s for s in scripts if "script" in s and "bundle" not in s and "preset" not in s)
    response = client.get(init if init.startswith("/") else "/api/docs/" + init)
    assert response.status_code == 200 and b"SwaggerUIBundle" in response.content


def test_the_widget_demo_page_allows_only_the_widgets_api_origin(world) -> None:
    from properties.models import WidgetKey

    WidgetKey.objects.create(property=world.a, allowed_origins=["http://alpha.localhost"])
    response = Client(HTTP_HOST="alpha.localhost").get("/widget-demo/")
    policy = directives(response)
    assert policy["script-src"] == ["'self'", "http://localhost"]
    assert set(policy["connect-src"]) == {"'self'", "http://localhost", "ws://localhost"}
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"]


def test_the_widget_script_is_served_as_javascript_with_nosniff(world) -> None:
    response = Client(HTTP_HOST="localhost").get("/widget.js")
    assert response["Content-Type"].startswith("application/javascript")
    assert response["X-Content-Type-Options"] == "nosniff"
