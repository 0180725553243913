"""CSRF checks for API writes that never make Django read a large body just to find a token."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict
from rest_framework import exceptions
from rest_framework.authentication import CSRFCheck, SessionAuthentication


def csrf_failure(request: HttpRequest) -> str | None:
    """Django's CSRF verdict for an API request: ``None`` when it passes, else the reason.

    The token must come in the ``X-CSRFToken`` header (as our client sends it). Django
    would look in the POST body first, which parses (and spools to disk) a whole multipart
    upload before anyone decided it may be read, so the body is hidden from that look-up.
    """
    check = CSRFCheck(lambda req: None)
    check.process_request(request)  # puts the cookie's secret in META, as the middleware does
    if hasattr(request, "_post"):
        return check.process_view(request, None, (), {})  # the body was read already
    request._post, request._files = QueryDict(), MultiValueDict()
    try:
        return check.process_view(request, None, (), {})
    finally:
        del request._post, request._files  # the real body is parsed when the view asks


class HeaderFirstSessionAuthentication(SessionAuthentication):
    """DRF's session authentication with the header-first CSRF check above."""

    def enforce_csrf(self, request) -> None:
        if reason := csrf_failure(request._request):
            raise exceptions.PermissionDenied(f"CSRF Failed: {reason}")
