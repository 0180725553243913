"""``/favicon.ico``: browsers ask for it whatever the page links, so it must not 404."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_safe


@require_safe
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """A permanent redirect to the static ICO (``manage.py make_favicons`` draws it)."""
    response = HttpResponsePermanentRedirect(static("favicon.ico"))
    response["Cache-Control"] = "public, max-age=86400"
    return response
