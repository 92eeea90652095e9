"""Times as hotel staff read them: durations in words, waits since a moment."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def duration_words(seconds: float | None) -> str | None:
    """A duration as a person reads it: "45 s", "8 min", "1 h 5 min", "3 d"; None stays None.

    Seconds only under a minute (a response time of "2.5 s" matters; one of "8 min 12 s" does not).
    """
    if seconds is None:
        return None
    seconds = max(float(seconds), 0.0)
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{round(hours / 24)} d"


def waited_words(since: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """How long ago `since` was, in words ("8 min", "<1 min"); empty when unknown."""
    if since is None:
        return ""
    seconds = ((now or timezone.now()) - since).total_seconds()
    return "<1 min" if seconds < 60 else duration_words(seconds) or ""
