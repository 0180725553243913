"""The account page (``/account/``) and the password-reset pages (``/account/password-reset/…``).

Plain HTML forms posting to these views: they work without JavaScript and no password
passes through page script. Each form of the account page posts to its own URL; a
mistake shows the page again with that form's errors (400), a success redirects back
with a message. The rules are the services' (``dreams.services.account``), shared with
the API (``dreams.api.account``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe

from common.authentication import lockout_response
from common.clients import AddressQuota, TooManyRequests, minutes_text, too_many_response
from dreams import services
from dreams.account_forms import (
    AccountDeleteForm,
    EmailChangeForm,
    NewPasswordForm,
    NotificationEmailForm,
    PasswordChangeForm,
    QueuedPasswordResetForm,
    add_service_errors,
)
from notifications.selectors import notification_settings_get
from notifications.services import notification_settings_update

#: Password-reset requests per client address (``PASSWORD_RESET_RATE``).
RESET_REQUESTS = AddressQuota("password_reset", setting="PASSWORD_RESET_RATE")


def _account_page(request: HttpRequest, *, status: int = 200, **bound: forms.Form) -> HttpResponse:
    """The account page; ``bound`` holds the form that was just sent back with its errors."""
    user = request.user
    context: dict[str, Any] = {
        "email_form": EmailChangeForm(initial={"email": user.email}),
        "notification_form": NotificationEmailForm(
            initial={"email_enabled": notification_settings_get(user=user).email_enabled}
        ),
        "password_form": PasswordChangeForm(),
        "delete_form": AccountDeleteForm(),
        "token": services.account_token_summary(user=user),
        **bound,
    }
    return render(request, "account/account.html", context, status=status)


@require_safe
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Email, password, API token and deleting the account, for the signed-in user."""
    return _account_page(request)


@require_POST
@login_required
def account_email(request: HttpRequest) -> HttpResponse:
    form = EmailChangeForm(request.POST)
    if form.is_valid():
        try:
            user = services.account_email_change(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done = f"Your email is now {user.email}." if user.email else "Your email is removed."
            messages.success(request, done)
            return redirect("account")
    return _account_page(request, status=400, email_form=form)


@require_POST
@login_required
def account_notifications(request: HttpRequest) -> HttpResponse:
    """Turn notification emails on or off (``notifications.services``)."""
    form = NotificationEmailForm(request.POST)
    form.is_valid()  # a checkbox: absent is off, anything else on
    enabled = bool(form.cleaned_data.get("email_enabled"))
    notification_settings_update(user=request.user, email_enabled=enabled)
    if enabled:
        messages.success(request, "Notifications will be emailed to you too.")
    else:
        messages.success(
            request, "No more notification emails: they stay on the notifications page."
        )
    return redirect(reverse("account") + "#notifications")


@sensitive_post_parameters("current_password", "new_password")
@require_POST
@login_required
def account_password(request: HttpRequest) -> HttpResponse:
    """A new password: this browser stays signed in, every other session of the user ends."""
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        user = request.user
        try:
            services.account_password_check(
                request=request,
                user=user,
                password=form.cleaned_data["current_password"],
                field="current_password",
            )
            services.account_password_change(user=user, **form.cleaned_data)
        except TooManyRequests:
            return lockout_response(request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, "Password changed. Every other session of yours has ended.")
            return redirect("account")
    return _account_page(request, status=400, password_form=form)


@require_POST
@login_required
def account_token_revoke(request: HttpRequest) -> HttpResponse:
    if services.account_token_revoke(user=request.user):
        messages.success(request, "API token revoked: apps that used it are signed out.")
    else:
        messages.info(request, "You had no API token.")
    return redirect("account")


@sensitive_post_parameters("password")
@require_POST
@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    """Delete the account with everything in it, then sign this browser out."""
    form = AccountDeleteForm(request.POST)
    if form.is_valid():
        user, password = request.user, form.cleaned_data["password"]
        try:
            services.account_password_check(request=request, user=user, password=password)
            services.account_delete(user=user, password=password)
        except TooManyRequests:
            return lockout_response(request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            logout(request)
            messages.success(request, "Your account, dreams and videos are deleted. Sleep well.")
            return redirect("home")
    return _account_page(request, status=400, delete_form=form)


# --- Password reset by email ---------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link. The answer is the same whether or not the address is known.

    At most ``PASSWORD_RESET_RATE`` requests per client address (then a 429 page); the
    mails themselves are capped per recipient and sent in the background
    (``services.password_reset_email_queue``).
    """

    form_class = QueuedPasswordResetForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("password-reset-sent")

    def form_valid(self, form: QueuedPasswordResetForm) -> HttpResponse:
        if wait := RESET_REQUESTS.take(self.request):
            message = (
                "Too many password-reset requests from your address, "
                f"try again in {minutes_text(wait)}."
            )
            return too_many_response(
                self.request, title="Too many requests", message=message, wait_seconds=wait
            )
        return super().form_valid(form)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choose a new password from the mailed link; every session of the user ends."""

    form_class = NewPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
