"""Hot reads compiled once: a queryset turned into SQL once per database connection, then
run again with one parameter changed.

Django compiles a queryset into SQL on every evaluation; for the reads nearly every
request makes (the caller's token, their user, the first page of their journal) that
costs more than running the query. A ``PreparedRows`` is made from a function of one
argument that returns a ``values()`` or ``values_list()`` queryset; it is compiled once
with a *sentinel* argument, and each later call swaps the sentinel's parameter for the
real one and runs the same statement, applying the same value converters Django would.
If the sentinel is not found exactly once among the parameters, the queryset simply
runs the ordinary way.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

#: ``PreparedRows(sentinel=NO_ARGUMENT)``: the statement is the same for every call.
NO_ARGUMENT = object()


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple
    slot: int | None
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
    tells this statement apart from every other prepared one.
    """

    def __init__(
        self,
        name: Hashable,
        build: Callable[[Any], QuerySet],
        *,
        sentinel: Any,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        self.name = name
        self.build = build
        self.sentinel = sentinel
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
        if statement.slot is not None:
            params[statement.slot] = argument
        with connections[self.using].cursor() as cursor:
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

    def _compile(self) -> _Statement | None:
        takes_none = self.sentinel is NO_ARGUMENT
        query = self.build(None if takes_none else self.sentinel).query
        compiler = query.get_compiler(using=self.using)
        sql, params = compiler.as_sql()
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        slots = [] if takes_none else [i for i, v in enumerate(params) if v == self.sentinel]
        if len(slots) != (0 if takes_none else 1) or compiler.has_composite_fields(fields):
            return None
        return _Statement(
            sql=sql,
            params=tuple(params),
            slot=slots[0] if slots else None,
            compiler=compiler,
            converters=compiler.get_converters(fields),
            columns=compiler.col_count,
            names=(*query.extra_select, *query.values_select, *query.annotation_select),
        )
