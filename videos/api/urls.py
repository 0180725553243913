from django.urls import path

from videos.api.catalog import ModelCatalogView
from videos.api.views import JobCancelView, JobDetailView, VideoStatsView

urlpatterns = [
    path("ai/models", ModelCatalogView.as_view(), name="ai-models"),
    path("videos/jobs/<str:job_id>", JobDetailView.as_view(), name="job-detail"),
    path("videos/jobs/<str:job_id>/cancel", JobCancelView.as_view(), name="job-cancel"),
    path("videos/stats", VideoStatsView.as_view(), name="video-stats"),
]
