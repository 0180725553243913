"""The notifications page (``/notifications/``) and its no-JavaScript "mark as read" form.

The page lists the signed-in person's notifications, newest first, unread ones emphasised,
each leading where it is about. Its script marks what it showed as read through the API
(``dreamVideoService.markAllNotificationsRead``); without script, a form does the same.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST, require_safe
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from common.pagination import KeysetPagination
from notifications import selectors, services

PAGE_SIZE = 30


class _PagePagination(KeysetPagination):
    page_size = PAGE_SIZE
    page_size_query_param = None


@require_safe
@login_required
def notification_page(request: HttpRequest) -> HttpResponse:
    """A page of the signed-in person's notifications; "Older" follows the cursor."""
    paginator = _PagePagination()
    try:
        rows = paginator.paginate_queryset(
            selectors.notification_list(recipient=request.user), Request(request)
        )
    except NotFound as exc:
        raise Http404("No such page of notifications.") from exc
    shown_until = max((row.created_at for row in rows), default=None)
    context = {
        "notifications": rows,
        "has_unread": any(row.read_at is None for row in rows),
        "shown_until": shown_until.isoformat() if shown_until else "",
        "older_url": paginator.get_next_link(),
        "newer_url": paginator.get_previous_link(),
    }
    return render(request, "notifications/list.html", context)


def _moment(text: str) -> datetime | None:
    """An ISO moment from the form; ``None`` (everything) when absent or unreadable."""
    try:
        moment = parse_datetime(text[:64]) if text else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment


@require_POST
@login_required
def notification_page_read(request: HttpRequest) -> HttpResponse:
    """The form's fallback: mark read what the page showed (``until``), else everything."""
    until = _moment(request.POST.get("until", ""))
    marked = services.notifications_mark_read(recipient=request.user, until=until)
    if marked:
        messages.success(request, "Marked as read.")
    return redirect("notifications")
