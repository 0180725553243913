"""Account services: sign up, and what happens to a visitor's demo dreams when they do."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from rest_framework.authtoken.models import Token

from common.owners import demo_key
from dreams.services import demo_dreams_claim


@transaction.atomic
def account_register(
    *, request: HttpRequest | None, username: str, password: str, email: str = ""
) -> tuple[AbstractBaseUser, Token]:
    """Create an account and its API token; the caller's demo dreams become theirs."""
    user = get_user_model().objects.create_user(username=username, password=password, email=email)
    token = Token.objects.create(user=user)
    if request is not None and (key := demo_key(request)):
        demo_dreams_claim(session_key=key, user=user)
    return user, token
