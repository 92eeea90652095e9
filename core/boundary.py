"""The input boundary at the HTTP doors: `core.inputs` applied once, for every view.

- `InputBoundaryMiddleware` refuses a NUL (or a lone surrogate) in any query-string parameter or
  page form field before a view runs, turns a `BadInput` raised anywhere in a view (DRF's handler
  passes on what it does not know) into a 400, and answers a body over Django's size cap with a
  413 (JSON on /api/, not an HTML page).
- `BoundedJSONParser`, the API's JSON parser: the body's size and nesting depth are capped before
  parsing, decoding is strict, and a NUL or a lone surrogate anywhere in it is a 400 naming the
  field (`items[3].title`).
- `Utf8FormParser`, the API's url-encoded form parser: a body that is not UTF-8 is a 400 (as a page's form is
  in the middleware), never read with "�" in place of what was sent.
- `object_body(data)`: the parsed body as a JSON object, or a 400 saying it must be one.

Multipart bodies on /api/ are left to their views (a webhook reads the raw bytes, which parsing the
form here would consume); DRF's and Django's char fields refuse NUL there, and multipart decoding
cannot yield a lone surrogate.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import FormParser, JSONParser

from core.inputs import BadInput, clean_text, load_json

FORM_TYPE = "application/x-www-form-urlencoded"


def bad_input_body(error: BadInput) -> dict[str, str]:
    return {"detail": str(error), "field": error.field, "reason": error.reason}


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def refusal(request: HttpRequest, error: BadInput) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(bad_input_body(error), status=400)
    return HttpResponseBadRequest(f"Bad request: {error}", content_type="text/plain; charset=utf-8")


def form_is_utf8(body: bytes) -> bool:
    """Whether a url-encoded body is UTF-8 text once unquoted. Django reads other bytes as U+FFFD, so a staff
    reply posted in another encoding reached the guest as "��"; such a form is refused, never guessed at."""
    try:
        unquote_to_bytes(body.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


NOT_UTF8 = "the form is not UTF-8 text"


def check_fields(fields: Mapping[str, Any], where: str) -> None:
    """Every key and value of a QueryDict (or any mapping of strings or lists of strings)."""
    items = fields.lists() if hasattr(fields, "lists") else fields.items()
    for name, values in items:
        label = f"{where} {clean_text(name, where, nul='reject')}"
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, str):
                clean_text(value, label, nul="reject")


class InputBoundaryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_fields(request.GET, "query parameter")
            if request.method == "POST" and self._reads_form(request):
                # A page's form; an API's is its parser's (`Utf8FormParser`), a webhook's its own (mail in any charset).
                if request.content_type == FORM_TYPE and not _is_api(request) and not form_is_utf8(request.body):
                    raise BadInput("body", NOT_UTF8)
                check_fields(request.POST, "form field")
        except BadInput as error:
            return refusal(request, error)
        except RequestDataTooBig:
            return self._too_big(request)
        return self.get_response(request)

    @staticmethod
    def _reads_form(request: HttpRequest) -> bool:
        # Pages' forms, url-encoded or multipart. API doors read their own bodies: a webhook needs
        # the raw bytes, which parsing a multipart form here would consume (DRF reuses a parsed form).
        if request.content_type == FORM_TYPE:
            return True
        return request.content_type == "multipart/form-data" and not _is_api(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, BadInput):
            return refusal(request, exception)
        if isinstance(exception, RequestDataTooBig):
            return self._too_big(request)
        return None

    def _too_big(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        detail = f"The request body is larger than {limit} bytes."
        if _is_api(request):
            return JsonResponse({"detail": detail}, status=413)
        return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")


class BodyTooLarge(APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "too_large"


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with the boundary's caps; at most `INPUT_MAX_JSON_BYTES` + 1 bytes are ever read."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        limit = settings.INPUT_MAX_JSON_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge(f"The JSON body is larger than {limit} bytes.")
        try:
            return load_json(raw, "body", max_bytes=limit, max_depth=settings.INPUT_MAX_JSON_DEPTH, nul="reject")
        except BadInput as error:
            raise ParseError(bad_input_body(error)) from None


class Utf8FormParser(FormParser):
    """DRF's url-encoded form parser, refusing a body that is not UTF-8 (see `form_is_utf8`) with a 400."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        raw = stream.read() if stream is not None else b""
        if not form_is_utf8(raw):
            raise ParseError(bad_input_body(BadInput("body", NOT_UTF8)))
        return super().parse(io.BytesIO(raw), media_type, parser_context)


def object_body(data: Any) -> dict[str, Any]:
    """A request body that must be a JSON object (not a list, a string or a number)."""
    if not isinstance(data, Mapping):
        raise BadInput("body", "must be a JSON object")
    return dict(data)
