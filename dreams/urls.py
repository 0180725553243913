from django.contrib.auth import views as auth_views
from django.urls import path

from dreams import (
    account_views,
    archive_views,
    calendar_views,
    favicon,
    feeds,
    insights_views,
    views,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("journal/", views.journal, name="journal"),
    path("journal/calendar/", calendar_views.journal_calendar, name="journal-calendar"),
    path("gallery/", views.gallery, name="gallery"),
    path("gallery/feed.atom", feeds.gallery_feed, name="gallery-feed"),
    path("favicon.ico", favicon.favicon, name="favicon"),
    path("insights/", insights_views.insights, name="insights"),
    path("dreams/new/", views.dream_new, name="dream-new"),
    path("dreams/<uuid:dream_id>/", views.dream_detail, name="dream-page"),
    path("dreams/<uuid:dream_id>/edit/", views.dream_edit, name="dream-edit"),
    path("signup/", views.SignupView.as_view(), name="signup"),
    path("login/", views.DreamLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", account_views.account, name="account"),
    path("account/email/", account_views.account_email, name="account-email"),
    path("account/password/", account_views.account_password, name="account-password"),
    path(
        "account/notifications/",
        account_views.account_notifications,
        name="account-notifications",
    ),
    path("account/token/revoke/", account_views.account_token_revoke, name="account-token-revoke"),
    path("account/delete/", account_views.account_delete, name="account-delete"),
    path("account/export/", archive_views.account_export, name="account-export"),
    path("account/import/", archive_views.account_import, name="account-import"),
    path(
        "account/password-reset/",
        account_views.PasswordResetView.as_view(),
        name="password-reset",
    ),
    path(
        "account/password-reset/sent/",
        account_views.PasswordResetSentView.as_view(),
        name="password-reset-sent",
    ),
    path(
        "account/password-reset/done/",
        account_views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path(
        "account/password-reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
]
