"""Serving stored videos and thumbnails: ranged, conditional, and only to who may see them.

Who may see an asset is the caller's business (``asset_response`` takes the asset they
chose); this module serves jobs' media to the jobs' owners.

On the local filesystem we answer HTTP Range requests ourselves (206/416,
ETag, Last-Modified) so ``<video>`` can seek and Safari plays. On object
storage we redirect to a short-lived presigned URL and let S3 do the ranges.
Behind nginx (``VIDEO_SENDFILE = "x-accel-redirect"``, or ``"x-sendfile"`` for
Apache/lighttpd) we still decide who may see a file, then answer with the header
and no body: the front proxy streams the bytes and does the ranges.

Videos are served as their web rendition when one exists (``videos.renditions``);
``?original=1`` gives the stored original to the same callers.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.http import require_safe

from common.authentication import request_owner
from videos.models import RenditionKind, VideoAsset, VideoRendition
from videos.selectors import video_job_get

_CHUNK = 256 * 1024
#: ``VIDEO_SENDFILE`` values: Django streams (""), or the header the front proxy acts on.
SENDFILE_X_ACCEL = "x-accel-redirect"
SENDFILE_X_SENDFILE = "x-sendfile"
SENDFILE_MODES = frozenset({"", SENDFILE_X_ACCEL, SENDFILE_X_SENDFILE})
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """``(start, end)`` inclusive; ``None`` to serve the whole file; ``False`` if unsatisfiable."""
    match = _RANGE_RE.match(header.strip())
    if not match:
        # Multiple ranges or another unit: serving the whole file is allowed (RFC 9110 14.2).
        return None
    first, last = match.groups()
    if not first and not last:
        return False
    if not first:  # suffix: the last N bytes
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return False
    return start, end


def _iter_file(fh, start: int, length: int) -> Iterator[bytes]:
    try:
        fh.seek(start)
        remaining = length
        while remaining > 0:
            chunk = fh.read(min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        fh.close()


def _sendfile_mode() -> str:
    mode = settings.VIDEO_SENDFILE.strip().lower()
    if mode not in SENDFILE_MODES:
        raise ImproperlyConfigured(
            f"VIDEO_SENDFILE must be one of {sorted(SENDFILE_MODES)}, not {mode!r}"
        )
    return mode


def _handed_to_proxy(
    field_file: FieldFile, *, mode: str, content_type: str, headers: dict[str, str]
) -> HttpResponse:
    """An empty answer telling the front proxy which file to stream: it does the bytes,
    ranges and conditional requests; the caller already decided who may have them."""
    response = HttpResponse(content_type=content_type)
    if mode == SENDFILE_X_ACCEL:
        # nginx maps the prefix onto MEDIA_ROOT in an ``internal`` location.
        prefix = settings.VIDEO_SENDFILE_PREFIX.rstrip("/")
        response["X-Accel-Redirect"] = quote(f"{prefix}/{field_file.name}")
    else:
        response["X-Sendfile"] = field_file.storage.path(field_file.name)
    return _with_headers(response, headers)


def serve_file(
    request: HttpRequest, field_file: FieldFile, *, content_type: str, etag: str, modified
) -> HttpResponse:
    storage = field_file.storage
    if not isinstance(storage, FileSystemStorage):
        response = HttpResponseRedirect(storage.url(field_file.name))
        response["Cache-Control"] = "private, no-store"
        return response
    if mode := _sendfile_mode():
        if not storage.exists(field_file.name):
            raise Http404("The file is missing.")
        headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
        return _handed_to_proxy(field_file, mode=mode, content_type=content_type, headers=headers)

    try:
        size = storage.size(field_file.name)
    except OSError as exc:
        raise Http404("The file is missing.") from exc
    last_modified = http_date(modified.timestamp())
    quoted_etag = f'"{etag}"'
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": quoted_etag,
        "Last-Modified": last_modified,
        "Cache-Control": "private, max-age=3600",
        "X-Content-Type-Options": "nosniff",
    }

    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        if quoted_etag in tags or "*" in tags:
            return _with_headers(HttpResponseNotModified(), headers)
    else:
        since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
        if since is not None and int(modified.timestamp()) <= since:
            return _with_headers(HttpResponseNotModified(), headers)

    byte_range = None
    range_header = request.headers.get("Range")
    if range_header:
        if_range = request.headers.get("If-Range")
        if if_range is None or if_range.strip() in (quoted_etag, last_modified):
            byte_range = _parse_range(range_header, size)
    if byte_range is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _with_headers(response, headers)

    start, end = byte_range if byte_range else (0, size - 1)
    length = end - start + 1 if size else 0
    fh = storage.open(field_file.name, "rb")
    if request.method == "HEAD":
        fh.close()
        response = HttpResponse(status=206 if byte_range else 200)
    else:
        response = StreamingHttpResponse(
            _iter_file(fh, start, length), status=206 if byte_range else 200
        )
    response["Content-Type"] = content_type
    response["Content-Length"] = str(length)
    if byte_range:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return _with_headers(response, headers)


def _with_headers(response: HttpResponse, headers: dict[str, str]) -> HttpResponse:
    for name, value in headers.items():
        response[name] = value
    return response


def _name_tag(name: str) -> str:
    """A short tag naming a stored file (each render writes new names)."""
    return format(zlib.crc32(name.encode()), "08x")


def wants_original(request: HttpRequest) -> bool:
    """``?original=1``: the stored original rather than its web rendition."""
    return request.GET.get("original", "") in ("1", "true", "yes")


def asset_response(
    request: HttpRequest, asset: VideoAsset | None, *, thumbnail: bool, preview: bool = False
) -> HttpResponse:
    """The asset's video for a caller already allowed to see it; 404 if none.

    The video is its web rendition when there is one (``videos.renditions``), else the
    original; ``?original=1`` asks for the original whatever exists. ``thumbnail`` gives
    the poster (or the first thumbnail, before renditions were made), ``preview`` the
    gallery's preview loop (404 until it is made).
    """
    if asset is None or (thumbnail and not asset.thumbnail):
        raise Http404("No video yet.")
    if thumbnail:
        # Each poster (a re-render makes a new one) is stored under its own name: its tag.
        return serve_file(
            request,
            asset.thumbnail,
            content_type="image/jpeg",
            etag=f"{asset.sha256}-{_name_tag(asset.thumbnail.name)}",
            modified=asset.renditions_at or asset.created_at,
        )
    kind = RenditionKind.PREVIEW if preview else RenditionKind.WEB
    # No query for a rendition that cannot exist (every ranged request of a <video> asks).
    made = asset.preview_ready if preview else asset.renditions_at is not None
    if made and (preview or not wants_original(request)):
        rendition = VideoRendition.objects.filter(asset=asset, kind=kind).first()
        if rendition is not None:
            # Tagged by the file: a forced re-render never answers an old If-Range.
            return serve_file(
                request,
                rendition.file,
                content_type="video/mp4",
                etag=f"{asset.sha256}-{kind}-{_name_tag(rendition.file.name)}",
                modified=rendition.created_at,
            )
    if preview:
        raise Http404("No preview yet.")
    return serve_file(
        request, asset.file, content_type="video/mp4", etag=asset.sha256, modified=asset.created_at
    )


def _job_asset(request: HttpRequest, job_id) -> VideoAsset | None:
    job = video_job_get(owner=request_owner(request), job_id=job_id)
    return job.asset if job is not None else None


@require_safe
def job_video(request: HttpRequest, job_id) -> HttpResponse:
    return asset_response(request, _job_asset(request, job_id), thumbnail=False)


@require_safe
def job_thumbnail(request: HttpRequest, job_id) -> HttpResponse:
    return asset_response(request, _job_asset(request, job_id), thumbnail=True)
