"""The real openai and anthropic clients against fake servers on 127.0.0.1: streaming, 429, 5xx, timeouts,
failover to the offline provider, and the circuit breaker opening and closing."""

from __future__ import annotations

import time

import pytest

from assistant.circuit import CircuitBreaker
from assistant.providers.base import ChatRequest, Hit
from assistant.router import generate
from testsupport.llm import hang, status, stream

BREAKFAST = Hit(1, 1, "Breakfast", "dining", "Breakfast is served from 7:00 to 10:30 in the Lobby Cafe.", 0.9)


def request(question: str = "What time is breakfast?") -> ChatRequest:
    return ChatRequest(
        system="You are a hotel assistant.",
        messages=[{"role": "user", "content": question}],
        question=question,
        language="en",
        mode="concierge",
        hits=(BREAKFAST,),
    )


def run(req: ChatRequest | None = None):
    tokens: list[str] = []
    resets: list[bool] = []
    routed = generate(req or request(), tokens.append, on_reset=lambda: resets.append(True))
    return routed, tokens, resets


def test_it_streams_the_primary_providers_answer_token_by_token(llm_settings, fake_openai) -> None:
    fake_openai.enqueue(stream("Breakfast runs from seven to half past ten."))
    routed, tokens, _ = run()
    assert routed.result.provider == "openai"
    assert routed.result.text == "Breakfast runs from seven to half past ten."
    assert len(tokens) == 8 and "".join(tokens) == routed.result.text
    assert routed.result.tokens_in == 42 and routed.result.tokens_out == 8
    sent = fake_openai.requests[0].json
    assert sent["stream"] is True and sent["model"] == "fake-gpt"
    assert sent["messages"][0] == {"role": "system", "content": "You are a hotel assistant."}


def test_a_429_then_success_is_answered_by_the_primary_after_one_retry(
    llm_settings, fake_openai, fake_anthropic
) -> None:
    fake_openai.enqueue(status(429), stream("Yes, we have a pool."))
    routed, _, _ = run()
    assert routed.result.provider == "openai"
    assert routed.result.text == "Yes, we have a pool."
    assert fake_openai.hits() == 2 and fake_anthropic.hits() == 0


def test_500s_fail_over_to_anthropic_and_the_attempts_are_recorded(llm_settings, fake_openai, fake_anthropic) -> None:
    fake_openai.default = status(500)
    fake_anthropic.enqueue(stream("Breakfast is from 7:00 to 10:30."))
    routed, tokens, _ = run()
    assert routed.result.provider == "anthropic"
    assert routed.result.model == "fake-haiku"
    assert "".join(tokens) == "Breakfast is from 7:00 to 10:30."
    assert [(a.provider, a.outcome) for a in routed.attempts] == [("openai", "http 500"), ("anthropic", "ok")]
    assert fake_openai.hits() == 2  # the SDK's single retry, then failover
    assert fake_anthropic.requests[0].path == "/v1/messages"
    assert fake_anthropic.requests[0].json["system"] == "You are a hotel assistant."


def test_a_timeout_and_an_overloaded_fallback_end_with_the_offline_provider(
    llm_settings, fake_openai, fake_anthropic
) -> None:
    llm_settings.LLM_MAX_RETRIES = 0
    fake_openai.default = hang(3)
    fake_anthropic.default = status(529)
    started = time.monotonic()
    routed, tokens, _ = run()
    assert time.monotonic() - started < 2.5, "the explicit timeout must cut a hanging provider short"
    assert [(a.provider, a.outcome) for a in routed.attempts] == [
        ("openai", "timeout"),
        ("anthropic", "http 529"),
        ("offline", "ok"),
    ]
    assert routed.result.provider == "offline"
    assert "7:00 to 10:30" in routed.result.text and "".join(tokens) == routed.result.text


def test_a_provider_failing_mid_stream_is_discarded_before_the_next_one_speaks(
    llm_settings, fake_openai, fake_anthropic
) -> None:
    llm_settings.LLM_MAX_RETRIES = 0
    fake_openai.enqueue(stream(""))  # an empty answer counts as a failure, after the stream opened
    fake_anthropic.enqueue(stream("From the fallback."))
    routed, tokens, resets = run()
    assert routed.result.provider == "anthropic"
    assert "".join(tokens) == "From the fallback."
    assert resets == []  # nothing was shown, so nothing had to be taken back


def test_the_circuit_opens_after_repeated_failures_and_closes_after_a_successful_probe(
    llm_settings, fake_openai, fake_anthropic
) -> None:
    llm_settings.LLM_MAX_RETRIES = 0
    fake_openai.default = status(503)
    fake_anthropic.default = stream("Fallback answer.")
    breaker = CircuitBreaker("openai")
    for _ in range(3):
        assert run()[0].result.provider == "anthropic"
    assert breaker.state() == "open"
    hits_when_open = fake_openai.hits()
    assert hits_when_open == 3

    routed, _, _ = run()
    assert routed.attempts[0].outcome == "skipped: circuit open"
    assert fake_openai.hits() == hits_when_open, "an open circuit must not call the dead provider"

    time.sleep(1.1)  # LLM_CIRCUIT_COOLDOWN = 1 s
    assert breaker.state() == "half_open"
    fake_openai.default = stream("Primary is back.")
    routed, _, _ = run()
    assert routed.result.provider == "openai"
    assert breaker.state() == "closed"


def test_a_failed_probe_reopens_the_circuit(llm_settings, fake_openai) -> None:
    llm_settings.LLM_MAX_RETRIES = 0
    fake_openai.default = status(500)
    for _ in range(3):
        run()
    time.sleep(1.1)
    run()  # the probe fails
    assert CircuitBreaker("openai").state() == "open"
    assert fake_openai.hits() == 4


@pytest.mark.parametrize("fallback", ["openai_fallback"])
def test_a_second_openai_compatible_endpoint_can_be_the_fallback(llm_settings, fake_openai, fallback) -> None:
    from testsupport.llm import FakeLLMServer

    second = FakeLLMServer("openai", default=stream("From the second endpoint.")).start()
    try:
        llm_settings.LLM_MAX_RETRIES = 0
        llm_settings.ANTHROPIC_API_KEY = ""
        llm_settings.LLM_FALLBACK_API_KEY = "sk-second"
        llm_settings.LLM_FALLBACK_BASE_URL = second.base_url
        fake_openai.default = status(502)
        routed, _, _ = run()
        assert routed.result.provider == fallback
        assert routed.result.text == "From the second endpoint."
    finally:
        second.stop()
