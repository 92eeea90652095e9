"""The web chat widget's doors: its public API, guest tokens, throttles, the guest websocket."""
