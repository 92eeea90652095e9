from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db
EVAL_FILE = Path(__file__).parent / "fixtures" / "eval_hotel.json"


def test_eval_prints_the_share_answered_correctly_per_language(kb_a, open_all_day) -> None:
    out = StringIO()
    call_command("eval", "--property", "alpha", str(EVAL_FILE), stdout=out)
    text = out.getvalue()
    assert "en: 5/5 correct (100%)" in text, text
    assert "ms: 3/3 correct (100%)" in text, text


def test_eval_reports_a_fact_the_answer_lacks_and_fails_under_the_bar(kb_a, open_all_day, tmp_path) -> None:
    cases = tmp_path / "cases.json"
    cases.write_text(
        json.dumps(
            [
                {"question": "What time is breakfast served?", "must_contain": ["6:30 am"]},
                {"question": "Is there a rooftop helipad?", "must_contain": ["helipad on level 40"]},
            ]
        )
    )
    out = StringIO()
    with pytest.raises(CommandError, match="50% correct"):
        call_command("eval", "--property", "alpha", str(cases), "--fail-under", "90", stdout=out)
    assert "missing: helipad on level 40" in out.getvalue()


def test_eval_refuses_a_malformed_file(world, tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"question": "Hi?"}]))
    with pytest.raises(CommandError, match="must_contain"):
        call_command("eval", "--property", "alpha", str(bad))
    with pytest.raises(CommandError, match="No property"):
        call_command("eval", "--property", "nowhere", str(bad))
