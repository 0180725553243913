"""Project-wide API plumbing: error bodies, demo-mode CSRF, the base view."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError
from rest_framework import exceptions, status
from rest_framework.authentication import CSRFCheck
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from videos.services import JobLimitExceeded


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is briefly unavailable. Please try again in a moment."
    default_code = "database_unavailable"


class TooManyJobs(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Too many videos in progress."
    default_code = "too_many_jobs"


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, plus our domain errors mapped to conventional bodies."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, JobLimitExceeded):
        exc = TooManyJobs(detail=str(exc))
    elif isinstance(exc, DatabaseError) and not isinstance(exc, IntegrityError):
        exc = DatabaseUnavailable()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, DatabaseUnavailable):
        response["Retry-After"] = "5"
    return response


def enforce_demo_csrf(request) -> None:
    """CSRF for anonymous (demo-mode) writes that ride on a session cookie.

    DRF only checks CSRF for authenticated session users; a demo session is an
    ambient credential too. Callers without a session cookie have nothing to forge.
    """
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return
    if request.user.is_authenticated or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return
    if getattr(request._request, "_dont_enforce_csrf_checks", False):
        return
    check = CSRFCheck(lambda req: None)
    check.process_request(request._request)
    reason = check.process_view(request._request, None, (), {})
    if reason:
        raise exceptions.PermissionDenied(f"CSRF Failed: {reason}")


class SafeJSONParser(JSONParser):
    """JSON that nests too deeply is a 400 like any other malformed body, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from exc
