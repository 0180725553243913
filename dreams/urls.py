from django.contrib.auth import views as auth_views
from django.urls import path

from dreams import views

urlpatterns = [
    path("", views.home, name="home"),
    path("journal/", views.journal, name="journal"),
    path("gallery/", views.gallery, name="gallery"),
    path("dreams/new/", views.dream_new, name="dream-new"),
    path("dreams/<uuid:dream_id>/", views.dream_detail, name="dream-page"),
    path("dreams/<uuid:dream_id>/edit/", views.dream_edit, name="dream-edit"),
    path("signup/", views.SignupView.as_view(), name="signup"),
    path("login/", views.DreamLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
