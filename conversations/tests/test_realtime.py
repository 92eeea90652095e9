"""GuestStream on the real Redis channel layer: order kept, nothing lost, piled-up tokens merged."""

from __future__ import annotations

import asyncio

from channels.layers import get_channel_layer

from conversations import realtime
from conversations.realtime import GuestStream, guest_group


def test_a_stream_delivers_every_token_in_order_then_the_final_message() -> None:
    layer = get_channel_layer()
    loop = asyncio.new_event_loop()
    channel = loop.run_until_complete(layer.new_channel())
    loop.run_until_complete(layer.group_add(guest_group("alpha", 999_001), channel))
    try:
        stream = GuestStream("alpha", 999_001)
        words = [f"w{n} " for n in range(200)]
        for word in words:
            stream.push("token", {"text": word})
        stream.push("reset", {})
        stream.push("token", {"text": "Final answer."})
        stream.push("message", {"id": 1, "role": "ai", "content": "Final answer."})
        assert stream.flush(timeout=10)

        received = []
        while not received or received[-1]["event"] != "message":
            received.append(loop.run_until_complete(asyncio.wait_for(layer.receive(channel), 5)))
        kinds = [m["event"] for m in received]
        assert kinds[-3:] == ["reset", "token", "message"]
        shown_before_reset = "".join(m["payload"]["text"] for m in received[: kinds.index("reset")])
        assert "".join(words).startswith(shown_before_reset)  # whatever was shown came in order, nothing skipped
        assert received[-2]["payload"]["text"] == "Final answer."
        assert stream.sends == len(received) < 203  # tokens that piled up travelled together
    finally:
        loop.run_until_complete(layer.group_discard(guest_group("alpha", 999_001), channel))
        loop.close()


def _received_until_message(layer, loop, channel) -> list[dict]:
    received: list[dict] = []
    while not received or received[-1]["event"] != "message":
        received.append(loop.run_until_complete(asyncio.wait_for(layer.receive(channel), 5)))
    return received


def test_the_last_event_goes_from_the_calling_thread_after_what_was_pushed_before_it(monkeypatch) -> None:
    layer = get_channel_layer()
    loop = asyncio.new_event_loop()
    channel = loop.run_until_complete(layer.new_channel())
    loop.run_until_complete(layer.group_add(guest_group("alpha", 999_002), channel))
    drains = []
    handed_over = realtime.asyncio.run_coroutine_threadsafe
    monkeypatch.setattr(realtime.asyncio, "run_coroutine_threadsafe", lambda *a: drains.append(1) or handed_over(*a))
    try:
        stream = GuestStream("alpha", 999_002)
        assert stream.finish("message", {"id": 1, "role": "ai", "content": "Hello."}, timeout=10)
        assert drains == []  # nothing handed to the loop thread: a turn's last event is sent where it is waited for
        assert [m["event"] for m in _received_until_message(layer, loop, channel)] == ["message"]

        words = [f"w{n} " for n in range(50)]
        for word in words:
            stream.push("token", {"text": word})
        started = len(drains)  # the tokens' drains
        assert stream.finish("message", {"id": 2, "role": "ai", "content": "".join(words)}, timeout=10)
        assert len(drains) == started  # after them, and with whatever piled up behind them, from this thread
        received = _received_until_message(layer, loop, channel)
        assert "".join(m["payload"]["text"] for m in received[:-1]) == "".join(words)  # in order, nothing lost
        assert received[-1]["payload"]["id"] == 2
        assert stream.flush(timeout=1)  # nothing left behind
    finally:
        loop.run_until_complete(layer.group_discard(guest_group("alpha", 999_002), channel))
        loop.close()


def test_a_last_event_that_cannot_be_sent_is_reported_and_the_stream_goes_on(monkeypatch) -> None:
    def redis_away(group: str, messages: list[dict]) -> None:
        raise ConnectionError("Redis went away")

    monkeypatch.setattr(realtime.layer, "send_group_all", redis_away)
    stream = GuestStream("alpha", 999_003)
    assert stream.finish("message", {"id": 1}, timeout=1) is False
    monkeypatch.undo()
    assert stream.flush(timeout=1)  # not left draining: a later event still goes
    assert stream.finish("message", {"id": 2}, timeout=10)
    assert stream.sends == 1
