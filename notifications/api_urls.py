"""``/api/notifications…`` (included under ``api/`` by ``dreamjourney.urls``)."""

from django.urls import path

from notifications.api import (
    NotificationListView,
    NotificationReadAllView,
    NotificationReadView,
    NotificationSettingsView,
)

urlpatterns = [
    path("notifications", NotificationListView.as_view(), name="notifications-api"),
    path(
        "notifications/settings",
        NotificationSettingsView.as_view(),
        name="notifications-settings-api",
    ),
    path(
        "notifications/read-all",
        NotificationReadAllView.as_view(),
        name="notifications-read-all-api",
    ),
    # Any segment: a malformed id is the API's own JSON 404 (the selector finds nothing).
    path(
        "notifications/<str:notification_id>/read",
        NotificationReadView.as_view(),
        name="notification-read-api",
    ),
]
