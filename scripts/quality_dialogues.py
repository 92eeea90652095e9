"""A held-out dialogue set measured the way `make quality-dialogues` measures the public one.

    .venv/bin/python scripts/quality_dialogues.py [FILE] [docs/quality.md]

FILE defaults to conversations/tests/fixtures/dialogues_holdout.json. Builds a throwaway test database
(`test_nocturn_dquality`; QUALITY_DATABASE_NAME overrides, so two checkouts can run at once), creates one
property open around the clock with the hotel's pages as knowledge (the same files as the `kb_a` fixture of
conversations/tests/test_dialogue_eval.py), and plays every dialogue through `dialogues.evaluate` (what
`manage.py eval --dialogues` runs) twice: offline (the rules and the offline provider), then with the fake
OpenAI server answering structured output through the test's stand-in reader (`plausible_model`). Prints
both reports as the command does and replaces the file's section for that set (HEADINGS: "## Dialogues: the
held-out set" for dialogues_holdout.json, "## Dialogues: the second held-out set" for dialogues_holdout2.json,
"## Dialogues: FILE" for any other), so measuring one held-out set never overwrites another's figures.

A separate script and not the figures test: a held-out set is measured, not held to the bars, and a test
that only prints cannot fail.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from quality_setup import ROOT, setup_django, throwaway_hotel

setup_django("test_nocturn_dquality")

from django.test import override_settings  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from assistant.providers.base import sdk_client  # noqa: E402
from conversations import dialogues  # noqa: E402
from conversations.tests.test_dialogue_eval import plausible_model  # noqa: E402
from core.redis import get_redis  # noqa: E402
from testsupport.knowledge import load_knowledge  # noqa: E402
from testsupport.llm import FakeLLMServer, compute  # noqa: E402

HEADINGS = {
    "dialogues_holdout.json": "## Dialogues: the held-out set",
    "dialogues_holdout2.json": "## Dialogues: the second held-out set",
}
DEFAULT_FILE = ROOT / "conversations" / "tests" / "fixtures" / "dialogues_holdout.json"
OFFLINE = {"LLM_API_KEY": "", "ANTHROPIC_API_KEY": ""}
# As the figures test sets them (conversations/tests/conftest.py `llm_settings`, then its own timeout).
WITH_MODEL = {
    "LLM_API_KEY": "sk-test",
    "LLM_MODEL": "fake-gpt",
    "ANTHROPIC_API_KEY": "",
    "LLM_TIMEOUT": 5.0,
    "LLM_CONNECT_TIMEOUT": 0.5,
    "LLM_MAX_RETRIES": 1,
    "LLM_CIRCUIT_FAILURES": 3,
    "LLM_CIRCUIT_COOLDOWN": 1,
}


def _fresh_engine_state() -> None:
    """Circuits, throttles, sessions and cached SDK clients of an earlier run never leak into this one."""
    redis = get_redis()
    for pattern in ("public:nocturn:circuit:*", "public:nocturn:throttle:*", "*:nocturn:session:*"):
        for name in redis.scan_iter(match=pattern, count=500):
            redis.delete(name)
    sdk_client.cache_clear()


def measure(path: Path) -> dict[str, dialogues.Report]:
    scripted = dialogues.load_dialogues(path)
    with throwaway_hotel("dquality", timezone="Asia/Kuala_Lumpur") as property_:
        load_knowledge(property_.schema_name)
        reports = {}
        with schema_context(property_.schema_name):
            _fresh_engine_state()
            with override_settings(**OFFLINE):
                reports["offline provider"] = dialogues.evaluate(scripted, property_)
            _fresh_engine_state()
            plausible_model.calls = 0  # type: ignore[attr-defined]
            with (
                FakeLLMServer("openai", default=compute(plausible_model)) as fake,
                override_settings(LLM_BASE_URL=fake.base_url, **WITH_MODEL),
            ):
                reports["fake model, structured output"] = dialogues.evaluate(scripted, property_)
            _fresh_engine_state()
        return reports


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FILE
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "docs" / "quality.md"
    heading = HEADINGS.get(source.name, f"## Dialogues: {source.name}")
    results = measure(source)
    for title, report in results.items():
        lines = dialogues.render(report, title)
        # A held-out set's broken rules are counted, not listed: whoever measures a branch on it must not read
        # which dialogues broke (NOCTURN_LIST_HELD_OUT=1 is for the set's own writer checking its expectations).
        if "holdout" in source.name and os.environ.get("NOCTURN_LIST_HELD_OUT") != "1":
            lines = [line for line in lines if not line.startswith("✗")]
        print("\n".join(lines))
    shown = source.resolve().relative_to(ROOT) if source.resolve().is_relative_to(ROOT) else source
    section = dialogues.quality_section(
        results, f".venv/bin/python scripts/quality_dialogues.py {shown}", heading=heading, source=str(shown)
    )
    dialogues.write_quality_section(target, section, heading=heading)
    print(f"wrote the {heading[3:]!r} section of {target}")
