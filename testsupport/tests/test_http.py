"""The scripted loopback HTTP server every fake of a provider is built on."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from testsupport.http import Request, Response, ScriptedHTTPServer, json_response


class Echo(ScriptedHTTPServer):
    """Answers 200 with what it was sent; /stream answers three events, a little apart."""

    def answer(self, request: Request) -> Response:
        if request.path == "/stream":
            return Response(200, content_type="text/event-stream", chunks=self._events())
        return json_response(200, {"path": request.path, "body": request.json})

    def _events(self) -> Iterator[bytes]:
        for n in range(3):
            yield f"data: {n}\n\n".encode()
            time.sleep(0.05)


class LoggedWhenAnswered(Echo):
    record_on_arrival = False


def test_it_answers_and_logs_every_request_with_its_status() -> None:
    with Echo() as server, httpx.Client(base_url=server.url, timeout=2) as http:
        assert http.post("/a?x=1", json={"n": 1}).json() == {"path": "/a", "body": {"n": 1}}
        (request,) = server.requests
        assert (request.method, request.path, request.query, request.status) == ("POST", "/a", {"x": ["1"]}, 200)
        assert request.json == {"n": 1} and request.headers["content-type"] == "application/json"
        assert server.hits() == 1


def test_faults_are_taken_in_order_and_aimed_by_path_and_after() -> None:
    with Echo() as server, httpx.Client(base_url=server.url, timeout=2) as http:
        server.fail(times=2, status=503, path="/messages", after=1)
        assert http.get("/media").status_code == 200  # another path is not aimed at
        assert [http.post("/messages").status_code for _ in range(4)] == [200, 503, 503, 200]
        server.fail(status=500)
        server.fail(status=200, body={"scripted": True})
        server.fail(status=429, body="slow down")
        assert http.get("/x").json() == {"error": {"message": "Internal Server Error"}}
        assert http.get("/x").json() == {"scripted": True}
        limited = http.get("/x")
        assert (limited.status_code, limited.text) == (429, "slow down")
        assert http.get("/x").json()["path"] == "/x"  # the script is used up
        assert [r.status for r in server.requests] == [200, 200, 503, 503, 200, 500, 200, 429, 200]


def test_a_delay_longer_than_the_clients_timeout_is_a_timeout_and_the_next_request_is_answered() -> None:
    with Echo() as server, httpx.Client(base_url=server.url) as http:
        server.delay(1.0)
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            http.get("/slow", timeout=0.2)
        assert time.monotonic() - started < 0.9
        assert http.get("/fast", timeout=2).status_code == 200


@pytest.mark.parametrize(("server_type", "seen_while_answering"), [(Echo, 1), (LoggedWhenAnswered, 0)])
def test_a_request_is_logged_on_arrival_or_once_answered(server_type: type[Echo], seen_while_answering: int) -> None:
    with server_type() as server:
        server.delay(0.5)
        caller = threading.Thread(target=httpx.get, args=(f"{server.url}/held",), kwargs={"timeout": 3})
        caller.start()
        time.sleep(0.25)
        assert server.hits() == seen_while_answering
        caller.join()
        assert [(r.path, r.status) for r in server.requests] == [("/held", 200)]


def test_a_stream_is_written_chunk_by_chunk_and_ends_with_the_connection() -> None:
    with Echo() as server, httpx.stream("GET", f"{server.url}/stream", timeout=2) as response:
        assert response.headers["content-type"] == "text/event-stream"
        assert "content-length" not in response.headers
        chunks = list(response.iter_raw())
    assert b"".join(chunks) == b"data: 0\n\ndata: 1\n\ndata: 2\n\n"
    assert len(chunks) > 1, "the events were buffered into one write"


def test_another_process_drives_it_over_the_control_paths() -> None:
    with Echo() as server, httpx.Client(base_url=server.url, timeout=2) as http:
        assert http.post("/_fake/faults", json={"status": 502, "path_contains": "/b"}).status_code == 200
        assert http.get("/a").status_code == 200 and http.get("/b").status_code == 502
        rows = http.get("/_fake/requests").json()
        assert [(row["path"], row["status"]) for row in rows] == [("/a", 200), ("/b", 502)]
        assert http.post("/_fake/faults", json={"no_such_field": 1}).status_code == 400
        assert http.post("/_fake/reset").status_code == 200
        assert http.get("/_fake/requests").json() == [] and server.requests == []


def test_its_address_is_known_before_it_starts_and_nobody_listens_once_stopped() -> None:
    server = Echo()
    url = server.url
    assert url.startswith("http://127.0.0.1:") and server.port > 0
    server.stop()  # never started: the socket is closed all the same
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=1)
