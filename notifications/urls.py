"""Pages: ``/notifications/`` (included by ``dreamjourney.urls``)."""

from django.urls import path

from notifications import views

urlpatterns = [
    path("notifications/", views.notification_page, name="notifications"),
    path("notifications/read/", views.notification_page_read, name="notifications-read"),
]
