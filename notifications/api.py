"""Notification endpoints (``/api/notifications…``): the caller's list, reading, email choice.

Thin views over ``notifications.selectors`` and ``notifications.services``. Signed-in
callers only (401 otherwise, as the account endpoints answer); someone else's
notification, or a malformed id, is a 404.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import CURSOR_PARAMETERS, OwnerMixin, absolute_url, validated
from common.pagination import KeysetPagination
from notifications import selectors, services
from notifications.models import Notification

# --- Serializers -----------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    link = serializers.SerializerMethodField(help_text="Where it leads (absolute), or null")

    class Meta:
        model = Notification
        fields = ("id", "kind", "title", "body", "link", "created_at", "read_at")
        read_only_fields = fields

    def get_link(self, notification: Notification) -> str | None:
        if not notification.link:
            return None
        return absolute_url(self.context.get("request"), notification.link)


class NotificationPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = NotificationSerializer(many=True)
    unread_count = serializers.IntegerField(help_text="All of the caller's unread ones")


class MarkReadSerializer(serializers.Serializer):
    until = serializers.DateTimeField(
        required=False,
        help_text="Only those created at or before this moment (what a page showed); "
        "default: every unread one",
    )


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many were unread and are read now")
    unread_count = serializers.IntegerField()


class NotificationSettingsSerializer(serializers.Serializer):
    email_enabled = serializers.BooleanField(
        help_text="Also send each notification by email (default true)"
    )
    email = serializers.CharField(
        read_only=True, help_text='The address they go to; "" when the account has none'
    )


# --- Pagination ------------------------------------------------------------------------------


class NotificationPagination(KeysetPagination):
    """Keyset pages, newest first, with the caller's unread count beside them."""

    def paginate_queryset(self, queryset, request, view=None) -> list:
        self.unread_count = selectors.notification_unread_count(recipient=request.user)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data) -> Response:
        response = super().get_paginated_response(data)
        response.data["unread_count"] = self.unread_count
        return response


# --- Views -----------------------------------------------------------------------------------


class SignedIn(OwnerMixin, APIView):
    permission_classes = [IsAuthenticated]


class NotificationListView(SignedIn):
    pagination_class = NotificationPagination

    @extend_schema(parameters=CURSOR_PARAMETERS, responses=NotificationPageSerializer)
    def get(self, request: Request) -> Response:
        """The caller's notifications, newest first, cursor-paginated, with `unread_count`."""
        paginator = self.pagination_class()
        rows = paginator.paginate_queryset(
            selectors.notification_list(recipient=request.user), request, view=self
        )
        data = NotificationSerializer(rows, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)


class NotificationReadView(SignedIn):
    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request: Request, notification_id: str) -> Response:
        """Mark one of the caller's notifications read (again is harmless)."""
        notification = services.notification_mark_read(
            recipient=request.user, notification_id=notification_id
        )
        if notification is None:
            raise NotFound("No such notification.")
        return Response(NotificationSerializer(notification, context={"request": request}).data)


class NotificationReadAllView(SignedIn):
    @extend_schema(request=MarkReadSerializer, responses=MarkedReadSerializer)
    def post(self, request: Request) -> Response:
        """Mark every unread notification of the caller read (or those up to `until`)."""
        data = validated(MarkReadSerializer, request)
        marked = services.notifications_mark_read(recipient=request.user, until=data.get("until"))
        unread = selectors.notification_unread_count(recipient=request.user)
        return Response(MarkedReadSerializer({"marked": marked, "unread_count": unread}).data)


class NotificationSettingsView(SignedIn):
    def _body(self, request: Request, email_enabled: bool) -> dict:
        return NotificationSettingsSerializer(
            {"email_enabled": email_enabled, "email": request.user.email}
        ).data

    @extend_schema(responses=NotificationSettingsSerializer)
    def get(self, request: Request) -> Response:
        """Whether the caller's notifications are also emailed, and to which address."""
        found = selectors.notification_settings_get(user=request.user)
        return Response(self._body(request, found.email_enabled))

    @extend_schema(request=NotificationSettingsSerializer, responses=NotificationSettingsSerializer)
    def patch(self, request: Request) -> Response:
        """Turn notification emails on or off."""
        data = validated(NotificationSettingsSerializer, request)
        found = services.notification_settings_update(
            user=request.user, email_enabled=data["email_enabled"]
        )
        return Response(self._body(request, found.email_enabled))
