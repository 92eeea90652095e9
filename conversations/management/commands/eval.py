"""`manage.py eval --property SLUG FILE`: a hotel's regression test for its knowledge base.

`manage.py eval --property SLUG --dialogues FILE`: scripted multi-turn guest dialogues through the
engine (`conversations.dialogues`): per-field accuracy of the lead and every broken flow rule;
`--fail-under` holds the lead-field share.

FILE is JSON: a list of {"question": "...", "must_contain": ["fact", ...], "language": "en"|"ms",
"items": ["title", ...], "off_knowledge": true} (everything after must_contain optional; language is
detected as the engine would). Each question goes through the engine's AI core in the property's
schema (retrieval, mode, the configured provider, templates) without creating a conversation.
Prints the share answered correctly per language, the answers quoting an unrelated item or price,
and the off-knowledge questions answered with a fact (see conversations/question_eval.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from conversations import dialogues, question_eval
from properties.models import Property

Loaded = TypeVar("Loaded")


def _loaded(load: Callable[[Path], Loaded], path: Path, error: type[Exception]) -> Loaded:
    """The file read by `load`; what it says is wrong with the file is the command's error."""
    try:
        return load(path)
    except error as exc:
        raise CommandError(str(exc)) from exc


class Command(BaseCommand):
    help = "Run a file of questions with their expected facts through the engine; print the share correct per language."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--property", required=True, help="The property's slug.")
        parser.add_argument(
            "file", type=Path, nargs="?", help="JSON list of {question, must_contain, language?, items?}."
        )
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
        cases = _loaded(question_eval.load_cases, options["file"], question_eval.CaseError)
        with schema_context(property_.schema_name):
            report = question_eval.run(property_, cases)
        for outcome in report.outcomes:
            if outcome.right and not outcome.unrelated:
                continue
            self.stdout.write(f"✗ [{outcome.case.language}] {outcome.case.question}")
            if outcome.missing:
                self.stdout.write(f"    missing: {', '.join(outcome.missing)}")
            for part in outcome.unrelated:
                self.stdout.write(f"    unrelated: {part}")
            if options["verbose_failures"]:
                self.stdout.write(f"    answer: {outcome.answer}")
        self.stdout.write(f"{property_.name}: {len(cases)} questions")
        for line in question_eval.figures(report):
            self.stdout.write(line)
        overall = report.share_right()
        if options["fail_under"] is not None and overall < options["fail_under"]:
            raise CommandError(f"{overall:.0f}% correct is under the required {options['fail_under']:.0f}%.")

    def _dialogues(self, property_: Property, options: dict[str, Any]) -> None:
        scripted = _loaded(dialogues.load_dialogues, options["dialogues"], dialogues.DialogueFileError)
        with schema_context(property_.schema_name):
            report = dialogues.evaluate(scripted, property_)
        for line in dialogues.render(report, property_.name):
            self.stdout.write(line)
        figures = report.figures()
        if options["fail_under"] is not None and figures["lead_fields_pct"] < options["fail_under"]:
            raise CommandError(f"{figures['lead_fields_pct']}% lead fields right is under {options['fail_under']}%.")
