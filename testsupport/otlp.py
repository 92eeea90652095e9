"""A fake OpenTelemetry collector on 127.0.0.1: OTLP/HTTP protobuf traces in, kept in memory.

Processes under test export with `OTEL_TRACES_EXPORTER=otlp` and
`OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint`; the test reads the decoded spans. The raw requests
are in `requests`, as for every `ScriptedHTTPServer`.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from testsupport.http import Request, Response, ScriptedHTTPServer, json_response
from testsupport.wait import wait_until


def _value(any_value: Any) -> Any:
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


@dataclass(frozen=True)
class ReceivedSpan:
    trace_id: str
    span_id: str
    parent_id: str
    name: str
    kind: int
    service: str
    attributes: dict[str, Any] = field(default_factory=dict)


class OtlpReceiver(ScriptedHTTPServer):
    name = "fake-otlp"

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[ReceivedSpan] = []

    @property
    def endpoint(self) -> str:
        return self.url

    def answer(self, request: Request) -> Response:
        if request.path != "/v1/traces":
            return json_response(404, {"error": "not found"})
        body = request.body
        encoding = request.headers.get("content-encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        export = ExportTraceServiceRequest()
        export.ParseFromString(body)
        self._add(export)
        return Response(200, ExportTraceServiceResponse().SerializeToString(), "application/x-protobuf")

    def _add(self, request: ExportTraceServiceRequest) -> None:
        spans = []
        for resource_spans in request.resource_spans:
            resource = {kv.key: _value(kv.value) for kv in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    spans.append(
                        ReceivedSpan(
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_id=span.parent_span_id.hex(),
                            name=span.name,
                            kind=span.kind,
                            service=str(resource.get("service.name", "")),
                            attributes={kv.key: _value(kv.value) for kv in span.attributes},
                        )
                    )
        with self._lock:
            self._spans.extend(spans)

    def spans(self) -> list[ReceivedSpan]:
        with self._lock:
            return list(self._spans)

    def wait_for(self, predicate: Callable[[list[ReceivedSpan]], bool], timeout: float = 30.0) -> bool:
        return bool(wait_until(lambda: predicate(self.spans()), timeout=timeout, interval=0.2))
