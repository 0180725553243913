from django.urls import path
from rest_framework.routers import SimpleRouter

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
    path("ai/generate-video", GenerateVideoView.as_view(), name="ai-generate-video"),
    path("ai/store-video", StoreVideoView.as_view(), name="ai-store-video"),
    *router.urls,
]
