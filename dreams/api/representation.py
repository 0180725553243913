"""A dream as every client sees it, built fast for the read endpoints.

``DreamSerializer`` declares the shape field by field (the OpenAPI schema, the answers to
writes, the journal archive); the list and detail endpoints build it here from plain rows
(``dreams.selectors.dream_rows``), so a page costs no model instances, no serializer
fields and no ``reverse()`` per dream. A row or a dream instance (an unsaved one too: a
record waiting in the emergency journal) gives exactly what the serializer gives, value
formats included: ``tests/dreams/api/test_representation.py`` compares them byte for byte.

Privacy: tags are the owner's own labels and the LLM analyst's ``reflection`` speaks to
the dreamer; anyone else gets ``tags: []`` and the analysis without ``reflection``.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone

from common.api import absolute_url
from common.owners import Owner
from dreams.models import AbstractDream
from dreams.selectors import VIDEO_CREDENTIALS, VIDEO_PREVIEW_READY, dream_row
from dreams.services import dream_preview_path, dream_thumbnail_path, dream_video_path
from videos.credentials import credentials_public

Row = Mapping[str, Any]
Presenter = Callable[[AbstractDream | Row], dict[str, Any]]

# Media paths come from the URL map once per request: the id is swapped into a template.
_PLACEHOLDER = str(uuid.UUID(int=0))


@functools.lru_cache(maxsize=64)
def _path_with_placeholder(path_of: Callable[[str], str], prefix: str, urlconf: str) -> str:
    return path_of(_PLACEHOLDER)  # the same for every request with this prefix and URL map


def id_url_template(
    path_of: Callable[[str], str], request: HttpRequest | None = None
) -> tuple[str, str]:
    """``path_of(id)`` (absolute with a ``request``) as the text around any id: no
    ``reverse()`` per dream (ids need no quoting), and one per process and URL prefix."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    path = _path_with_placeholder(path_of, get_script_prefix(), urlconf)
    before, _, after = absolute_url(request, path).partition(_PLACEHOLDER)
    return before, after


def _owned(viewer: Owner | None, row: Row) -> bool:
    """``dreams.ownership.owns_dream`` for a row."""
    if viewer is None:
        return False
    if "session_key" in row:
        return viewer.is_demo and row["session_key"] == viewer.session_key
    return not viewer.is_demo and row["owner_id"] == viewer.user_id


def _text(value: Any) -> Any:
    return value if value is None or type(value) is str else str(value)


def _number(value: Any) -> Any:
    return value if value is None or type(value) is int else int(value)


def _day(value: date | str | None) -> str | None:
    if not value or isinstance(value, str):
        return value or None
    return value.isoformat()


def _tags(value: Any) -> Any:
    if value is None or (type(value) is list and all(type(tag) is str for tag in value)):
        return value
    return [None if tag is None else str(tag) for tag in value]


def dream_presenter(request: HttpRequest | None) -> Presenter:
    """A function giving the representation of a dream (a row or an instance) for
    ``request``'s caller; build it once per request and call it for every dream.

    Absolute media URLs need the request (without one they are paths).
    """
    video_before, video_after = id_url_template(dream_video_path, request)
    thumb_before, thumb_after = id_url_template(dream_thumbnail_path, request)
    preview_before, preview_after = id_url_template(dream_preview_path, request)
    zone = timezone.get_current_timezone() if settings.USE_TZ else None
    in_utc = zone is not None and getattr(zone, "key", None) == "UTC"
    viewer: list[Owner | None] = []  # who is asking, looked up once and only when needed

    def moment(value: datetime | str | None) -> str | None:
        if not value or isinstance(value, str):
            return value or None
        if in_utc and value.tzinfo is UTC:  # what the database gives: already in the zone
            return value.isoformat()[:-6] + "Z"
        aware = value.utcoffset() is not None
        if zone is not None:  # as DRF's DateTimeField: in the current zone (UTC here)
            value = value.astimezone(zone) if aware else timezone.make_aware(value, zone)
        elif aware:
            value = timezone.make_naive(value, UTC)
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def present(dream: AbstractDream | Row) -> dict[str, Any]:
        row = dream if isinstance(dream, Mapping) else dream_row(dream)
        dream_id = str(row["id"])
        tags = _tags(row["tags"])
        analysis = row["analysis"]
        reflecting = isinstance(analysis, dict) and "reflection" in analysis
        if tags or reflecting:
            if not viewer:
                viewer.append(Owner.from_request(request) if request is not None else None)
            if not _owned(viewer[0], row):
                tags = []
                if reflecting:
                    analysis = {k: v for k, v in analysis.items() if k != "reflection"}
        if row["video_asset_id"]:
            video_url = f"{video_before}{dream_id}{video_after}"
            thumbnail_url = f"{thumb_before}{dream_id}{thumb_after}"
            preview_url = (
                f"{preview_before}{dream_id}{preview_after}" if row[VIDEO_PREVIEW_READY] else None
            )
        else:
            video_url = row["video_url"] or None
            thumbnail_url = row["thumbnail_url"] or None
            preview_url = None
        return {
            "id": dream_id,
            "title": _text(row["title"]),
            "content": _text(row["content"]),
            "dreamt_on": _day(row["dreamt_on"]),
            "lucid": row["lucid"],
            "nightmare": row["nightmare"],
            "recurring": row["recurring"],
            "clarity": _number(row["clarity"]),
            "sleep_quality": _number(row["sleep_quality"]),
            "tags": tags,
            "analysis": analysis,
            "analysis_status": _text(row["analysis_status"]),
            "video_url": video_url,
            "thumbnail_url": thumbnail_url,
            "preview_url": preview_url,
            "video_prompt": _text(row["video_prompt"]),
            "video_duration": _number(row["video_duration"]),
            "video_status": _text(row["video_status"]),
            "is_public": row["is_public"],
            "moderation_status": _text(row["moderation_status"]),
            "moderation_reason": _text(row["moderation_reason"]),
            "storage": str(row["storage"]),
            "created_at": moment(row["created_at"]),
            "updated_at": moment(row["updated_at"]),
            "video_credentials": (
                credentials_public(row[VIDEO_CREDENTIALS]) if row["video_asset_id"] else None
            ),
        }

    return present


def dream_representations(
    dreams: Iterable[AbstractDream | Row], *, request: HttpRequest | None
) -> list[dict[str, Any]]:
    """Every dream's representation, in order, for ``request``'s caller."""
    present = dream_presenter(request)
    return [present(dream) for dream in dreams]


def dream_representation(
    dream: AbstractDream | Row, *, request: HttpRequest | None
) -> dict[str, Any]:
    """One dream's representation for ``request``'s caller."""
    return dream_presenter(request)(dream)
