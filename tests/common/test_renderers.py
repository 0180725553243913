"""``OrjsonRenderer`` writes the bytes DRF's ``JSONRenderer`` writes, for every kind of value
our API answers with (and falls back to DRF's renderer for what orjson cannot write)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from common.renderers import OrjsonRenderer

VALUES = {
    "unicode": 'Träume 🌙 “quoted” \\ / " \t \n \r \x01 \x1f \x7f \u2028 \u2029 \ufeff 𝄞',
    "uuid": uuid.UUID("c6efad67-a035-4f23-aabe-fae4f1d1d829"),
    "utc": datetime(2026, 11, 25, 10, 49, 12, 123456, tzinfo=UTC),
    "utc_zoneinfo": datetime(2026, 11, 25, 10, 49, tzinfo=ZoneInfo("UTC")),
    "offset": datetime(2026, 6, 1, 8, 0, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
    "naive": datetime(2026, 1, 2, 3, 4, 5),
    "date": date(1999, 12, 31),
    "time": time(23, 59, 1, 5),
    "duration": timedelta(days=1, seconds=3.5),
    "decimal": Decimal("12.50"),
    "lazy": gettext_lazy("This field is required."),
    "error": ErrorDetail("Must be a JSON object.", code="invalid"),
    "floats": [0.0, -0.0, 0.1, 0.5, -0.35, 1.0, 0.001, 0.0001, 123456.789, 1e15, 2.5, 1 / 3],
    "ints": [0, -1, 2**53, -(2**63), 2**64 - 1],
    "big": 2**70,
    "nested": {"a": [{"b": None, "c": True, "d": False}], "": {}, "e": []},
    "returned": ReturnDict({"x": ReturnList([1, "two"], serializer=None)}, serializer=None),
}


@pytest.mark.parametrize("name", VALUES)
def test_each_kind_of_value_renders_as_drf_renders_it(name):
    # Given a response body holding one kind of value
    body = {"value": VALUES[name], "after": "ü"}

    # When both renderers write it
    ours = OrjsonRenderer().render(body)
    drfs = JSONRenderer().render(body)

    # Then the bytes are the same
    assert ours == drfs
    assert json.loads(ours) == json.loads(drfs)


def test_a_whole_body_renders_as_drf_renders_it():
    body = {"next": None, "previous": "http://x/?cursor=cD0y", "results": [VALUES] * 3}
    assert OrjsonRenderer().render(body) == JSONRenderer().render(body)


def test_indented_and_empty_bodies_are_drfs():
    body = {"a": [1, {"b": "ü"}]}
    accepted = "application/json; indent=4"
    assert OrjsonRenderer().render(body, accepted) == JSONRenderer().render(body, accepted)
    assert OrjsonRenderer().render(None) == b""


def test_keys_that_are_not_strings_render_as_drf_renders_them():
    body = {1: "one", "two": {3.5: True}}
    assert OrjsonRenderer().render(body) == JSONRenderer().render(body)


def test_what_drf_refuses_is_refused():
    with pytest.raises(TypeError):
        OrjsonRenderer().render({"value": object()})
    with pytest.raises(ValueError, match="aware"):
        OrjsonRenderer().render({"value": time(1, 2, tzinfo=UTC)})


def test_tiny_and_huge_floats_keep_their_value():
    # Given floats Python writes with an exponent (DRF: 1e-07, 5e-05, 1e+16)
    body = {"values": [1e-7, 5e-5, 1e16, -2.5e-300]}

    # Then orjson's shorter spelling is the same number to any JSON reader
    assert json.loads(OrjsonRenderer().render(body)) == json.loads(JSONRenderer().render(body))
