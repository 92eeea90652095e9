"""The SMS providers: the HTTP one against a fake Twilio-like server on 127.0.0.1, errors by meaning."""

from __future__ import annotations

import pytest

from integrations import sms
from messaging.base import PermanentSendError, TransientSendError
from testsupport.sms import FakeSmsServer

SID, TOKEN, SENDER = "AC_test", "secret-token", "+60300000000"


@pytest.fixture
def server():
    with FakeSmsServer(SID, TOKEN) as fake:
        yield fake


def _provider(server: FakeSmsServer, token: str = TOKEN, timeout: float = 2.0) -> sms.HttpSmsProvider:
    return sms.HttpSmsProvider(server.url_template, SID, token, SENDER, timeout=timeout)


def test_it_sends_a_form_with_basic_auth_and_returns_the_sid(server: FakeSmsServer) -> None:
    result = _provider(server).send("+60123456789", "Your order POS-1 is ready.")
    assert result.provider_id.startswith("SM")
    assert server.sent() == [{"To": "+60123456789", "From": SENDER, "Body": "Your order POS-1 is ready."}]
    assert server.requests[0].headers["authorization"].startswith("Basic ")


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_server_error_or_rate_limit_is_transient(server: FakeSmsServer, status: int) -> None:
    server.fail(status=status)
    with pytest.raises(TransientSendError):
        _provider(server).send("+60123456789", "hello")
    assert _provider(server).send("+60123456789", "hello").provider_id  # and the retry goes through


def test_a_timeout_is_transient(server: FakeSmsServer) -> None:
    server.delay(1.5)
    with pytest.raises(TransientSendError, match="timed out"):
        _provider(server, timeout=0.3).send("+60123456789", "hello")


def test_an_unreachable_provider_is_transient() -> None:
    provider = sms.HttpSmsProvider("http://127.0.0.1:9/2010-04-01/Accounts/{sid}/Messages.json", SID, TOKEN, SENDER)
    with pytest.raises(TransientSendError):
        provider.send("+60123456789", "hello")


def test_a_refused_number_or_bad_credentials_are_permanent(server: FakeSmsServer) -> None:
    with pytest.raises(PermanentSendError, match="21211|not valid"):
        _provider(server).send("12345", "hello")
    with pytest.raises(PermanentSendError, match="401"):
        _provider(server, token="wrong").send("+60123456789", "hello")
    assert server.sent() == []


def test_an_answer_without_a_sid_is_permanent_so_the_guest_is_not_texted_twice(server: FakeSmsServer) -> None:
    server.fail(status=200, body='{"status": "queued"}')
    with pytest.raises(PermanentSendError, match="without a sid"):
        _provider(server).send("+60123456789", "hello")


def test_the_provider_comes_from_settings(settings, server: FakeSmsServer) -> None:
    settings.SMS_PROVIDER = "http"
    settings.SMS_API_URL, settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN = server.url_template, SID, TOKEN
    settings.SMS_FROM = SENDER
    provider = sms.provider()
    assert isinstance(provider, sms.HttpSmsProvider) and provider.send("+60123456789", "hi").provider_id
    settings.SMS_PROVIDER = "console"
    assert isinstance(sms.provider(), sms.ConsoleSmsProvider)
    settings.SMS_PROVIDER = ""
    assert sms.provider() is None


def test_the_console_provider_never_logs_the_number_or_the_text(caplog) -> None:
    caplog.set_level("INFO")
    provider = sms.ConsoleSmsProvider()
    provider.send("+60123456789", "Booking BK-1 for Aisyah")
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "sms_console" in logged and "…6789" in logged  # it was logged, masked
    assert "60123456789" not in logged and "Aisyah" not in logged
