"""``common.parsers.SafeJSONParser``: bad JSON is a client error, however it is bad."""

from __future__ import annotations

import io
import json

import pytest
from rest_framework.exceptions import ParseError

from common.parsers import SafeJSONParser


def _parse(raw: bytes):
    return SafeJSONParser().parse(io.BytesIO(raw), "application/json", {"encoding": "utf-8"})


def test_ordinary_json_is_parsed():
    assert _parse(b'{"title": "Moon", "tags": [1, 2]}') == {"title": "Moon", "tags": [1, 2]}


def test_json_nested_too_deeply_is_a_parse_error_not_a_crash():
    with pytest.raises(ParseError, match="nested too deeply"):
        _parse(b"[" * 100_000 + b"]" * 100_000)


def test_malformed_json_is_a_parse_error():
    with pytest.raises(ParseError):
        _parse(b'{"title": ')


def test_moderately_nested_json_is_fine():
    doc = {"a": [{"b": [{"c": 1}]}] * 3}

    assert _parse(json.dumps(doc).encode()) == doc
