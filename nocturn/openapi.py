"""OpenAPI post-processing: the error answers every endpoint can give, documented once for all.

Views document their successes and their own errors; the framework's errors (a body or query
that does not validate, missing or bad credentials, a role that may not act, an id outside the
caller's property) come from DRF and our lookup helpers on every endpoint alike. Listing them here
keeps the schema true (schemathesis checks every status code against it, nocturn/tests/test_api_fuzz.py)
without repeating four lines on each view. A view's own description of one of these codes wins.
"""

from __future__ import annotations

from typing import Any

_ERROR_BODY = {
    "application/json": {
        "schema": {
            "type": "object",
            "additionalProperties": True,
            "description": 'An error: `{"detail": …}` (DRF), `{"error": …}` (webhooks, widget) or field errors.',
        }
    }
}
_STANDARD = {
    "400": "The request body or query does not validate.",
    "401": "Missing or invalid credentials (session, JWT, guest token or signature).",
    "403": "Authenticated, but this role or origin may not do this.",
    "404": "No such resource in the caller's properties (other properties' ids answer 404 too).",
    "413": "The request body is larger than this door accepts (INPUT_MAX_JSON_BYTES for JSON bodies).",
}
_METHODS = {"get", "post", "put", "patch", "delete"}


def add_standard_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: add 400/401/403/404 where an operation lists none."""
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in _STANDARD.items():
                responses.setdefault(code, {"description": description, "content": _ERROR_BODY})
    return result
