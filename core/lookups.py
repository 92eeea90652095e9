"""Finding one row by the id a caller sent: the row, or a 404 that names what was not there."""

from __future__ import annotations

from typing import TypeVar

from django.db import models
from django.http import Http404

Row = TypeVar("Row", bound=models.Model)


def one_or_404(rows: models.QuerySet[Row], pk: int, what: str) -> Row:
    """The row `pk` among `rows`, else Http404 "No such <what>.".

    Ids of a property's rows are per schema: the caller has entered the property's schema (after
    the access rule), so the same number under another property is another row or none, never this one.
    """
    row = rows.filter(pk=pk).first()
    if row is None:
        raise Http404(f"No such {what}.")
    return row
