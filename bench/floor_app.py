"""The floor for ``bench/api_load.py``: the same SQL and the same JSON, with nothing else.

A bare WSGI app (no Django, no DRF, no ORM). For each list URL it replays, with
psycopg, exactly the statements Django ran for that URL (captured by ``api_load.py``
with ``CaptureQueriesContext`` and handed over in ``$FLOOR_CONFIG``), then builds the
dream representation by hand from the rows (read by column name, whichever columns the
statement selects) and dumps it with ``json.dumps``: the same keys, values and links as
the API's page. One connection per worker process, kept open, like Django with
``CONN_MAX_AGE`` (without Django's per-request health check).

Whatever our app spends beyond this (request handling, authentication classes,
pagination, serializers, model instances) is what the our/floor ratio measures.

Serve: ``gunicorn --chdir bench floor_app:application`` with ``DATABASE_URL`` and
``FLOOR_CONFIG`` set.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from urllib.parse import urlencode

import psycopg

CONFIG = json.loads(Path(os.environ["FLOOR_CONFIG"]).read_text())
PAGE_SIZE = 20

_connection: psycopg.Connection | None = None


def _db() -> psycopg.Connection:
    global _connection  # one per worker process, opened on first use (after fork)
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        _connection.execute("SET TIME ZONE 'UTC'")
    return _connection


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _cursor(row: dict, *, keyset: bool, reverse: bool = False) -> str:
    if keyset:  # common.pagination.KeysetPagination: every key of the journal's order
        position = [row["dreamt_on"].isoformat(), row["created_at"].isoformat(), str(row["id"])]
        raw = json.dumps({"p": position, "r": reverse}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    # DRF's CursorPagination: the first key only
    tokens = {"r": "1", "p": str(row["created_at"])} if reverse else {"p": str(row["created_at"])}
    return base64.b64encode(urlencode(tokens).encode("ascii")).decode("ascii")


def _dream(row: dict, base: str) -> dict:
    media = f"{base}/media/dreams/{row['id']}"
    has_video = row["video_asset_id"] is not None
    return {
        "id": str(row["id"]),
        "title": row["title"],
        "content": row["content"],
        "dreamt_on": row["dreamt_on"].isoformat(),
        "lucid": row["lucid"],
        "nightmare": row["nightmare"],
        "recurring": row["recurring"],
        "clarity": row["clarity"],
        "sleep_quality": row["sleep_quality"],
        "tags": row["tags"],
        "analysis": row["analysis"],
        "analysis_status": row["analysis_status"],
        "video_url": f"{media}/video.mp4" if has_video else (row["video_url"] or None),
        "thumbnail_url": f"{media}/thumbnail.jpg" if has_video else (row["thumbnail_url"] or None),
        "video_prompt": row["video_prompt"],
        "video_duration": row["video_duration"],
        "video_status": row["video_status"],
        "is_public": row["is_public"],
        "moderation_status": row["moderation_status"],
        "moderation_reason": row["moderation_reason"],
        "storage": row.get("storage", "dreams"),
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
    }


def _respond(start_response, status: str, body: dict) -> list[bytes]:
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    if path == "/healthz":
        return _respond(start_response, "200 OK", {"status": "ok"})
    route = CONFIG["routes"].get(f"{path}?{query}" if query else path)
    if route is None:
        return _respond(start_response, "404 Not Found", {"detail": "Not found."})
    if route["auth"] and environ.get("HTTP_AUTHORIZATION") != f"Token {CONFIG['token']}":
        return _respond(start_response, "401 Unauthorized", {"detail": "Invalid token."})

    db = _db()
    *checks, listing = route["statements"]
    for statement in checks:  # what runs before the page (the token lookup): each must answer
        if db.execute(statement).fetchone() is None:
            return _respond(start_response, "401 Unauthorized", {"detail": "Invalid token."})
    cursor = db.execute(listing)
    names = [column.name for column in cursor.description]
    dreams = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    base = f"http://{environ.get('HTTP_HOST', 'localhost')}"
    page = dreams[:PAGE_SIZE]
    keyset = route["keyset"]
    next_url = previous_url = None
    if len(dreams) > PAGE_SIZE:
        next_url = f"{base}{path}?cursor={_cursor(page[-1], keyset=keyset)}"
    if query and page:
        previous_url = f"{base}{path}?cursor={_cursor(page[0], keyset=keyset, reverse=True)}"
    body = {
        "next": next_url,
        "previous": previous_url,
        "results": [_dream(row, base) for row in page],
    }
    return _respond(start_response, "200 OK", body)
