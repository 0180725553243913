from django.contrib import admin

from dreams.models import DemoDream, Dream


@admin.register(Dream)
class DreamAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "owner",
        "video_status",
        "is_public",
        "moderation_status",
        "created_at",
    ]
    list_filter = ["moderation_status", "is_public", "video_status", "created_at"]
    search_fields = ["title", "content", "owner__username"]
    list_select_related = ["owner"]
    readonly_fields = ["id", "video_asset", "created_at", "updated_at"]


@admin.register(DemoDream)
class DemoDreamAdmin(admin.ModelAdmin):
    list_display = ["title", "session_key", "video_status", "is_public", "created_at"]
    list_filter = ["moderation_status", "is_public", "video_status", "created_at"]
    search_fields = ["title", "content"]
    readonly_fields = ["id", "video_asset", "created_at", "updated_at"]
