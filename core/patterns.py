"""Regular expressions built the one way the rules read guests' words: alternatives as whole words, in any case."""

from __future__ import annotations

import re


def whole_words(*alternatives: str) -> re.Pattern[str]:
    """One case-blind pattern matching any of the alternatives (regular expressions) as whole words."""
    return re.compile(rf"\b(?:{'|'.join(alternatives)})\b", re.IGNORECASE)
