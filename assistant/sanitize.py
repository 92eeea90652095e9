"""Guest text is untrusted: it is cleaned before it can reach any prompt."""

from __future__ import annotations

import re
import unicodedata

MAX_GUEST_CHARS = 2000

# Chat-template markers of common model families; a guest typing them must not open a new turn.
_SPECIAL_TOKENS = re.compile(
    r"<\|[^|<>]{0,40}\|>|\[/?INST\]|<</?SYS>>|</?s>|<\|?(?:im_start|im_end|endoftext|eot_id)\|?>|\b(?:Human|Assistant):",
    re.IGNORECASE,
)


# The prompt's own fences (prompts.py): a guest typing them must not close or open a block of ours.
_PROMPT_FENCES = re.compile(r"</?\s*(?:knowledge|item|hotel_instructions)\b[^>]{0,200}>?", re.IGNORECASE)


def sanitize_guest_text(text: str, max_chars: int = MAX_GUEST_CHARS) -> str:
    """Drop control/format characters (keeping newlines and tabs), special tokens and our prompt's fences; cap."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"})
    previous = None
    while previous != text:  # removing one marker may join the halves of another
        previous = text
        text = _PROMPT_FENCES.sub("", _SPECIAL_TOKENS.sub("", text))
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text[:max_chars]
