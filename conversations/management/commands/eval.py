"""`manage.py eval --property SLUG FILE`: a hotel's regression test for its knowledge base.

`manage.py eval --property SLUG --dialogues FILE`: scripted multi-turn guest dialogues through the
engine (`conversations.dialogues`): per-field accuracy of the lead and every broken flow rule;
`--fail-under` holds the lead-field share and any broken flow rule fails the run.

FILE is JSON: a list of {"question": "...", "must_contain": ["fact", ...], "language": "en"|"ms"}
(language optional: detected as the engine would). Each question goes through the engine's AI
core in the property's schema (retrieval, mode, the configured provider, templates) without
creating a conversation; an answer is correct when it contains every expected fact
(case-insensitive). Prints the share answered correctly per language.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from assistant.language import detect_language
from conversations import dialogues, engine
from properties.models import Property


def load_cases(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"{path}: cannot read a JSON file ({exc}).") from exc
    if isinstance(data, dict):
        data = data.get("questions")
    if not isinstance(data, list) or not data:
        raise CommandError(f"{path}: expected a non-empty JSON list of questions.")
    cases = []
    for number, case in enumerate(data, start=1):
        question = case.get("question") if isinstance(case, dict) else None
        facts = case.get("must_contain") if isinstance(case, dict) else None
        if not isinstance(question, str) or not question.strip():
            raise CommandError(f"{path}: question {number} has no 'question' text.")
        if not isinstance(facts, list) or not all(isinstance(f, str) and f for f in facts):
            raise CommandError(f"{path}: question {number} needs 'must_contain', a list of strings ([] = no facts).")
        language = case.get("language") or detect_language(question)
        if language not in ("en", "ms"):
            raise CommandError(f"{path}: question {number}: language must be 'en' or 'ms'.")
        cases.append({"question": question.strip(), "must_contain": facts, "language": language})
    return cases


class Command(BaseCommand):
    help = "Run a file of questions with their expected facts through the engine; print the share correct per language."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--property", required=True, help="The property's slug.")
        parser.add_argument("file", type=Path, nargs="?", help="JSON list of {question, must_contain, language?}.")
        parser.add_argument(
            "--dialogues", type=Path, default=None, help="JSON dialogues (see conversations/dialogues.py)."
        )
        parser.add_argument(
            "--fail-under", type=float, default=None, help="Exit 1 if the overall share (0–100) is lower."
        )
        parser.add_argument("--verbose-failures", action="store_true", help="Print each wrong answer in full.")

    def handle(self, *args: Any, **options: Any) -> None:
        property_ = Property.objects.filter(slug=options["property"]).first()
        if property_ is None:
            raise CommandError(f"No property with slug {options['property']!r}.")
        if options["dialogues"] is not None:
            self._dialogues(property_, options)
            return
        if options["file"] is None:
            raise CommandError("Give a FILE of questions or --dialogues FILE.")
        cases = load_cases(options["file"])
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        with schema_context(property_.schema_name):
            for case in cases:
                result = engine.answer(case["question"], language=case["language"], property_=property_)
                missing = [f for f in case["must_contain"] if f.lower() not in result.text.lower()]
                totals[case["language"]][1] += 1
                if not missing:
                    totals[case["language"]][0] += 1
                    continue
                self.stdout.write(f"✗ [{case['language']}] {case['question']}")
                self.stdout.write(f"    missing: {', '.join(missing)} (provider {result.routed.result.provider})")
                if options["verbose_failures"]:
                    self.stdout.write(f"    answer: {result.text}")
        right = sum(t[0] for t in totals.values())
        overall = 100.0 * right / len(cases)
        self.stdout.write(f"{property_.name}: {len(cases)} questions")
        for language in sorted(totals):
            ok, n = totals[language]
            self.stdout.write(f"  {language}: {ok}/{n} correct ({100.0 * ok / n:.0f}%)")
        self.stdout.write(f"  all: {right}/{len(cases)} correct ({overall:.0f}%)")
        if options["fail_under"] is not None and overall < options["fail_under"]:
            raise CommandError(f"{overall:.0f}% correct is under the required {options['fail_under']:.0f}%.")

    def _dialogues(self, property_: Property, options: dict[str, Any]) -> None:
        try:
            scripted = dialogues.load_dialogues(options["dialogues"])
        except dialogues.DialogueFileError as exc:
            raise CommandError(str(exc)) from exc
        with schema_context(property_.schema_name):
            report = dialogues.evaluate(scripted, property_)
        for line in dialogues.render(report, property_.name):
            self.stdout.write(line)
        figures = report.figures()
        if options["fail_under"] is not None and figures["lead_fields_pct"] < options["fail_under"]:
            raise CommandError(f"{figures['lead_fields_pct']}% lead fields right is under {options['fail_under']}%.")
