"""A fake Twilio-like SMS API on 127.0.0.1 for tests (a real HTTP server: the provider's real httpx client runs).

    with FakeSmsServer(account_sid="AC1", auth_token="t0k") as server:
        provider = HttpSmsProvider(server.url_template, "AC1", "t0k", "+60300000000")
        server.fail(status=500)            # the next request gets a 500
        server.delay(2.0)                  # the next request answers after 2 s

`POST /2010-04-01/Accounts/{sid}/Messages.json` with basic auth and form fields To, From, Body →
201 `{"sid": "SM…", "status": "queued", …}`; a bad number → 400 `{"code": 21211, …}`; wrong
credentials → 401.
"""

from __future__ import annotations

import base64
import itertools
import re

from testsupport.http import Fault, Request, Response, ScriptedHTTPServer, json_response

PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class FakeSmsServer(ScriptedHTTPServer):
    name = "fake-sms"

    def __init__(self, account_sid: str = "AC_fake", auth_token: str = "fake-token") -> None:  # noqa: S107
        super().__init__()
        self.account_sid, self.auth_token = account_sid, auth_token
        self._ids = itertools.count(1)

    @property
    def url_template(self) -> str:
        return f"{self.url}/2010-04-01/Accounts/{{sid}}/Messages.json"

    def sent(self) -> list[dict[str, str]]:
        return [r.form for r in self.requests if r.status == 201]

    def error(self, fault: Fault) -> Response:
        return json_response(fault.status, {"code": 20500, "message": "Internal Server Error", "status": fault.status})

    def answer(self, request: Request) -> Response:
        form = request.form
        match = PATH.match(request.path)
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if not match or match.group(1) != self.account_sid:
            return json_response(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
        if request.headers.get("authorization", "") != expected:
            return json_response(401, {"code": 20003, "message": "Authenticate", "status": 401})
        if not E164.match(form.get("To", "")):
            message = f"The 'To' number {form.get('To', '')} is not valid."
            return json_response(400, {"code": 21211, "message": message, "status": 400})
        if not form.get("Body"):
            return json_response(400, {"code": 21602, "message": "Message body is required.", "status": 400})
        sid = f"SM{next(self._ids):032d}"
        return json_response(201, {"sid": sid, "status": "queued", "to": form["To"], "from": form.get("From", "")})
