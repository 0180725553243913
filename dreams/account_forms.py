"""Forms of the account page and of the password-reset request (``dreams.account_views``).

They only check the shape of what was typed; the rules (the password, Django's
password validators) are the services' (``dreams.services.account``), as in the API.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError

from dreams import services


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        required=False,
        max_length=254,
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="For a link if you forget your password, and your notifications unless you "
        "turn them off below. Leave empty to remove it.",
    )


class NotificationEmailForm(forms.Form):
    email_enabled = forms.BooleanField(
        required=False,
        label="Email me my notifications",
        help_text="Approvals and rejections of your public dreams, videos made or failed, "
        "exports ready. They are always on your notifications page too.",
    )


PHRASE_HELP = "At least 8 characters; a short phrase is easy to remember."


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        strip=False,
        max_length=128,
        label="Current password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        strip=False,
        max_length=128,
        label="New password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=PHRASE_HELP,
    )


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        strip=False,
        max_length=128,
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label="I understand: my dreams and their videos will be deleted for good.",
        error_messages={"required": "Tick this box to confirm."},
    )


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form's fields (others on the form)."""
    by_field = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, messages in by_field.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the mail sent by the task worker instead of the request.

    Django finds the accounts for the address (active, with a usable password) and calls
    ``send_mail`` for each; here that queues the mail (``password_reset_email_queue``), so
    the answer takes as long for a registered address as for an unknown one.
    """

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        services.password_reset_email_queue(
            user=context["user"],
            domain=context["domain"],
            use_https=context["protocol"] == "https",
        )


class NewPasswordForm(SetPasswordForm):
    """Django's form behind a reset link, with our short help instead of its HTML list
    (the validators still run, and say what they refused)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PHRASE_HELP
