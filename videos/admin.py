from django.contrib import admin

from videos.models import VideoAsset, VideoJob


@admin.register(VideoJob)
class VideoJobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "provider", "duration", "error_code", "created_at"]
    list_filter = ["status", "provider", "kind", "created_at"]
    search_fields = ["id", "provider_task_id", "prompt"]
    readonly_fields = [f.name for f in VideoJob._meta.fields]


@admin.register(VideoAsset)
class VideoAssetAdmin(admin.ModelAdmin):
    list_display = ["sha256", "source_kind", "bytes", "duration", "width", "height", "created_at"]
    list_filter = ["source_kind"]
    search_fields = ["sha256", "source_url"]
    readonly_fields = [f.name for f in VideoAsset._meta.fields]
