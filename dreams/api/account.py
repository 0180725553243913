"""Account endpoints (``/api/account…``): what the account page does, for single-page apps.

Thin views over ``dreams.services.account``. Signed-in callers only (401 otherwise).
The endpoints that check a password are throttled like sign-in (the ``auth`` scope) and
go through django-axes: wrong passwords count toward the lockout, and a locked-out
caller gets 429 even with the right password.
"""

from __future__ import annotations

from django.contrib.auth import logout, update_session_auth_hash
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from common.api import OwnerMixin, validated
from dreams import services

# --- Serializers ----------------------------------------------------------------------------


class AccountTokenSerializer(serializers.Serializer):
    created = serializers.DateTimeField()
    prefix = serializers.CharField(help_text="The first characters of the key; never the key")


class AccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField(help_text='"" when none')
    date_joined = serializers.DateTimeField()
    token = AccountTokenSerializer(allow_null=True, help_text="The API token, or null for none")


class EmailChangeSerializer(serializers.Serializer):
    email = serializers.EmailField(allow_blank=True, max_length=254, help_text='"" removes it')


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False)


def _account_body(user) -> dict:
    token = services.account_token_summary(user=user)
    return AccountSerializer(
        {
            "id": user.pk,
            "username": user.get_username(),
            "email": user.email,
            "date_joined": user.date_joined,
            "token": token,
        }
    ).data


def _signed_in_by_session(request: Request) -> bool:
    return isinstance(request.successful_authenticator, SessionAuthentication)


# --- Views ----------------------------------------------------------------------------------


class AccountView(OwnerMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=AccountSerializer)
    def get(self, request: Request) -> Response:
        """The signed-in account, with what may be shown of its API token."""
        return Response(_account_body(request.user))

    @extend_schema(request=EmailChangeSerializer, responses=AccountSerializer)
    def patch(self, request: Request) -> Response:
        """Change the account's email (`""` removes it)."""
        data = validated(EmailChangeSerializer, request)
        user = services.account_email_change(user=request.user, email=data["email"])
        return Response(_account_body(user))


class PasswordThrottled(OwnerMixin, APIView):
    """A signed-in endpoint that checks a password: sign-in's throttle and lockout."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


class AccountPasswordView(PasswordThrottled):
    @extend_schema(request=PasswordChangeSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        """Change the password. Every session of the account ends, except the caller's own
        when it calls with one; the API token stays (revoke it on its own)."""
        data = validated(PasswordChangeSerializer, request)
        user = request.user
        services.account_password_check(
            request=request, user=user, password=data["current_password"], field="current_password"
        )
        services.account_password_change(user=user, **data)
        if _signed_in_by_session(request):
            update_session_auth_hash(request, user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountTokenView(OwnerMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request: Request) -> Response:
        """Revoke the API token (also when it is the one calling); 204 when there was none.
        ``POST /api/auth/token`` issues a new one."""
        services.account_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountDeleteView(PasswordThrottled):
    @extend_schema(request=AccountDeleteSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        """Delete the account, its dreams, jobs and token, and the videos no one else uses.
        Nothing signs in as it afterwards (sessions, token)."""
        data = validated(AccountDeleteSerializer, request)
        user = request.user
        services.account_password_check(request=request, user=user, password=data["password"])
        services.account_delete(user=user, password=data["password"])
        if _signed_in_by_session(request):
            logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)
