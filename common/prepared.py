"""Hot reads compiled once: a queryset turned into SQL once per database connection, then
run again with one parameter changed.

Django compiles a queryset into SQL on every evaluation; for the reads nearly every
request makes (the caller's token, their user, the first page of their journal) that
costs more than running the query. A ``PreparedRows`` is made from a function of one
argument that returns a ``values()`` or ``values_list()`` queryset; it is compiled once
with a *sentinel* argument, and each later call swaps the sentinel's parameter for the
real one (wherever it appears: a statement may use its argument twice) and runs the same
statement, applying the same value converters Django would. If the sentinel is not
among the parameters, the queryset simply runs the ordinary way.

JSON columns are decoded by orjson (what ``JSONField`` gives, several times faster; a
value orjson refuses, such as a ``NaN``, goes to the field's own decoder).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import JSONField, QuerySet
from django.db.models.expressions import Col

#: A placeholder in Django's SQL, or an escaped percent sign (which is not one).
_PLACEHOLDERS = re.compile(r"(%s|%%)")

#: ``PreparedRows(sentinel=NO_ARGUMENT)``: the statement is the same for every call.
NO_ARGUMENT = object()


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple
    slots: tuple[int, ...]
    compiler: Any
    converters: dict
    columns: int
    names: tuple[str, ...]


class PreparedRows:
    """``build(argument)``, a ``values()``/``values_list()`` queryset (sliced or not), run
    as one statement compiled once per connection.

    ``sentinel`` is a value of the argument's type that no real call passes and that the
    queryset sends as a parameter (an impossible id, an unlikely string); ``NO_ARGUMENT``
    for a statement that takes none (``build`` is then called with ``None``). ``name``
    tells this statement apart from every other prepared one. ``adapt(value, connection)``
    is what the queryset does to the argument before sending it (a lookup's
    ``get_db_prep_value``: a cursor's position given as text becomes a datetime on
    PostgreSQL and text again on SQLite); it may raise, as the queryset would.
    """

    def __init__(
        self,
        name: Hashable,
        build: Callable[[Any], QuerySet],
        *,
        sentinel: Any,
        adapt: Callable[[Any, BaseDatabaseWrapper], Any] | None = None,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        self.name = name
        self.build = build
        self.sentinel = sentinel
        self.adapt = adapt
        self.using = using

    def rows(self, argument: Any = None) -> list[list[Any]]:
        """The rows as lists of column values, in the queryset's column order."""
        statement = self._statement()
        if statement is None:  # the sentinel could not be placed: the ordinary way
            return [
                list(row.values()) if isinstance(row, dict) else list(row)
                for row in self.build(argument)
            ]
        params = list(statement.params)
        if statement.slots:
            adapted = self._adapted(argument)
            for slot in statement.slots:
                params[slot] = adapted
        connection = connections[self.using]
        # Bound on the server where the backend can (common.postgresql): psycopg then
        # prepares the statement, and the database stops planning it on every request.
        binding = getattr(connection, "binding_cursor", None)
        cursor = (binding() if binding else None) or connection.cursor()
        with cursor:
            cursor.execute(statement.sql, params)
            fetched = cursor.fetchall()
        rows = (row[: statement.columns] for row in fetched)
        if statement.converters:
            return list(statement.compiler.apply_converters(rows, statement.converters))
        return [list(row) for row in rows]

    def dicts(self, argument: Any = None) -> list[dict[str, Any]]:
        """The rows as ``values()`` gives them: dicts by column name."""
        statement = self._statement()
        if statement is None:
            return list(self.build(argument))
        names = statement.names
        return [dict(zip(names, row, strict=True)) for row in self.rows(argument)]

    def _statement(self) -> _Statement | None:
        prepared = connections[self.using].__dict__.setdefault("_prepared_rows", {})
        if self.name not in prepared:
            prepared[self.name] = self._compile()
        return prepared[self.name]

    def _adapted(self, argument: Any) -> Any:
        return argument if self.adapt is None else self.adapt(argument, connections[self.using])

    def _compile(self) -> _Statement | None:
        takes_none = self.sentinel is NO_ARGUMENT
        query = self.build(None if takes_none else self.sentinel).query
        compiler = query.get_compiler(using=self.using)
        sql, params = compiler.as_sql()
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        sent = None if takes_none else self._adapted(self.sentinel)
        slots = [] if takes_none else [i for i, v in enumerate(params) if v == sent]
        if (takes_none != (not slots)) or compiler.has_composite_fields(fields):
            return None
        sql, params, slots = _constants_inlined(connections[self.using], sql, params, slots)
        return _Statement(
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            compiler=compiler,
            converters=_with_fast_json(compiler.get_converters(fields)),
            columns=compiler.col_count,
            names=(*query.extra_select, *query.values_select, *query.annotation_select),
        )


def _constants_inlined(
    connection: BaseDatabaseWrapper, sql: str, params: list, slots: list[int]
) -> tuple[str, list, list[int]]:
    """``sql`` with every parameter but the argument's written into it as a literal, where
    the statement is prepared by the server (``common.postgresql``).

    A prepared statement keeps one plan only if a generic plan (one for any parameter
    values) is as cheap as planning each run. A constant sent as a parameter hides what
    a partial index needs to see (the gallery's ``moderation_status = 'approved'``), so
    PostgreSQL planned the gallery page again on every run: twice the time it took to
    run it. Written in, the constants let it plan once per connection. Only our own
    constants are written in (the queryset's, not a caller's argument, which stays a
    parameter), and only text, integers and booleans, quoted by psycopg.
    """
    if not getattr(connection, "prepares_statements", False):
        return sql, params, slots
    from psycopg.sql import Literal  # prepared statements are psycopg 3's

    connection.ensure_connection()
    pieces = _PLACEHOLDERS.split(sql)
    out, kept, kept_slots = [pieces[0]], [], []
    values = iter(enumerate(params))
    for placeholder, text in zip(pieces[1::2], pieces[2::2], strict=True):
        if placeholder == "%s":
            index, value = next(values)
            if index in slots or not isinstance(value, int | str):  # bool is an int
                if index in slots:
                    kept_slots.append(len(kept))
                kept.append(value)
            else:
                # A str or int enum as its plain value (psycopg writes an Enum's name).
                if isinstance(value, str):
                    value = str.__str__(value)
                elif type(value) is not bool:
                    value = int(value)
                # A % in the literal would read as a placeholder: escaped as Django does.
                placeholder = Literal(value).as_string(connection.connection).replace("%", "%%")
        out += (placeholder, text)
    return "".join(out), kept, kept_slots


def _with_fast_json(converters: dict) -> dict:
    """``converters`` (``SQLCompiler.get_converters``) with every plain JSON column's
    decoder swapped for orjson's."""
    return {
        index: ([_fast(convert, expression) for convert in functions], expression)
        for index, (functions, expression) in converters.items()
    }


def _fast(convert: Callable, expression: Any) -> Callable:
    field = getattr(convert, "__self__", None)
    if (
        getattr(convert, "__func__", None) is not JSONField.from_db_value
        or field.decoder is not None
        or not isinstance(expression, Col)
    ):
        return convert

    def from_db_value(value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if isinstance(value, str):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                pass  # NaN, an integer past 64 bits, a lone surrogate: json's rules
        return convert(value, expression, connection)

    return from_db_value
