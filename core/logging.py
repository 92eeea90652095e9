"""Structured logging: every line carries the request id (or task id) and the property's schema."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import structlog
from django.db import connection
from django.http import HttpRequest, HttpResponse

from core.redaction import mask_pii_processor

REQUEST_ID_HEADER = "X-Request-ID"

_shared_processors: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def structured_formatter(json: bool = True) -> logging.Formatter:
    """Formatter for the stdlib root handler, so Django's and Celery's own lines are structured too."""
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # Tracebacks rendered to text first, so the PII mask below covers them too.
            structlog.processors.format_exc_info,
            # Last step before rendering: no guest phone number or e-mail address reaches a log line.
            mask_pii_processor,
            renderer,
        ],
    )


structlog.configure(
    processors=[*_shared_processors, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)


class RequestContextMiddleware:
    """Binds a request id and the property's schema to every log line of the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        # Accept a caller's id only if it is short and printable: it ends up in every log line.
        request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, property=connection.schema_name)
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response
