"""Print how well gaps group labelled questions: pairwise precision and recall (docs/quality.md, "Gaps")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gaps.services.clustering import MATCH_THRESHOLD, measure
from knowledge.services.embeddings import get_provider

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
DEFAULT_SETS = ("gap_questions.json", "gap_questions_holdout.json")


class Command(BaseCommand):
    help = "Group the labelled gap questions as they would arrive and print pairwise precision and recall."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", help="labelled JSON files (text, topic); default: the app's two sets")

    def handle(self, *args: Any, **options: Any) -> None:
        provider = get_provider()
        self.stdout.write(f"embedding: {provider.name} ({provider.model}); threshold {MATCH_THRESHOLD}")
        for name in options["files"] or [str(FIXTURES / n) for n in DEFAULT_SETS]:
            rows = json.loads(Path(name).read_text())
            q = measure(rows, provider.embed_query)
            self.stdout.write(
                f"{Path(name).name}: {q.questions} questions, {q.subjects} subjects, "
                f"precision {q.precision:.3f}, recall {q.recall:.3f}"
            )
