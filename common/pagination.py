"""Cursor pagination: positions, not offsets, so a deep page costs what page 1 costs."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


@dataclass(frozen=True)
class FirstRows:
    """Page 1 of a keyset-paginated list, read another way: ``read(n)`` gives the first
    ``n`` rows of the list, which is ordered by ``ordering`` (its ``order_by``)."""

    read: Callable[[int], list]
    ordering: tuple[str, ...]


@dataclass(frozen=True)
class PageRows:
    """Pages of a list that ``NewestFirstCursorPagination`` cuts, read another way (e.g.
    by prepared statements): ``read(ordering, after, limit)`` gives the first ``limit``
    rows of the list ordered by ``ordering`` (``order_by`` terms), narrowed by ``after``
    when it is a ``(lookup, value)`` pair such as ``("created_at__lt", "2026-…")``; or
    ``None`` for a page it does not read, which the queryset then serves."""

    read: Callable[[tuple[str, ...], tuple[str, Any] | None, int], list | None]
    ordering: tuple[str, ...]

    def first(self, limit: int) -> list | None:
        """The list's first ``limit`` rows."""
        return self.read(self.ordering, None, limit)


class NewestFirstCursorPagination(CursorPagination):
    """Stable deep pages: the cursor is a position, not an offset (page 5,000 costs as page 1)."""

    ordering = ("-created_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None, *, page_rows=None):
        """DRF's, except that with ``page_rows`` (the same list, ordered like this
        paginator) a page is read by ``page_rows.read`` where it can, else from
        ``queryset``."""
        if page_rows is not None:
            if tuple(page_rows.ordering) != tuple(self.ordering):
                raise ValueError("page_rows must be ordered as the paginator orders.")
            queryset = _PageRowsAsQuerySet(page_rows, queryset)
        return super().paginate_queryset(queryset, request, view)


class _PageRowsAsQuerySet:
    """What DRF's cursor pagination asks of a queryset (``order_by``, one ``filter`` by
    the cursor's position, a slice), answered by ``PageRows`` for a slice from the
    start, by the queryset for one with an offset (a cursor between equal positions)."""

    def __init__(
        self,
        page_rows: PageRows,
        queryset,
        ordering: tuple[str, ...] = (),
        after: tuple[str, Any] | None = None,
    ) -> None:
        self.page_rows, self.queryset = page_rows, queryset
        self.ordering, self.after = ordering, after

    def order_by(self, *ordering: str) -> _PageRowsAsQuerySet:
        return _PageRowsAsQuerySet(self.page_rows, self.queryset, ordering, self.after)

    def filter(self, **lookup: Any) -> _PageRowsAsQuerySet:
        if self.after is not None or len(lookup) != 1:
            raise TypeError("One filter, the cursor's position, is all pages take.")
        (after,) = lookup.items()
        return _PageRowsAsQuerySet(self.page_rows, self.queryset, self.ordering, after)

    def __getitem__(self, page: slice) -> list:
        if not isinstance(page, slice) or page.step or page.stop is None:
            raise TypeError("Pages are read as [start:stop] slices.")
        if not page.start:
            rows = self.page_rows.read(self.ordering, self.after, page.stop)
            if rows is not None:
                return rows
        queryset = self.queryset.order_by(*self.ordering)
        if self.after is not None:
            queryset = queryset.filter(**dict([self.after]))
        return list(queryset[page])


class KeysetPagination(BasePagination):
    """Exact, stable pages over a queryset ordered by several descending keys.

    The queryset may give model instances or ``values()`` dicts. The keys are the
    queryset's own ``order_by`` (each descending, the last one unique,
    e.g. ``-dreamt_on, -created_at, -id``): the cursor holds the last row's values of all
    of them, so a page deep in a large journal costs what page 1 costs and rows sharing a
    date are never skipped or repeated (DRF's cursor keeps only the first key and an
    offset, which breaks past 1,000 rows on one date). Answers like DRF's cursor pages:
    ``{next, previous, results}``; a cursor that cannot be read is a 404.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    cursor_query_param = "cursor"
    invalid_cursor_message = "Invalid cursor"

    def paginate_queryset(
        self, queryset, request, view=None, *, first_rows: FirstRows | None = None
    ) -> list:
        """The page of ``queryset`` the request's cursor names. ``queryset`` may be a
        function making it, called only if needed: with ``first_rows``, page 1 is read by
        ``first_rows.read`` instead (e.g. a prepared statement) and needs no queryset."""
        self.base_url = request.build_absolute_uri()
        self.page_size = self._page_size(request)
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded and first_rows is not None:
            self.keys = self._keys(first_rows.ordering)
            position, reverse = None, False
            rows = first_rows.read(self.page_size + 1)
        else:
            queryset = queryset() if callable(queryset) else queryset
            self.keys = self._keys(queryset.query.order_by)
            position, reverse = self._decode(encoded)
            if position is not None:
                queryset = queryset.filter(self._beyond(position, reverse=reverse))
            if reverse:
                queryset = queryset.order_by(*(key for key in self.keys))
            rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if reverse:
            rows.reverse()
        self.next_position = self.previous_position = None
        if rows and (more if not reverse else position is not None):
            self.next_position = self._position(rows[-1])
        if rows and (more if reverse else position is not None):
            self.previous_position = self._position(rows[0])
        return rows

    def get_paginated_response(self, data) -> Response:
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_next_link(self) -> str | None:
        return self._link(self.next_position, reverse=False)

    def get_previous_link(self) -> str | None:
        return self._link(self.previous_position, reverse=True)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return CursorPagination().get_paginated_response_schema(schema)

    # --- The cursor --------------------------------------------------------------------

    def _page_size(self, request) -> int:
        try:
            size = int(request.query_params.get(self.page_size_query_param, self.page_size))
        except (TypeError, ValueError):
            return self.page_size
        return max(1, min(size, self.max_page_size))

    @staticmethod
    def _keys(order_by) -> list[str]:
        ordering = list(order_by)
        if not ordering or not all(isinstance(o, str) and o.startswith("-") for o in ordering):
            raise ValueError("KeysetPagination needs a queryset ordered by descending keys.")
        return [o[1:] for o in ordering]

    def _position(self, row) -> list[str]:
        values = []
        for key in self.keys:
            # Rows are model instances, or dicts from ``values()`` (the lists, API and page).
            value = row[key] if isinstance(row, dict) else getattr(row, key)
            values.append(value.isoformat() if hasattr(value, "isoformat") else str(value))
        return values

    def _beyond(self, position: list[str], *, reverse: bool) -> Q:
        """Rows after ``position`` in descending key order (before it when ``reverse``)."""
        beyond = "gt" if reverse else "lt"
        condition = Q()
        for index, key in enumerate(self.keys):
            step = Q(**{f"{key}__{beyond}": position[index]})
            for earlier, value in zip(self.keys[:index], position[:index], strict=True):
                step &= Q(**{earlier: value})
            condition |= step
        # The first key alone bounds an index range scan; the tuple test then narrows it.
        first = "gte" if reverse else "lte"
        return Q(**{f"{self.keys[0]}__{first}": position[0]}) & condition

    def _decode(self, encoded: str | None) -> tuple[list[str] | None, bool]:
        if not encoded:
            return None, False
        try:
            padded = encoded + "=" * (-len(encoded) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            position, reverse = data["p"], data["r"]
            if (
                not isinstance(position, list)
                or len(position) != len(self.keys)
                or not all(isinstance(v, str) and len(v) <= 64 for v in position)
                or not isinstance(reverse, bool)
            ):
                raise ValueError
        except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error) as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        return position, reverse

    def _link(self, position: list[str] | None, *, reverse: bool) -> str | None:
        if position is None:
            return None
        raw = json.dumps({"p": position, "r": reverse}, separators=(",", ":")).encode()
        encoded = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)
