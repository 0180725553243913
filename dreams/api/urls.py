from django.urls import path
from rest_framework.routers import SimpleRouter

from dreams.api.account import (
    AccountDeleteView,
    AccountPasswordView,
    AccountTokenView,
    AccountView,
)
from dreams.api.archive import (
    JournalExportDetailView,
    JournalExportDownloadView,
    JournalExportView,
    JournalImportView,
)
from dreams.api.calendar import DreamCalendarView
from dreams.api.insights import InsightsView
from dreams.api.reports import DreamReportView
from dreams.api.suggestions import DreamSuggestionsView
from dreams.api.views import (
    DreamViewSet,
    GenerateVideoView,
    RegisterView,
    StoreVideoView,
    TokenView,
)

router = SimpleRouter(trailing_slash=False)
router.register("dreams", DreamViewSet, basename="dream")

urlpatterns = [
    path("auth/register", RegisterView.as_view(), name="auth-register"),
    path("auth/token", TokenView.as_view(), name="auth-token"),
    path("account", AccountView.as_view(), name="api-account"),
    path("account/password", AccountPasswordView.as_view(), name="api-account-password"),
    path("account/token", AccountTokenView.as_view(), name="api-account-token"),
    path("account/delete", AccountDeleteView.as_view(), name="api-account-delete"),
    path("account/export", JournalExportView.as_view(), name="account-export-api"),
    # Any segment: a malformed id is the API's own JSON 404 (the selector finds nothing).
    path(
        "account/exports/<str:export_id>",
        JournalExportDetailView.as_view(),
        name="account-export-detail",
    ),
    path(
        "account/exports/<str:export_id>/download",
        JournalExportDownloadView.as_view(),
        name="account-export-download",
    ),
    path("account/import", JournalImportView.as_view(), name="account-import-api"),
    path("ai/generate-video", GenerateVideoView.as_view(), name="ai-generate-video"),
    path("ai/store-video", StoreVideoView.as_view(), name="ai-store-video"),
    # Before the router: its `dreams/{pk}` would take "calendar" for a dream's id.
    path("dreams/calendar", DreamCalendarView.as_view(), name="dream-calendar"),
    path("dreams/suggestions", DreamSuggestionsView.as_view(), name="dream-suggestions"),
    path("insights", InsightsView.as_view(), name="insights-api"),
    path("dreams/<str:dream_id>/report", DreamReportView.as_view(), name="dream-report"),
    *router.urls,
]
