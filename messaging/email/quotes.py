"""The new text of a reply, without the quoted history mail clients append below it.

Mail clients mark the history in a few ways: an attribution line ("On … wrote:", Gmail in Malay
"Pada … menulis:"), an Outlook header block ("From: … Sent: …", "Daripada: … Dihantar: …") or a
separator ("-----Original Message-----", a line of underscores), and "> " quoted lines. We cut at
the first marker and drop quoted lines, the signature ("-- ") and phone-client footers. A
forwarded message is content (a booking confirmation the guest passes on), so it is kept.
"""

from __future__ import annotations

import html
import re

# An attribution may wrap onto a second line (Gmail breaks long ones before "wrote:").
_SPAN = r"[^\n]{2,300}?(?:\n[^\n]{0,200}?)?"
_ATTRIBUTION = re.compile(
    r"^[ \t]*(?:"
    rf"On\s{_SPAN}\swrote:"  # English (Gmail, Apple Mail, Thunderbird)
    rf"|Pada\s{_SPAN}\s(?:telah\s)?menulis:"  # Malay (Gmail and others)
    rf"|Le\s{_SPAN}\sa\sécrit\s?:"  # French
    rf"|Am\s{_SPAN}\sschrieb\s[^\n]{{0,200}}?:"  # German
    rf"|El\s{_SPAN}\sescribió:"  # Spanish
    r"|[^\n]{0,200}?\s(?:wrote|menulis):"  # "Alice <a@b> wrote:" without the date
    r")[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_SEPARATOR = re.compile(
    r"^[ \t]*(?:-{2,}\s*(?:Original Message|Mesej Asal)\s*-{2,}|_{10,})[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# Outlook's header block: "From:" followed within a few lines by "Sent:"/"Date:", in English or Malay.
_OUTLOOK_HEADERS = re.compile(
    r"^[ \t]*\*?(?:From|Daripada|Dari)\s?:\*?.*\n(?:.*\n){0,3}?[ \t]*\*?(?:Sent|Date|Dihantar|Tarikh)\s?:",
    re.IGNORECASE | re.MULTILINE,
)
_SIGNATURE = re.compile(r"^-- ?$", re.MULTILINE)
_MOBILE_FOOTER = re.compile(
    r"^[ \t]*(?:Sent from my \w[\w ]{0,40}|Get Outlook for \w+|Dihantar dari \w[\w ]{0,40}|"
    r"Sent from (?:Yahoo Mail|Mail|Outlook)(?: for \w+)?)[ \t.]*$",
    re.IGNORECASE | re.MULTILINE,
)


def strip_quoted(text: str) -> str:
    """The reply's own text; the whole text if stripping would leave nothing (never lose a message)."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    cut = len(normalised)
    for pattern in (_ATTRIBUTION, _SEPARATOR, _OUTLOOK_HEADERS, _SIGNATURE):
        match = pattern.search(normalised)
        if match and match.start() < cut:
            cut = match.start()
    reply = normalised[:cut]
    reply = _MOBILE_FOOTER.sub("", reply)
    lines = [line for line in reply.split("\n") if not line.lstrip().startswith(">")]
    reply = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip()
    return reply or normalised.strip()


# --- HTML-only mail ---------------------------------------------------------------------------

_QUOTE_BLOCKS = re.compile(
    r"<blockquote\b.*?</blockquote>"
    r"|<div[^>]*class=[\"'][^\"']*gmail_quote[^\"']*[\"'][^>]*>.*"  # Gmail: the history runs to the end
    r"|<div[^>]*id=[\"']?(?:appendonsend|divRplyFwdMsg)[\"']?[^>]*>.*",  # Outlook
    re.IGNORECASE | re.DOTALL,
)
_BREAKS = re.compile(r"<\s*(?:br|/p|/div|/li|/tr|/h\d)\b[^>]*>", re.IGNORECASE)
_DROP = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def html_to_text(markup: str) -> str:
    """Readable text from an HTML-only mail, without its quoted history."""
    markup = _DROP.sub("", markup)
    markup = _QUOTE_BLOCKS.sub("", markup)
    markup = _BREAKS.sub("\n", markup)
    text = html.unescape(_TAGS.sub("", markup)).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
