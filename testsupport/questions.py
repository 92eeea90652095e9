"""Distinct guest questions from the public fixture sets, for measuring and checking the question embedding.

Never the held-out sets (their files, nor the "holdout" entries of the fixtures that carry some): they
are measured, not used. 246 distinct texts, English and Malay, 3-46 tokens as e5 counts them.
"""

from __future__ import annotations

import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent  # not testsupport.live's: this module needs no Django


def guest_questions() -> list[str]:
    knowledge = json.loads((REPO_ROOT / "knowledge/tests/fixtures/questions.json").read_text())
    texts = [
        entry if isinstance(entry, str) else entry["q"]
        for part in ("answerable", "unanswerable", "near_domain")
        for entry in knowledge[part]
    ]
    evals = json.loads((REPO_ROOT / "conversations/tests/fixtures/eval_questions.json").read_text())
    texts += [entry["question"] for entry in evals["questions"]]
    texts += [entry["text"] for entry in json.loads((REPO_ROOT / "gaps/tests/fixtures/gap_questions.json").read_text())]
    leads = json.loads((REPO_ROOT / "leads/tests/fixtures/extraction_cases.json").read_text())
    texts += [message for case in leads["cases"] for message in case["messages"]]
    return list(dict.fromkeys(texts))
