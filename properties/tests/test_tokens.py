"""JWT refresh tokens: good once (rotation with simplejwt's blacklist), revoked at logout."""

from __future__ import annotations

from django.test import Client

from conftest import PASSWORD


def _post(path: str, body: dict) -> tuple[int, dict]:
    response = Client(HTTP_HOST="localhost").post(f"/api/v1/auth/{path}", body, content_type="application/json")
    return response.status_code, response.json()


def test_a_refresh_token_is_good_once_and_logout_revokes_the_new_one(world) -> None:
    status, pair = _post("token", {"email": world.manager_a.email, "password": PASSWORD})
    assert status == 200
    status, rotated = _post("token/refresh", {"refresh": pair["refresh"]})
    assert status == 200 and rotated["refresh"] != pair["refresh"] and rotated["access"]
    # Replaying the first refresh token (say, stolen from a log) is refused.
    assert _post("token/refresh", {"refresh": pair["refresh"]})[0] == 401
    assert _post("logout", {"refresh": rotated["refresh"]})[0] == 200
    assert _post("token/refresh", {"refresh": rotated["refresh"]})[0] == 401
    assert _post("logout", {"refresh": "not-a-token"})[0] == 401
    assert _post("logout", {})[0] == 400
