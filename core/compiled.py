"""ORM reads on a guest turn's path, their SQL compiled once per process instead of on every call.

Django builds a statement's SQL anew each time a queryset runs: 0.3–1.2 ms of CPU for a join on a wide
model, more than PostgreSQL spends answering it (docs/benchmarks.md, "The worker's CPU per turn"). A read
that runs every turn with one changing value is compiled here once, by the ORM itself, with a marker in
place of that value; each call swaps the value in and lets `raw()` build the rows (the fields'
`from_db_value` included). Table names are not schema-qualified, so one statement serves every tenant.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

MARKER = -987_654_321  # stands for the value in the compiled statement; never a real id


def first(build: Callable[[Any], QuerySet[M]], value: Any) -> M | None:
    """`build(value).first()`, the SQL compiled once per process for `build` (a module-level function)."""
    model, sql, compiled_params, at = _compiled(build)
    params = list(compiled_params)
    params[at] = value
    return next(iter(model._default_manager.raw(sql, params)), None)


@functools.cache
def _compiled(build: Callable[[Any], QuerySet[Any]]) -> tuple[type[Model], str, tuple[Any, ...], int]:
    queryset = build(MARKER)
    model = queryset.model
    queryset = (queryset if queryset.ordered else queryset.order_by("pk"))[:1]  # what first() runs
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    where = [i for i, param in enumerate(params) if param == MARKER]
    if len(where) != 1:
        raise ValueError(f"{build.__qualname__}: the value must appear once in the statement, not {len(where)} times")
    return model, sql, tuple(params), where[0]
