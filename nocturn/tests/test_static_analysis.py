"""bandit over our code (pyproject.toml [tool.bandit]) with no high-severity finding: `make test` fails otherwise.

Fix a finding, or, where it is a false positive, mark the line `# nosec BXXX - <why>`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from testsupport.live import REPO_ROOT


def bandit(target: Path) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bandit",
            "-c",
            str(REPO_ROOT / "pyproject.toml"),
            "-r",
            str(target),
            "-f",
            "json",
            "-q",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def test_bandit_finds_no_high_severity_issue_in_our_code() -> None:
    # The checkout as ".": bandit excludes a file when an excluded name is anywhere in its path, so
    # an absolute path would exclude everything in a checkout under, say, /work/wt/testsupport/.
    report = bandit(Path("."))
    high = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
        for r in report["results"]
        if r["issue_severity"] == "HIGH"
    ]
    assert high == [], "\n".join(high)
    # The configuration must not exclude our apps by accident: they are scanned.
    scanned = {Path(name).parts[0] for name in report["metrics"] if name != "_totals"}
    assert {"conversations", "properties", "knowledge", "leads", "analytics", "nocturn"} <= scanned
    assert report["errors"] == []


def test_the_configuration_still_reports_a_high_severity_issue(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n")
    report = bandit(tmp_path)
    assert [r["test_id"] for r in report["results"] if r["issue_severity"] == "HIGH"] == ["B602"]
