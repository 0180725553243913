"""An account its owner controls: email, password, API token, password reset, deletion.

Sign-up is ``dreams.accounts``. Sessions are signed cookies (``common.sessions``), so a
session cannot be found and deleted on the server; what ends them is Django's check of
each session against an HMAC of the password: after a password change every other
session of the user fails it and is flushed (its id revoked). The view that changed the
password keeps its own session with ``update_session_auth_hash``.

Passwords are checked the way sign-in checks them (``account_password_check``: through
django-axes), so these doors cannot be used to guess a password either.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token

from common.authentication import forget_failures, raise_if_locked_out
from common.clients import counted_within
from common.tasks import enqueue
from dreams.models import Dream, JournalExport
from videos.assets import video_assets_delete_unreferenced
from videos.jobs.control import video_job_cancel
from videos.models import ACTIVE_JOB_STATUSES, VideoJob

WRONG_PASSWORD = "That is not your password."  # noqa: S105 - a message, not a secret
#: How much of a token key is ever shown again (the rest stays secret).
TOKEN_PREFIX_CHARS = 6
RESET_SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
RESET_EMAIL_TEMPLATE = "registration/password_reset_email.txt"
SITE_NAME = "DreamJourney"


# --- Checks -------------------------------------------------------------------------------


def account_password_check(
    *, request: HttpRequest, user: AbstractBaseUser, password: str, field: str = "password"
) -> None:
    """Make sure ``password`` is ``user``'s, asked as sign-in asks (django-axes).

    A wrong password counts as a failed sign-in from the caller's address and on the
    username. Raises ``ValidationError`` (``{field: [WRONG_PASSWORD]}``) for a wrong
    password, ``TooManyRequests`` (429) while the address or the username is locked
    out — even for the right password.
    """
    confirmed = authenticate(request, username=user.get_username(), password=password)
    if confirmed is None:
        raise_if_locked_out(request)
    if confirmed is None or confirmed.pk != user.pk:
        raise ValidationError({field: [WRONG_PASSWORD]})
    forget_failures(request, confirmed)


def _require_password(user: AbstractBaseUser, password: str, *, field: str) -> None:
    if not user.check_password(password):
        raise ValidationError({field: [WRONG_PASSWORD]})


# --- Email and password -------------------------------------------------------------------


@transaction.atomic
def account_email_change(*, user: AbstractBaseUser, email: str) -> AbstractBaseUser:
    """Set the account's email ("" removes it). Reset links sent to the old one stop working
    (a reset token covers the email). Raises ``ValidationError`` for an invalid address."""
    email = get_user_model().objects.normalize_email(email.strip())
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError({"email": exc.messages}) from exc
    if email != user.email:
        user.email = email
        user.save(update_fields=["email"])
    return user


@transaction.atomic
def account_password_change(
    *, user: AbstractBaseUser, current_password: str, new_password: str
) -> AbstractBaseUser:
    """Replace the password; every session of the user ends (see the module's docstring).

    Raises ``ValidationError`` on ``current_password`` when it is wrong, on
    ``new_password`` when Django's password validators refuse it.
    """
    _require_password(user, current_password, field="current_password")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user


# --- The API token --------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenSummary:
    """What may be shown of an API token: when it was made and how its key begins."""

    created: datetime
    prefix: str


def account_token_summary(*, user: AbstractBaseUser) -> TokenSummary | None:
    token = Token.objects.filter(user=user).only("key", "created").first()
    if token is None:
        return None
    return TokenSummary(created=token.created, prefix=token.key[:TOKEN_PREFIX_CHARS])


@transaction.atomic
def account_token_revoke(*, user: AbstractBaseUser) -> bool:
    """Delete the account's API token (the next ``POST /api/auth/token`` issues a new one).

    Returns whether there was one. Works at once in this process and, through the
    ``post_delete`` signal, clears the token from the outage memory.
    """
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)


# --- Deleting the account -------------------------------------------------------------------


@transaction.atomic
def account_delete(*, user: AbstractBaseUser, password: str) -> None:
    """Delete the account and everything that is only theirs, for good.

    With the right ``password`` (else ``ValidationError`` on ``password``): their video
    jobs in flight are cancelled (at the provider too), then their dreams, jobs, API
    token and the account itself are deleted, and so is every stored video and thumbnail
    they used that no one else's dream, demo dream or job still uses, and their journal
    exports (rows, and files once this commits). Their sessions stop signing anyone in,
    since the user they name is gone.
    """
    _require_password(user, password, field="password")
    jobs = VideoJob.objects.filter(Q(user=user) | Q(dream__owner=user))
    for job in jobs.filter(status__in=ACTIVE_JOB_STATUSES):
        video_job_cancel(job=job)
    dreams = Dream.objects.filter(owner=user)
    asset_ids = {
        *dreams.exclude(video_asset=None).values_list("video_asset_id", flat=True),
        *jobs.exclude(asset=None).values_list("asset_id", flat=True),
    }
    exports = [e.file.name for e in JournalExport.objects.filter(user=user) if e.file.name]
    export_storage = JournalExport._meta.get_field("file").storage
    dreams.delete()  # their jobs go with them (cascade)
    user.delete()  # the remaining jobs, the token and the exports' rows too
    for name in exports:  # their journal, packed: gone now, not at the next sweep
        transaction.on_commit(partial(export_storage.delete, name), robust=True)
    video_assets_delete_unreferenced(asset_ids=asset_ids)


# --- Password reset by email ----------------------------------------------------------------


def _recipient_has_mails_left(email: str) -> bool:
    """At most ``PASSWORD_RESET_EMAIL_RATE`` reset mails per recipient, whoever asks.

    The per-address limit (the page's 429) stops one client; this stops many clients
    together from burying one inbox.
    """
    key = "quota:reset-mail:" + hashlib.sha256(email.lower().encode()).hexdigest()
    return counted_within(key, settings.PASSWORD_RESET_EMAIL_RATE)


def password_reset_email_queue(*, user: AbstractBaseUser, domain: str, use_https: bool) -> bool:
    """Have the task worker mail ``user`` a reset link, once this transaction commits.

    Sent in the background so that a request for a registered address takes no longer
    than one for an unknown address (the page must not tell them apart). Returns
    ``False``, sending nothing, when the recipient had their share of reset mails.
    """
    from dreams.account_tasks import password_reset_email_task  # it imports this module

    if not _recipient_has_mails_left(user.email):
        return False
    user_id = user.pk
    transaction.on_commit(lambda: enqueue(password_reset_email_task, user_id, domain, use_https))
    return True


def password_reset_email_send(*, user: AbstractBaseUser, domain: str, use_https: bool) -> None:
    """Mail ``user`` a link to choose a new password (``/account/password-reset/…``).

    The link works once, until the password or email changes or
    ``PASSWORD_RESET_TIMEOUT`` passes. A mail server that fails is logged (by Django's
    ``PasswordResetForm.send_mail``), never retried: a retry could send the mail twice.
    """
    if not user.email:
        return
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": SITE_NAME,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
    }
    PasswordResetForm().send_mail(
        RESET_SUBJECT_TEMPLATE,
        RESET_EMAIL_TEMPLATE,
        context,
        None,  # DEFAULT_FROM_EMAIL
        user.email,
    )
