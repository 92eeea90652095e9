"""A fake OpenAI-compatible transcription endpoint (`POST /v1/audio/transcriptions`) on 127.0.0.1.

with FakeTranscriptionServer(text="Saya nak tempah bilik") as server:
    transcribe_audio(audio, "audio/ogg", base_url=server.base_url, api_key="k")
    server.fail(times=2, status=500)   # the next two calls get HTTP 500
    server.delay(1.0)                  # the next call answers after 1 s
"""

from __future__ import annotations

from testsupport.http import Fault, Request, Response, ScriptedHTTPServer, json_response


class FakeTranscriptionServer(ScriptedHTTPServer):
    name = "fake-transcription"

    def __init__(self, text: str = "hello", host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self.text = text

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def error(self, fault: Fault) -> Response:
        return json_response(fault.status, {"error": {"message": "fake failure", "type": "server_error"}})

    def answer(self, request: Request) -> Response:
        if request.path != "/v1/audio/transcriptions":
            return self.error(Fault(status=404))
        return json_response(200, {"text": self.text})
