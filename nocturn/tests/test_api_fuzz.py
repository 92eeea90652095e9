"""schemathesis over our OpenAPI schema (/api/schema/) against a live daphne: no server error (5xx) and every
response as the schema says (status code, content type and body).

Hostile strings: schemathesis already generates NUL; lone surrogates cannot be encoded for the wire, so
each case is also poisoned (`poison`): some strings of its JSON body get a lone surrogate (sent as its
JSON escape, as an attacker would) or a NUL, and some query values a NUL.

Bounded for CI: FUZZ_MAX_EXAMPLES generated requests per operation (default 5; `make fuzz` runs 200). The
calls are made as the manager of a property created for the run (so the endpoints do their work, and what
the fuzzer writes stays in that property's schema, dropped afterwards), then once without credentials.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PASSWORD
from properties.models import Property, Role, User
from properties.services import NewProperty, add_member, create_property

pytestmark = [pytest.mark.e2e]

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "5"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.status_code_conformance,
]


@pytest.fixture(scope="module")
def fuzz_property(properties_ab, django_db_blocker) -> Iterator[tuple[Property, User]]:
    with django_db_blocker.unblock():
        property_ = Property.objects.filter(slug="fuzz").first() or create_property(
            NewProperty(name="Fuzz Hotel", slug="fuzz")
        )
        user = User.objects.filter(email="manager@fuzz.example").first() or User.objects.create_user(
            "manager@fuzz.example", PASSWORD
        )
        add_member(user, property_, Role.MANAGER)
    yield property_, user
    with django_db_blocker.unblock():
        user.delete()
        property_.delete(force_drop=True)


@pytest.fixture
def api(committed_db, daphne, fuzz_property) -> Any:
    return schemathesis.openapi.from_url(f"http://localhost:{daphne.port}/api/schema/?format=json")


def token(daphne, email: str) -> str:
    import httpx

    response = httpx.post(
        f"http://localhost:{daphne.port}/api/v1/auth/token", json={"email": email, "password": PASSWORD}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()["access"]


HOSTILE = ["\ud800", "\udfff", "\x00", "\ud83d\x00"]


def _poisoned(value: Any, data: st.DataObject) -> Any:
    if isinstance(value, str) and data.draw(st.booleans(), label="poison this string"):
        return value + data.draw(st.sampled_from(HOSTILE), label="with")
    if isinstance(value, dict):
        return {key: _poisoned(child, data) for key, child in value.items()}
    if isinstance(value, list):
        return [_poisoned(child, data) for child in value]
    return value


def poison(case: Any, data: st.DataObject) -> dict[str, Any]:
    """Put lone surrogates and NUL where schemathesis cannot: JSON body strings and query values.

    Returns the body to send instead, serialised here with JSON escapes (`\\ud800`): a lone surrogate
    cannot be encoded as UTF-8 by the client, only escaped, which is how an attacker sends one.
    """
    replacement: dict[str, Any] = {}
    if isinstance(case.body, dict | list | str) and "json" in (case.media_type or ""):
        # The case keeps its own body: schemathesis encodes it again (reports, checks), which would fail.
        replacement["data"] = json.dumps(_poisoned(case.body, data)).encode()
    if case.query:
        case.query = {
            name: value + "\x00" if isinstance(value, str) and data.draw(st.booleans(), label="NUL") else value
            for name, value in case.query.items()
        }
    return replacement


def fuzz(operation: Any, headers: dict[str, str]) -> str | None:
    """Up to MAX_EXAMPLES generated requests against one operation; the first failure, as text, or None."""

    @given(case=operation.as_strategy(), data=st.data())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def run(case: Any, data: st.DataObject) -> None:
        body = poison(case, data)
        response = case.call(headers=headers, timeout=20, **body)
        if response.status_code == 400 and not response.content and not response.headers.get("content-type"):
            # Twisted (under daphne) refuses a malformed multipart body itself, with a bare 400 and no
            # headers, before Django sees the request: not our code, and not a 5xx.
            return
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except Exception as failure:  # reported with its operation; every operation still runs
        return f"{operation.method.upper()} {operation.path}:\n{failure}"
    return None


def operations(api: Any) -> list[Any]:
    found = [result.ok() for result in api.get_all_operations()]
    assert len(found) > 20  # the schema really lists our API
    return found


def test_the_api_answers_every_generated_request_as_its_schema_says(api, daphne, fuzz_property) -> None:
    headers = {"Authorization": f"Bearer {token(daphne, fuzz_property[1].email)}"}
    failures = [f for op in operations(api) if (f := fuzz(op, headers))]
    assert not failures, "\n\n".join(failures)


def test_anonymous_callers_get_documented_answers_too(api) -> None:
    failures = [f for op in operations(api) if (f := fuzz(op, {}))]
    assert not failures, "\n\n".join(failures)
