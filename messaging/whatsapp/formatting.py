"""Fit a reply to WhatsApp: its own markup, and bodies of at most 4096 characters."""

from __future__ import annotations

import re

MAX_BODY = 4096

_ITALIC = re.compile(r"(?<![*\w])\*(?![\s*])([^*\n]+?)(?<![\s*])\*(?![*\w])")
_BOLD = re.compile(r"\*\*(?!\s)(.+?)(?<!\s)\*\*|__(?!\s)(.+?)(?<!\s)__", re.DOTALL)
_STRIKE = re.compile(r"~~(?!\s)(.+?)(?<!\s)~~")
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BULLET = re.compile(r"^([ \t]*)[*+][ \t]+", re.MULTILINE)

# Where a chunk may end, best first: a paragraph, a sentence, a line, a word.
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_SENTENCE = re.compile(r"[.!?…](?:[\"'”’)\]]*)(?=\s)")
_LINE = re.compile(r"\n")
_SPACE = re.compile(r"\s")


def markdown_to_whatsapp(text: str) -> str:
    """Markdown as an AI writes it → WhatsApp markup (*bold*, _italic_, ~strike~)."""
    text = _BULLET.sub(r"\1• ", text)  # before italics, so "* item" is never read as emphasis
    text = _ITALIC.sub(r"_\1_", text)
    text = _BOLD.sub(lambda m: f"*{m.group(1) or m.group(2)}*", text)
    text = _STRIKE.sub(r"~\1~", text)
    text = _HEADING.sub(r"*\1*", text)
    text = _LINK.sub(lambda m: m.group(2) if m.group(1) == m.group(2) else f"{m.group(1)} ({m.group(2)})", text)
    return text


def split_text(text: str, limit: int = MAX_BODY) -> list[str]:
    """Chunks of at most `limit` characters, cut at the best boundary in the back half of each window.

    A paragraph break beats a sentence end beats a line break beats a space; only a single
    word longer than the limit is ever cut in the middle.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        chunk = rest[:cut].rstrip()
        if chunk:
            chunks.append(chunk)
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _cut_point(text: str, limit: int) -> int:
    window = text[: limit + 1]  # a boundary right after the limit still leaves a full chunk
    floor = limit // 2
    fallback = 0
    for pattern, include_match in ((_PARAGRAPH, False), (_SENTENCE, True), (_LINE, False), (_SPACE, False)):
        ends = [m.end() if include_match else m.start() for m in pattern.finditer(window)]
        ends = [end for end in ends if 0 < end <= limit]
        if not ends:
            continue
        if ends[-1] >= floor:
            return ends[-1]
        fallback = fallback or ends[-1]
    # No good boundary in the back half: an early one still beats cutting a word.
    return fallback or limit
