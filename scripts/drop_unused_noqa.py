"""Delete the `noqa` codes ruff reports as unused (RUF100), keeping each comment's reason.

`ruff check --fix` deletes an unused `# noqa: BLE001 - the row is stored: the beat job re-enqueues it`
whole, reason included; this keeps the reason as a plain comment (`# the row is stored: …`) and
only drops the codes that suppress nothing or name a rule we do not enable. Run it after a merge
or a change of rules, then `ruff format .`:

    .venv/bin/python scripts/drop_unused_noqa.py
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOQA = re.compile(r"#\s*noqa:\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)(.*)$")


def unused_noqa() -> dict[Path, list[tuple[int, int, set[str]]]]:
    """file -> (line, column, unused codes), from ruff's own RUF100 findings."""
    ruff = Path(sys.executable).parent / "ruff"
    done = subprocess.run(
        [str(ruff), "check", "--extend-select", "RUF100", "--output-format", "json", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    found: dict[Path, list[tuple[int, int, set[str]]]] = defaultdict(list)
    for finding in json.loads(done.stdout or "[]"):
        if finding["code"] == "RUF100":
            codes = set(re.findall(r"`([A-Z]+[0-9]+)`", finding["message"]))
            where = finding["location"]
            found[Path(finding["filename"])].append((where["row"], where["column"], codes))
    return found


def rewrite(line: str, column: int, unused: set[str]) -> str:
    start = column - 1
    match = NOQA.match(line[start:])
    if match is None:
        raise ValueError(f"no `# noqa: CODES` at column {column}: {line!r}")
    codes = [code.strip() for code in match.group(1).split(",")]
    kept, tail = [code for code in codes if code not in unused], match.group(2)
    before = line[:start].rstrip()
    if kept:
        return f"{before}  # noqa: {', '.join(kept)}{tail}"
    reason = re.sub(r"^(-+|:|—)\s*", "", tail.strip())
    if reason.startswith("(") and reason.endswith(")"):
        reason = reason[1:-1]
    return f"{before}  # {reason}" if reason else before


def main() -> None:
    for path, findings in unused_noqa().items():
        lines = path.read_text().split("\n")
        for row, column, unused in findings:
            lines[row - 1] = rewrite(lines[row - 1], column, unused)
        path.write_text("\n".join(lines))
        print(f"{path.relative_to(ROOT)}: {len(findings)}")


if __name__ == "__main__":
    main()
