"""Serving stored videos and thumbnails: ranged, conditional, and only to who may see them.

Who may see an asset is the caller's business (``asset_response`` takes the asset they
chose); this module serves jobs' media to the jobs' owners.

On the local filesystem we answer HTTP Range requests ourselves (206/416,
ETag, Last-Modified) so ``<video>`` can seek and Safari plays. On object
storage we redirect to a short-lived presigned URL and let S3 do the ranges.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

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
from videos.models import VideoAsset
from videos.selectors import video_job_get

_CHUNK = 256 * 1024
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


def serve_file(
    request: HttpRequest, field_file: FieldFile, *, content_type: str, etag: str, modified
) -> HttpResponse:
    storage = field_file.storage
    if not isinstance(storage, FileSystemStorage):
        response = HttpResponseRedirect(storage.url(field_file.name))
        response["Cache-Control"] = "private, no-store"
        return response

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


def asset_response(
    request: HttpRequest, asset: VideoAsset | None, *, thumbnail: bool
) -> HttpResponse:
    """The asset's video (or thumbnail) for a caller already allowed to see it; 404 if none."""
    if asset is None or (thumbnail and not asset.thumbnail):
        raise Http404("No video yet.")
    if thumbnail:
        return serve_file(
            request,
            asset.thumbnail,
            content_type="image/jpeg",
            etag=f"{asset.sha256}-thumb",
            modified=asset.created_at,
        )
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
