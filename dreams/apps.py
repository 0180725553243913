from django.apps import AppConfig


class DreamsConfig(AppConfig):
    name = "dreams"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        import common.authentication  # noqa: F401 - connects its cache-forgetting signal hooks
        from dreams.archive.export import journal_exports_sweep
        from dreams.models import Dream
        from dreams.receivers import (
            dream_job_media_path,
            gallery_follows_dream_writes,
            mirror_job_on_dream,
            refresh_dreams_showing,
        )
        from videos.api.serializers import register_job_media_path
        from videos.housekeeping import register_sweep
        from videos.signals import video_asset_changed, video_job_changed

        video_job_changed.connect(mirror_job_on_dream, dispatch_uid="dreams.mirror_job_on_dream")
        video_asset_changed.connect(refresh_dreams_showing, dispatch_uid="dreams.refresh_showing")
        # Every save() and delete() of a dream (cascades, the admin); bulk writes call
        # dreams.caching.gallery_changed themselves.
        post_save.connect(gallery_follows_dream_writes, sender=Dream, dispatch_uid="dreams.gallery")
        post_delete.connect(
            gallery_follows_dream_writes, sender=Dream, dispatch_uid="dreams.gallery"
        )
        register_job_media_path(dream_job_media_path)
        register_sweep("expired journal export(s)", journal_exports_sweep)
