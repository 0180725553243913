"""Request bodies are bounded before they are read: 413 for anything over the limit.

A view that takes uploads says so (``accepts_uploads = True`` on its class): its body may
be up to ``REQUEST_MAX_BYTES``. Every other body is held to ``DATA_UPLOAD_MAX_MEMORY_SIZE``
(JSON is read into memory). A declared ``Content-Length`` over the limit is refused by
``RequestSizeLimitMiddleware`` before any view or middleware reads a byte; a body without
one (chunked) is cut off by ``LimitedUploadHandler`` as it passes ``REQUEST_MAX_BYTES``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, status


def _limit(view_func=None) -> int:
    """The body limit of the view ``view_func`` (``REQUEST_MAX_BYTES`` when unknown)."""
    if view_func is None:
        return settings.REQUEST_MAX_BYTES
    if getattr(getattr(view_func, "cls", None), "accepts_uploads", False):
        return settings.REQUEST_MAX_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _too_large_message(limit: int | None = None) -> str:
    limit = limit or _limit()
    return f"The request body is larger than the {limit / (1024 * 1024):g} MB we accept here."


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is too large."
    default_code = "payload_too_large"


def _declared(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _too_large_response(limit: int | None = None) -> HttpResponse:
    return JsonResponse({"detail": _too_large_message(limit)}, status=413)


class RequestSizeLimitMiddleware:
    """413 for a declared body over its view's limit, before anything reads it.

    First in ``MIDDLEWARE``: its ``process_view`` runs before the CSRF middleware's, which
    would read a form body looking for a token.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _declared(request) > _limit():
            return _too_large_response()  # over any limit: not even worth resolving the URL
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        limit = _limit(view_func)
        return _too_large_response(limit) if _declared(request) > limit else None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A plain Django view whose body ran over the limit (DRF views answer it themselves).
        return _too_large_response() if isinstance(exception, PayloadTooLarge) else None


class LimitedUploadHandler(FileUploadHandler):
    """First in ``FILE_UPLOAD_HANDLERS``: counts the bytes of every file, stops at the limit."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > _limit():
            raise PayloadTooLarge(_too_large_message())
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received = getattr(self, "received", 0) + len(raw_data)
        if self.received > _limit():
            raise PayloadTooLarge(_too_large_message())
        return raw_data  # the next handler stores it

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler returns the file
