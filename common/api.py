"""API plumbing every app shares: error bodies, demo-mode CSRF, the owner-aware base view."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError
from django.http import HttpRequest
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.csrf import csrf_failure
from common.exceptions import LimitExceeded, ServiceBusy
from common.owners import Owner


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is briefly unavailable. Please try again in a moment."
    default_code = "service_unavailable"
    retry_after_seconds = 5


class TooManyInFlight(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Too many videos in progress."
    default_code = "too_many_in_flight"


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, plus our domain errors mapped to conventional bodies."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, LimitExceeded):
        exc = TooManyInFlight(detail=str(exc))
    elif isinstance(exc, ServiceBusy):
        busy = ServiceUnavailable(detail=str(exc))
        busy.retry_after_seconds = exc.retry_after_seconds
        exc = busy
    elif isinstance(exc, DatabaseError) and not isinstance(exc, IntegrityError):
        exc = ServiceUnavailable()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = str(exc.retry_after_seconds)
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
    if reason := csrf_failure(request._request):
        raise exceptions.PermissionDenied(f"CSRF Failed: {reason}")


class OwnerMixin:
    """Who is calling: an account, or a demo-mode session (created on the first write).

    Mixed into every API view that acts for an owner; it also enforces CSRF on demo writes.
    """

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self.check_before_body(request)
        enforce_demo_csrf(request)

    def check_before_body(self, request: Request) -> None:
        """Refuse what can be refused before the body is read (an upload view checks its
        caller and target here); the default refuses nothing."""

    def owner(self, request: Request, *, create: bool = False) -> Owner | None:
        return Owner.from_request(request, create_session=create)


def validated(serializer_class, request: Request, *, partial: bool = False, **context) -> dict:
    """The request body validated by ``serializer_class``; raises DRF's 400 otherwise."""
    serializer = serializer_class(data=request.data, partial=partial, context=context)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def parse_bool(value: str | None) -> bool | None:
    """A query-string flag: ``None`` when absent or empty."""
    if value is None or value == "":
        return None
    return value.lower() in {"1", "true", "yes", "on"}


def absolute_url(request: HttpRequest | None, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


CURSOR_PARAMETERS = [
    OpenApiParameter("cursor", str, description="Opaque position from `next` or `previous`"),
    OpenApiParameter("page_size", int, description="1-100, default 20"),
]
