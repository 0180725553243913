from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Messages to an account (in the app, and by email): generic rows, no domain knowledge."""

    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"
