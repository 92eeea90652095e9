"""Fake providers on 127.0.0.1 for tests and benchmarks: the Meta Graph API and an SMTP server."""
