from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dreamjourney import health
from dreams import views as dream_views
from videos import serving

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("dreams.api.urls")),
    path("api/", include("videos.api.urls")),
    path("api/", include("notifications.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's script as a file: no inline script for the CSP. It
    # is a page to read: its OPTIONS (DRF's metadata, rendered with no template) was a 500.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", http_method_names=["get", "head"]),
        name="swagger-ui",
    ),
    path("media/dreams/<uuid:dream_id>/video.mp4", dream_views.dream_video, name="dream-video"),
    path(
        "media/dreams/<uuid:dream_id>/thumbnail.jpg",
        dream_views.dream_thumbnail,
        name="dream-thumbnail",
    ),
    path(
        "media/dreams/<uuid:dream_id>/preview.mp4",
        dream_views.dream_preview,
        name="dream-preview",
    ),
    path("media/jobs/<uuid:job_id>/video.mp4", serving.job_video, name="job-video"),
    path("media/jobs/<uuid:job_id>/thumbnail.jpg", serving.job_thumbnail, name="job-thumbnail"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", include("notifications.urls")),
    path("", include("dreams.urls")),
]

handler404 = "dreamjourney.errors.not_found"
