"""The gap tests reuse the conversations app's fixtures: A's committed knowledge, A open all day, a clean engine."""

from conversations.tests.conftest import _committed_kb_a, _fresh_engine_state, kb_a, open_all_day  # noqa: F401
