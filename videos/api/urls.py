from django.urls import path

from videos.api.views import (
    GenerateVideoView,
    JobCancelView,
    JobDetailView,
    StoreVideoView,
    VideoStatsView,
)

urlpatterns = [
    path("ai/generate-video", GenerateVideoView.as_view(), name="ai-generate-video"),
    path("ai/store-video", StoreVideoView.as_view(), name="ai-store-video"),
    path("videos/jobs/<str:job_id>", JobDetailView.as_view(), name="job-detail"),
    path("videos/jobs/<str:job_id>/cancel", JobCancelView.as_view(), name="job-cancel"),
    path("videos/stats", VideoStatsView.as_view(), name="video-stats"),
]
