from django.apps import AppConfig


class VideosConfig(AppConfig):
    name = "videos"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from videos.catalog import check_model_settings

        # A default model that is not enabled would fail every request: refuse to start.
        check_model_settings()
