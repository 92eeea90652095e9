"""GuestStream on the real Redis channel layer: order kept, nothing lost, piled-up tokens merged."""

from __future__ import annotations

import asyncio

from channels.layers import get_channel_layer

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
