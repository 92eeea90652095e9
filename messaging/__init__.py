"""Channel adapters: each turns a provider's inbound traffic into `NormalizedMessage` and sends replies.

The engine only ever sees `NormalizedMessage`; channel limits (length, formatting) live here.
"""
