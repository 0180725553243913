from django.urls import path
from rest_framework.routers import SimpleRouter

from dreams.api.views import DreamViewSet, RegisterView, TokenView

router = SimpleRouter(trailing_slash=False)
router.register("dreams", DreamViewSet, basename="dream")

urlpatterns = [
    path("auth/register", RegisterView.as_view(), name="auth-register"),
    path("auth/token", TokenView.as_view(), name="auth-token"),
    *router.urls,
]
