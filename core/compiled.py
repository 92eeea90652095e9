"""ORM statements on a guest turn's path, their SQL compiled once per process instead of on every call.

Django builds a statement's SQL anew each time a queryset runs: 0.3–1.2 ms of CPU for a join on a wide
model, more than PostgreSQL spends answering it (docs/benchmarks.md, "The worker's CPU per turn"). A read
that runs every turn with a few changing values is compiled here once, by the ORM itself, with a marker in
place of each value; each call swaps the values in and builds the row as the ORM would (the fields'
`from_db_value` included, `select_related`'s joined rows too). An UPDATE whose costly part is the same
expressions every time (subqueries) has them compiled once and the call's own plain values spliced in. A one-row
upsert (INSERT … ON CONFLICT DO UPDATE) and a one-row INSERT are compiled once; each call prepares its row's values
as the ORM does. A raw SELECT's rows are built as `Model.objects.raw` builds them, the column-to-field plan made once
per statement and column list. Table names are not schema-qualified, so one statement serves every tenant (the
connection's search_path decides which schema's rows it reads).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import Model, QuerySet, signals
from django.db.models.constants import OnConflict
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.sql.subqueries import InsertQuery, UpdateQuery

M = TypeVar("M", bound=Model)

MARKER = -987_654_321  # stands for the value in the compiled statement; never a real id


def first(build: Callable[..., QuerySet[M]], *values: Any) -> M | None:
    """`build(*values).first()`, the SQL compiled once per process for `build` (a module-level function).

    Each value (an int or a str) must appear once in the statement. The row, and the rows `select_related`
    joins to it, are built as the ORM builds them: the fields' converters (`from_db_value`, the encrypted
    fields included), then `Model.from_db`."""
    read, row = _run(build, values)
    return None if row is None else read.instance(row)


def value(build: Callable[..., QuerySet[Any]], *values: Any) -> Any:
    """`build(*values).first()` for a `values_list(<one field>, flat=True)` queryset (a lock's read, say:
    `select_for_update` compiles inside the caller's transaction), its SQL compiled once per process."""
    read, row = _run(build, values)
    if read.model is not None or len(row or (None,)) != 1:
        raise ValueError(f"{build.__qualname__}: value() reads one column of a values_list queryset")
    return None if row is None else read.converted(row)[0]


def rows(build: Callable[..., QuerySet[Any]], *values: Any) -> list[Any]:
    """`list(build(*values))` for a `values()` or `values_list()` queryset (its slice, if any, kept): dicts, tuples or
    flat values as the ORM gives them, each column converted as the ORM converts it; its SQL compiled once per
    process for `build` (a module-level function). Each value (an int or a str) must appear once in the statement."""
    read = _compiled_read(build, tuple(type(value) for value in values), True)
    with connection.cursor() as cursor:
        cursor.execute(read.sql, read.bound(values))
        found = [read.converted(row) for row in cursor.fetchall()]
    if read.names:
        return [dict(zip(read.names, row, strict=True)) for row in found]
    if read.flat:
        return [row[0] for row in found]
    return [tuple(row) for row in found]


def firsts(*reads: tuple[Callable[..., QuerySet[Any]], tuple[Any, ...]]) -> list[Any]:
    """`first(build, *values)` for a model read, `value(build, *values)` for a one-column values_list read, of each
    `(build, values)` in one statement: one round trip instead of one each. Each read's compiled SELECT (one row at
    most) is a lateral subquery of its own, behind a column that says whether it found its row; None where it did
    not. Every read runs under the connection's one search path, as separate statements would."""
    plan = _compiled_firsts(tuple((build, tuple(type(value) for value in values)) for build, values in reads))
    params: list[Any] = []
    for read, (_, values) in zip(plan.reads, reads, strict=True):
        params += read.bound(values)
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        row = cursor.fetchone()
    if row is None or len(row) != plan.width:  # the one row of `(SELECT 1)`, each read's columns beside it
        raise RuntimeError(f"firsts(): {len(row or ())} columns, not {plan.width}")
    found: list[Any] = []
    start = 1
    for read in plan.reads:
        columns = row[start + 1 : start + 1 + read.width]
        if not row[start]:
            found.append(None)
        elif read.model is not None:
            found.append(read.instance(columns))
        else:
            found.append(read.converted(columns)[0])
        start += 1 + read.width
    return found


@dataclass(frozen=True)
class _Firsts:
    sql: str
    reads: tuple[_Read, ...]
    width: int  # the statement's columns


@functools.cache
def _compiled_firsts(reads: tuple[tuple[Callable[..., QuerySet[Any]], tuple[type, ...]], ...]) -> _Firsts:
    compiled_reads = tuple(_compiled_read(build, kinds) for build, kinds in reads)
    for (build, _), read in zip(reads, compiled_reads, strict=True):
        if read.model is None and read.width != 1:
            raise ValueError(f"{build.__qualname__}: firsts() reads a model or one column of a values_list queryset")
    lateral = "".join(
        f" LEFT JOIN LATERAL (SELECT true AS found, r.* FROM ({read.sql}) AS r) AS r{i} ON true"  # noqa: S608
        for i, read in enumerate(compiled_reads)
    )
    width = 1 + sum(1 + read.width for read in compiled_reads)
    return _Firsts(f"SELECT * FROM (SELECT 1) AS one{lateral}", compiled_reads, width)  # noqa: S608 - the ORM's SQL


def _run(build: Callable[..., QuerySet[Any]], values: tuple[Any, ...]) -> tuple[_Read, tuple[Any, ...] | None]:
    read = _compiled_read(build, tuple(type(value) for value in values))
    with connection.cursor() as cursor:
        cursor.execute(read.sql, read.bound(values))
        return read, cursor.fetchone()


@dataclass(frozen=True)
class _Read:
    """A SELECT compiled once, and what turns its row into model instances (ModelIterable's steps)."""

    sql: str
    params: tuple[Any, ...]
    at: tuple[int, ...]  # where each value goes in `params`
    model: type[Model] | None  # None: a values_list read, its columns as they are
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    fields: slice  # the model's own columns in the row
    init_list: tuple[str, ...]
    populators: tuple[Any, ...]  # select_related's RelatedPopulator per joined model
    annotations: tuple[tuple[str, int], ...]
    names: tuple[str, ...] = ()  # a values() read: its dicts' keys
    flat: bool = False  # a values_list(flat=True) read
    width: int = 0  # the statement's columns

    def bound(self, values: tuple[Any, ...]) -> list[Any]:
        """The statement's parameters with the call's values in place of their markers."""
        params = list(self.params)
        for at, value in zip(self.at, values, strict=True):
            params[at] = value
        return params

    def converted(self, row: tuple[Any, ...]) -> list[Any]:
        values = list(row)
        for position, functions, expression in self.converters:
            for function in functions:
                values[position] = function(values[position], expression, connection)
        return values

    def instance(self, row: tuple[Any, ...]) -> Model:
        assert self.model is not None, "a values_list read builds no instance"
        values = self.converted(row)
        obj = self.model.from_db(connection.alias, list(self.init_list), values[self.fields])
        for populator in self.populators:
            populator.populate(values, obj)
        for name, position in self.annotations:
            setattr(obj, name, values[position])
        return obj


def _marker(index: int, kind: type) -> Any:
    """Stands for the index-th value in the compiled statement; never a real id or name."""
    if kind is int:
        return MARKER - index
    if kind is str:
        return f"compiled-marker-{index}-\u2400"
    raise TypeError(f"a compiled read takes int or str values, not {kind.__name__}")


@functools.cache
def _compiled_read(build: Callable[..., QuerySet[Any]], kinds: tuple[type, ...], every: bool = False) -> _Read:
    """`every`: all the rows (rows()), else the first (first() and value())."""
    markers = [_marker(i, kind) for i, kind in enumerate(kinds)]
    queryset = build(*markers)
    if queryset._prefetch_related_lookups or queryset._known_related_objects:
        raise ValueError(f"{build.__qualname__}: prefetch_related and related managers are not compiled")
    if every and queryset._iterable_class not in (ValuesIterable, ValuesListIterable, FlatValuesListIterable):
        raise ValueError(f"{build.__qualname__}: rows() reads a values() or values_list() queryset")
    if not every:
        queryset = (queryset if queryset.ordered else queryset.order_by("pk"))[:1]  # what first() runs
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    at = []
    for marker in markers:
        where = [i for i, param in enumerate(params) if param == marker]
        if len(where) != 1:
            raise ValueError(f"{build.__qualname__}: each value must appear once in the statement, not {len(where)}")
        at.append(where[0])
    select, klass_info = compiler.select, compiler.klass_info
    converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
    converters_ = tuple((position, tuple(functions), expr) for position, (functions, expr) in converters.items())
    if queryset._iterable_class is not ModelIterable:  # values_list: no model to build, its columns as they are
        query = queryset.query
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
        is_dict, flat = queryset._iterable_class is ValuesIterable, queryset._iterable_class is FlatValuesListIterable
        return _Read(
            sql,
            tuple(params),
            tuple(at),
            None,
            converters_,
            slice(0),
            (),
            (),
            (),
            names if is_dict else (),
            flat,
            compiler.col_count,
        )
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    return _Read(
        sql=sql,
        params=tuple(params),
        at=tuple(at),
        model=klass_info["model"],
        converters=converters_,
        fields=slice(start, end),
        init_list=tuple(column[0].target.attname for column in select[start:end]),
        populators=tuple(get_related_populators(klass_info, select, connection.alias)),
        annotations=tuple(compiler.annotation_col_map.items()),
        width=compiler.col_count,
    )


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


def upsert(obj: Model, *, unique_fields: tuple[str, ...], update_fields: tuple[str, ...]) -> None:
    """`type(obj).objects.bulk_create([obj], update_conflicts=True, unique_fields=…, update_fields=…)` for one row
    whose primary key is set, the INSERT … ON CONFLICT compiled once per process for the model and field names.

    Each call prepares the row's values as the ORM does (`pre_save(obj, add=True)`: `auto_now` included, then
    `get_db_prep_save`: the encrypted fields encrypt), in the order of the compiled statement's columns."""
    model = type(obj)
    sql, params = _upsert_statement(obj, unique_fields, update_fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # RETURNING, as bulk_create asks, when the model has generated columns (an AutoField, say).
        returned = cursor.fetchone() if model._meta.db_returning_fields else ()
    for value, field in zip(returned or (), model._meta.db_returning_fields, strict=False):
        if field != model._meta.pk:
            setattr(obj, field.attname, value)
    obj._state.adding, obj._state.db = False, connection.alias


def upsert_alongside(
    name: str, obj: Model, *, unique_fields: tuple[str, ...], update_fields: tuple[str, ...]
) -> tuple[str, list[Any]]:
    """`upsert()`'s statement as a `WITH` item (`name AS (INSERT … ON CONFLICT …)`) and its parameters, for
    `insert(…, alongside=…)`: the row written in another statement's round trip. Only for a model with no generated
    column to read back (the upsert's RETURNING is not read here)."""
    if type(obj)._meta.db_returning_fields:
        raise ValueError(f"{type(obj).__name__}: upsert_alongside() cannot read back generated columns")
    sql, params = _upsert_statement(obj, unique_fields, update_fields)
    obj._state.adding, obj._state.db = False, connection.alias
    return f"{name} AS ({sql})", params


def _upsert_statement(
    obj: Model, unique_fields: tuple[str, ...], update_fields: tuple[str, ...]
) -> tuple[str, list[Any]]:
    model = type(obj)
    sql, fields = _compiled_upsert(model, unique_fields, update_fields)
    if not obj._is_pk_set():
        raise ValueError(f"{model.__name__}: upsert() writes a row whose primary key is set")
    obj._prepare_related_fields_for_save(operation_name="bulk_create")
    return sql, _prepared(obj, fields, "upsert")


@functools.cache
def _compiled_upsert(
    model: type[Model], unique_fields: tuple[str, ...], update_fields: tuple[str, ...]
) -> tuple[str, tuple[Any, ...]]:
    """The statement bulk_create writes for one row, and its columns' fields in order (one `%s` each)."""
    opts = model._meta
    fields = tuple(f for f in opts.concrete_fields if not f.generated)
    query = InsertQuery(
        model,
        on_conflict=OnConflict.UPDATE,
        update_fields=[opts.get_field(name) for name in update_fields],
        unique_fields=[opts.get_field(name) for name in unique_fields],
    )
    sql, _ = _one_row_insert(query, fields)  # RETURNING what bulk_create asks for on PostgreSQL
    return sql, fields


def _prepared(obj: Model, fields: tuple[Any, ...], caller: str) -> list[Any]:
    """The row's values as the ORM prepares them for an INSERT (`pre_save(obj, add=True)`: `auto_now` included,
    then `get_db_prep_save`: the encrypted fields encrypt), in the order of `fields`."""
    params = []
    for field in fields:
        value = field.pre_save(obj, True)
        if hasattr(value, "resolve_expression"):
            raise ValueError(f"{type(obj).__name__}.{field.name}: {caller}() takes plain values, not expressions")
        params.append(field.get_db_prep_save(value, connection))
    return params


def _one_row_insert(query: InsertQuery, fields: tuple[Any, ...]) -> tuple[str, Any]:
    """`query`'s statement for one row of `fields` (one `%s` each, in order), RETURNING the model's returning fields."""
    model = query.model
    query.insert_values(fields, [model()], raw=True)  # raw: the placeholder row's values are read as they are
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = model._meta.db_returning_fields
    [(sql, params)] = compiler.as_sql()
    placeholders = "VALUES (" + ", ".join(["%s"] * len(fields)) + ")"
    if len(params) != len(fields) or sql.count(placeholders) != 1 or sql.count("%s") != len(fields):
        raise RuntimeError(f"unexpected INSERT from the ORM: {sql}")  # the shape the call relies on
    return sql, compiler


def insert(obj: M, alongside: tuple[str, Sequence[Any]] | None = None) -> M:
    """`obj.save(force_insert=True)` for a new row without its primary key, the INSERT … RETURNING compiled once per
    process for the model (building it was ~0.4 ms of the turn's reply).

    `alongside`: further writes as `WITH` items (`name AS (UPDATE …), …`) and their parameters, sent in the same
    statement after the INSERT (one round trip, one outcome: a failing INSERT writes none of them). PostgreSQL runs
    every data-modifying `WITH` item once, whether or not the statement reads it.

    Each call prepares the row's values as the ORM does (`pre_save(obj, add=True)`, then `get_db_prep_save`: the
    encrypted fields encrypt) and sets what the statement returns (the id), converted as the ORM converts it. A model
    with a `pre_save` or `post_save` receiver, a parent model or an ordering column is saved by the ORM itself."""
    model = type(obj)
    plan = _compiled_insert(model)
    if plan is None or not inserts_in_one_statement(model):
        obj.save(force_insert=True)
        if alongside is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"WITH {alongside[0]} SELECT 1", list(alongside[1]))
        return obj
    if obj._is_pk_set():
        raise ValueError(f"{model.__name__}: insert() writes a new row, its primary key left to the database")
    obj._prepare_related_fields_for_save(operation_name="save")
    params = _prepared(obj, plan.fields, "insert")
    sql = plan.sql
    if alongside is not None:
        sql = f"WITH inserted AS ({plan.sql}), {alongside[0]} SELECT * FROM inserted"  # noqa: S608 - our SQL
        params = [*params, *alongside[1]]
    with transaction.mark_for_rollback_on_error(), connection.cursor() as cursor:  # as save_base does
        cursor.execute(sql, params)
        row = list(cursor.fetchone())
    for position, functions, expression in plan.converters:
        for function in functions:
            row[position] = function(row[position], expression, connection)
    for value, field in zip(row, plan.returning, strict=True):
        setattr(obj, field.attname, value)
    obj._state.adding, obj._state.db = False, connection.alias
    return obj


def inserts_in_one_statement(model: type[Model]) -> bool:
    """Whether `insert()` writes a row of `model` and its `alongside` writes in one statement (atomic by itself, no
    transaction needed around it): not when the ORM saves the row (a save receiver, a parent model, an ordering)."""
    return (
        _compiled_insert(model) is not None
        and not signals.pre_save.has_listeners(model)
        and not signals.post_save.has_listeners(model)
    )


@dataclass(frozen=True)
class _Insert:
    sql: str
    fields: tuple[Any, ...]  # one `%s` each, in order
    returning: tuple[Any, ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]


@functools.cache
def _compiled_insert(model: type[Model]) -> _Insert | None:
    """The statement `save()` writes for a new row, its primary key left to the database (`_save_table`'s fields,
    returning fields and their converters); None for what `save()` does more for (parents, `_order`)."""
    opts = model._meta
    if opts.parents or opts.order_with_respect_to or opts.auto_field is None:
        return None
    fields = tuple(f for f in opts.local_concrete_fields if not f.generated and f is not opts.auto_field)
    sql, compiler = _one_row_insert(InsertQuery(model), fields)
    returning = tuple(opts.db_returning_fields)
    converters = compiler.get_converters([f.get_col(opts.db_table) for f in returning])
    return _Insert(
        sql, fields, returning, tuple((at, tuple(functions), expr) for at, (functions, expr) in converters.items())
    )


def raw(model: type[M], sql: str, params: dict[str, Any]) -> list[M]:
    """`list(model.objects.raw(sql, params))` for a statement written as a module constant: the same rows, built
    the same way (each column's converters, `Model.from_db`, the columns that are no field set as attributes), the
    plan from columns to fields made once per statement and column list instead of on every call."""
    adapt = connection.ops.adapt_unknown_value  # as RawQuery adapts its parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, {name: adapt(value) for name, value in params.items()})
        columns = tuple(column[0] for column in cursor.description)
        rows = cursor.fetchall()
    plan = _raw_plan(model, sql, columns)
    return [plan.instance(row) for row in rows]


@dataclass(frozen=True)
class _RawPlan:
    """RawModelIterable's steps for one statement's columns, resolved once."""

    model: type[Model]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    init_names: tuple[str, ...]
    init_positions: tuple[int, ...]
    annotations: tuple[tuple[str, int], ...]

    def instance(self, row: tuple[Any, ...]) -> Model:
        values = list(row)
        for position, functions, expression in self.converters:
            for function in functions:
                values[position] = function(values[position], expression, connection)
        obj = self.model.from_db(connection.alias, list(self.init_names), [values[at] for at in self.init_positions])
        for name, position in self.annotations:
            setattr(obj, name, values[position])
        return obj


@functools.cache
def _raw_plan(model: type[Model], sql: str, described: tuple[str, ...]) -> _RawPlan:
    convert = connection.introspection.identifier_converter
    columns = [convert(name) for name in described]
    by_column = {convert(f.column): f for f in model._meta.fields}
    init_fields = [f for f in model._meta.fields if convert(f.column) in columns]
    if model._meta.pk not in init_fields:
        raise ValueError(f"{model.__name__}: a raw read must include the primary key")
    compiler = connection.ops.compiler("SQLCompiler")(None, connection, connection.alias)
    found = [by_column.get(column) for column in columns]
    converters = compiler.get_converters([f.get_col(f.model._meta.db_table) if f else None for f in found])
    return _RawPlan(
        model=model,
        converters=tuple((position, tuple(functions), expr) for position, (functions, expr) in converters.items()),
        init_names=tuple(f.attname for f in init_fields),
        init_positions=tuple(columns.index(convert(f.column)) for f in init_fields),
        annotations=tuple((column, position) for position, column in enumerate(columns) if column not in by_column),
    )
