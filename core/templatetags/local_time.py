"""Template filters for times shown to staff (the property's zone is activated by its host's middleware)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from core.timefmt import duration_words, waited_words

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """`{{ seconds|duration }}` → "8 min"; a dash when there is no figure."""
    words = duration_words(seconds)
    return "–" if words is None else words


@register.filter
def waited(since: dt.datetime | None) -> str:
    """`{{ moment|waited }}` → "8 min" since that moment."""
    return waited_words(since)


@register.filter
def moment(value: str | dt.datetime | None) -> dt.datetime | str:
    """An ISO time kept in JSON (e.g. a lead's scoring history) as an aware datetime in the active (hotel) zone,
    ready for `|date`; anything unreadable is shown as it is."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value or ""
