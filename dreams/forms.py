"""Forms of the server-rendered pages (the dream editor talks to the API instead)."""

from __future__ import annotations

from django import forms

from dreams.api.serializers import RegisterSerializer


class SignupForm(forms.Form):
    """Sign-up fields; the rules are the API's (``RegisterSerializer``), so both agree."""

    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
        help_text="Letters, digits and @ . + - _ only.",
    )
    email = forms.CharField(
        required=False,
        max_length=254,
        label="Email (optional)",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="Only to help you get back in if you forget your password.",
    )
    password = forms.CharField(
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; a short phrase is easy to remember.",
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        serializer = RegisterSerializer(data=cleaned)
        if serializer.is_valid():
            return dict(serializer.validated_data)
        for field, errors in serializer.errors.items():
            target = field if field in self.fields else None
            for error in errors if isinstance(errors, list) else [errors]:
                self.add_error(target, str(error))
        return cleaned
