"""Split an item's text into chunks of about 500 tokens with about 50 tokens of overlap.

Splits prefer the largest natural boundary that makes the pieces fit: Markdown headings, then
paragraphs, then sentences, then (for a run-on sentence) words. Pieces are packed greedily up to
`max_tokens - overlap` so that the overlap carried from the previous chunk keeps a chunk within
`max_tokens`. Items that already fit stay whole: most hotel facts are a paragraph or two.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from knowledge.services.embeddings import count_tokens

MAX_TOKENS = 500
OVERLAP_TOKENS = 50

_HEADING = re.compile(r"(?m)^(?=#{1,6}\s)")
_PARAGRAPH = re.compile(r"\n\s*\n")
_SENTENCE = re.compile(r"(?<=[.!?。])\s+|\n")


@dataclass(frozen=True)
class Chunk:
    text: str
    token_count: int


def _split_words(text: str) -> list[str]:
    words = text.split()
    return [" ".join(words[i : i + 40]) for i in range(0, len(words), 40)]


# (splitter, joiner): how a level cuts text, and how its pieces are glued back when packed.
_SPLITTERS: list[tuple[Callable[[str], list[str]], str]] = [
    (lambda text: _HEADING.split(text), "\n\n"),
    (lambda text: _PARAGRAPH.split(text), "\n\n"),
    (lambda text: _SENTENCE.split(text), " "),
    (_split_words, " "),
]


def _pieces(text: str, budget: int, level: int, count: Callable[[str], int], joiner: str = "") -> list[tuple[str, str]]:
    """`text` cut at the coarsest boundary that makes every piece fit `budget` tokens, with each piece's joiner."""
    if count(text) <= budget or level >= len(_SPLITTERS):
        return [(text, joiner)]
    splitter, own_joiner = _SPLITTERS[level]
    parts = [part.strip() for part in splitter(text) if part and part.strip()]
    if len(parts) <= 1:
        return _pieces(text, budget, level + 1, count, joiner)
    out: list[tuple[str, str]] = []
    for index, part in enumerate(parts):
        out.extend(_pieces(part, budget, level + 1, count, joiner if index == 0 else own_joiner))
    return out


def _pack(pieces: list[tuple[str, str]], budget: int, count: Callable[[str], int]) -> list[str]:
    packed: list[str] = []
    current = ""
    for piece, joiner in pieces:
        candidate = f"{current}{joiner or ' '}{piece}" if current else piece
        if current and count(candidate) > budget:
            packed.append(current)
            current = piece
        else:
            current = candidate
    if current:
        packed.append(current)
    return packed


def _tail(text: str, tokens: int, count: Callable[[str], int]) -> str:
    """The end of `text`, from a word boundary, worth at most about `tokens` tokens."""
    starts = [match.start() for match in re.finditer(r"\S+", text)]
    lo, hi = 0, len(starts)
    # the largest number of trailing words that fits, by binary search
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(text[starts[-mid] :]) <= tokens:
            lo = mid
        else:
            hi = mid - 1
    return text[starts[-lo] :] if lo else ""


def chunk_text(
    text: str, max_tokens: int = MAX_TOKENS, overlap: int = OVERLAP_TOKENS, count: Callable[[str], int] = count_tokens
) -> list[Chunk]:
    text = (text or "").strip()
    if not text:
        return []
    total = count(text)
    if total <= max_tokens:
        return [Chunk(text, total)]
    budget = max_tokens - overlap
    bodies = _pack(_pieces(text, budget, 0, count), budget, count)
    chunks: list[Chunk] = []
    for index, body in enumerate(bodies):
        chunk = body
        if index and overlap:
            carried = _tail(bodies[index - 1], overlap, count)
            if carried:
                chunk = f"…{carried}\n\n{body}"
        chunks.append(Chunk(chunk, count(chunk)))
    return chunks
