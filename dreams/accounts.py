"""Account services: sign up, and what happens to a visitor's demo dreams when they do."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from rest_framework.authtoken.models import Token

from common.clients import AddressQuota, TooManyRequests, minutes_text
from common.owners import demo_key
from dreams.services import demo_dreams_claim

#: New accounts per client address (``SIGNUP_RATE``), whether made on the page or the API.
SIGNUPS = AddressQuota("signup", setting="SIGNUP_RATE")


def signup_refusal(wait_seconds: float) -> TooManyRequests:
    message = f"Too many new accounts from your address, try again in {minutes_text(wait_seconds)}."
    return TooManyRequests(message, wait_seconds=wait_seconds)


def account_register(
    *, request: HttpRequest | None, username: str, password: str, email: str = ""
) -> tuple[AbstractBaseUser, Token]:
    """Create an account and its API token; the caller's demo dreams become theirs.

    With a request, the caller's address must have sign-ups left (``SIGNUP_RATE``),
    else ``TooManyRequests`` (a 429); only accounts actually made count.
    """
    if request is not None and (wait := SIGNUPS.take(request)):
        raise signup_refusal(wait)
    try:
        return _account_create(request=request, username=username, password=password, email=email)
    except BaseException:
        if request is not None:
            SIGNUPS.give_back(request)
        raise


@transaction.atomic
def _account_create(
    *, request: HttpRequest | None, username: str, password: str, email: str
) -> tuple[AbstractBaseUser, Token]:
    user = get_user_model().objects.create_user(username=username, password=password, email=email)
    token = Token.objects.create(user=user)
    if request is not None and (key := demo_key(request)):
        demo_dreams_claim(session_key=key, user=user)
    return user, token
