"""A fake SMTP server (aiosmtpd) on 127.0.0.1 that keeps every mail it receives (SMTP, not HTTP: the
one fake not built on `testsupport.http`).

Point Django's SMTP backend at it (`EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend`,
`EMAIL_HOST=127.0.0.1`, `EMAIL_PORT=server.port`) to see exactly what would leave the building:

    with FakeSmtpServer() as smtp:
        ...send...
        mail = smtp.wait_for(1)[0]
        mail.message["In-Reply-To"]
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller

from testsupport.http import free_port
from testsupport.wait import wait_until


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage


class _Collector:
    def __init__(self, server: FakeSmtpServer) -> None:
        self.server = server

    async def handle_RCPT(  # aiosmtpd's hook name
        self, smtp: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() in self.server.refused:
            return "550 5.1.1 Mailbox unavailable"
        if self.server.temporary_failures > 0:
            self.server.temporary_failures -= 1
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's hook name
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        message = message_from_bytes(raw, policy=default_policy)
        self.server._received(ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), raw, message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class FakeSmtpServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._mails: list[ReceivedMail] = []
        self.refused: set[str] = set()  # recipients answered 550 (permanent)
        self.temporary_failures = 0  # the next N recipients are answered 451 (try later)
        self._lock = threading.Lock()
        self._controller = Controller(_Collector(self), hostname=host, port=self.port, ready_timeout=5.0)

    def start(self) -> FakeSmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> FakeSmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _received(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._mails.append(mail)

    @property
    def mails(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._mails)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        """The first `count` mails, waiting up to `timeout` seconds; fewer if they never came."""
        wait_until(lambda: len(self.mails) >= count, timeout=timeout, interval=0.02)
        return self.mails[:count]

    def clear(self) -> None:
        with self._lock:
            self._mails.clear()
