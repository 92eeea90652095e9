"""ORM statements on a guest turn's path, their SQL compiled once per process instead of on every call.

Django builds a statement's SQL anew each time a queryset runs: 0.3–1.2 ms of CPU for a join on a wide
model, more than PostgreSQL spends answering it (docs/benchmarks.md, "The worker's CPU per turn"). A read
that runs every turn with one changing value is compiled here once, by the ORM itself, with a marker in
place of that value; each call swaps the value in and lets `raw()` build the rows (the fields'
`from_db_value` included). An UPDATE whose costly part is the same expressions every time (subqueries) has
them compiled once and the call's own plain values spliced in. Table names are not schema-qualified, so one
statement serves every tenant.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.sql.subqueries import UpdateQuery

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


def update(model: type[Model], pk: int, values: dict[str, Any], expressions: Callable[[], dict[str, Any]]) -> None:
    """`model.objects.filter(pk=pk).update(**values, **expressions())`, the expressions' SQL compiled once per
    process for `expressions` (a module-level function); `values` are plain field values, set first."""
    sql, expression_params = _compiled_update(model, expressions)
    fields = [model._meta.get_field(name) for name in values]
    assignments = "".join(f"{connection.ops.quote_name(f.column)} = %s, " for f in fields)
    prepared = [f.get_db_prep_save(value, connection) for f, value in zip(fields, values.values(), strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql.replace(" SET ", f" SET {assignments}", 1), [*prepared, *expression_params, pk])


@functools.cache
def _compiled_update(model: type[Model], expressions: Callable[[], dict[str, Any]]) -> tuple[str, tuple[Any, ...]]:
    """The UPDATE of the expressions alone, as the ORM writes it; its last parameter is the row's id."""
    query = model._default_manager.filter(pk=MARKER).query.chain(UpdateQuery)
    query.add_update_values(expressions())
    sql, params = query.get_compiler(connection.alias).as_sql()
    if not sql.startswith("UPDATE ") or " SET " not in sql or params[-1] != MARKER:  # the shape the splice relies on
        raise RuntimeError(f"unexpected UPDATE from the ORM: {sql}")
    return sql, tuple(params[:-1])
