"""Who the caller is: token and session authentication that survive a database outage,
and the sign-in lockout (django-axes) that stops password guessing.

**Outages.** The database is always asked first. A successful lookup is remembered in
the cache for a few minutes (``AUTH_OUTAGE_REMEMBER_SECONDS``, default 600): only what
authentication needs — user id, username, ``is_active``/``is_staff``/``is_superuser``
and the session hash Django compares with the session (an HMAC, never the password
hash). When the database cannot answer, an unsaved user is rebuilt from those facts,
so signed-in people can still write dreams (to the emergency journal); unknown callers
get a 503. Deleting a token, or saving or deleting a user (deactivation, a new
password), forgets them at once in this cache; a change the signals cannot see (a
bulk ``update()``, another process with a per-process cache) lasts at most the window.
A process rewrites unchanged facts at most once a tenth of the window, not on every
request; so an entry another process forgot may stay absent that long (the caller
would then get a 503 in an outage, never someone else's access).

**Lockouts.** ``AXES_*`` settings point here: failures are counted per client address
(``common.clients.client_address``) and per username in django-axes' database tables,
so every process sees them. A success forgets only that username's failures from that
address, so logging in to one's own account never wipes an attacker's count.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_credentials
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from common.clients import TooManyRequests, minutes_text, too_many_response
from common.owners import Owner
from common.prepared import PreparedRows

logger = logging.getLogger(__name__)

#: The backend that checks passwords and loads users (the other one only refuses lockouts).
MODEL_BACKEND = "common.authentication.ResilientModelBackend"


# --- Remembering callers for an outage ----------------------------------------------------


def _remember_seconds() -> int:
    return int(getattr(settings, "AUTH_OUTAGE_REMEMBER_SECONDS", 600))


def _token_cache_key(key: str) -> str:
    # Never the token itself: cache keys can end up in logs and monitoring.
    return "auth:token:" + hashlib.sha256(key.encode()).hexdigest()


def _user_cache_key(user_id: Any) -> str:
    return f"auth:user:{user_id}"


def _user_facts(user) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.get_username(),
        "is_active": bool(user.is_active),
        "is_staff": bool(getattr(user, "is_staff", False)),
        "is_superuser": bool(getattr(user, "is_superuser", False)),
        "session_hash": user.get_session_auth_hash(),
    }


def _rebuilt_user(facts: dict[str, Any]):
    """An unsaved user standing in for the real one while the database is unreachable."""
    model = get_user_model()
    user = model(**{model._meta.pk.attname: facts["id"]})
    setattr(user, model.USERNAME_FIELD, facts["username"])
    for field in ("is_active", "is_staff", "is_superuser"):
        if hasattr(user, field):
            setattr(user, field, facts[field])
    user._state.adding = False
    session_hash = facts["session_hash"]
    # Django verifies a session against the password's HMAC; we kept the HMAC only.
    user.get_session_auth_hash = lambda: session_hash
    user.get_session_auth_fallback_hash = lambda: iter(())
    return user


def _remembered_user(user_id: Any):
    if user_id is None:
        return None
    facts = cache.get(_user_cache_key(user_id))
    if not isinstance(facts, dict) or not facts.get("is_active"):
        return None
    return _rebuilt_user(facts)


#: What this process last wrote to the cache for a caller, and when (``time.monotonic``).
_written: dict[str, tuple[Any, float]] = {}
_WRITTEN_MAX = 10_000


def _remember(entries: dict[str, Any]) -> None:
    """Keep ``entries`` in the cache for the outage window, without writing the same
    facts on every request: a process rewrites an unchanged entry once a tenth of the
    window has passed (the cache round trip would cost more than the lookup it saves)."""
    now, window = time.monotonic(), _remember_seconds()
    stale = {
        key: value
        for key, value in entries.items()
        if (seen := _written.get(key)) is None or seen[0] != value or now - seen[1] > window / 10
    }
    if not stale:
        return
    cache.set_many(stale, window)
    if len(_written) > _WRITTEN_MAX:
        _written.clear()
    _written.update((key, (value, now)) for key, value in stale.items())


def _forget(key: str) -> None:
    _written.pop(key, None)
    cache.delete(key)


def forget_user(user_id: Any) -> None:
    _forget(_user_cache_key(user_id))


def _user_columns() -> list[str]:
    return [field.attname for field in get_user_model()._meta.concrete_fields]


# Every token-authenticated request reads its token, every signed-in page its user:
# compiled once per connection (Django's compiling cost more than the queries).
_TOKEN_ROWS = PreparedRows(
    "auth.token_with_user",
    lambda key: Token.objects.filter(key=key).values_list(
        "created", *(f"user__{name}" for name in _user_columns())
    ),
    sentinel="prepared-sentinel-token",
)
_USER_ROWS = PreparedRows(
    "auth.user",
    lambda user_id: get_user_model().objects.filter(pk=user_id).values_list(*_user_columns()),
    sentinel=-987_654_321,
)


def _user_from(values: list[Any]):
    return get_user_model().from_db(DEFAULT_DB_ALIAS, _user_columns(), values)


def token_with_user(key: str) -> Token | None:
    """The token ``key`` with its user loaded (any user, active or not), or ``None``: what
    ``Token.objects.select_related("user").get(key=key)`` gives, in one prepared statement."""
    found = _TOKEN_ROWS.rows(key)
    if not found:
        return None
    created, *user_values = found[0]
    user = _user_from(user_values)
    token = Token.from_db(DEFAULT_DB_ALIAS, ["key", "user_id", "created"], [key, user.pk, created])
    token.user = user
    return token


class ResilientTokenAuthentication(TokenAuthentication):
    def _stored_credentials(self, key: str):
        """DRF's ``authenticate_credentials``, reading the token with one prepared statement."""
        token = token_with_user(key)
        if token is None:
            raise AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token

    def authenticate_credentials(self, key: str):
        cache_key = _token_cache_key(key)
        try:
            user, token = self._stored_credentials(key)
        except AuthenticationFailed:
            _forget(cache_key)  # deleted token, or user deactivated
            raise
        except DatabaseError:
            user = _remembered_user(cache.get(cache_key))
            if user is None:
                raise
            return user, None
        _remember({cache_key: user.pk, _user_cache_key(user.pk): _user_facts(user)})
        return user, token


class ResilientModelBackend(ModelBackend):
    def _stored_user(self, user_id):
        """``ModelBackend.get_user``: the user, if there is one who may sign in, else ``None``."""
        model = get_user_model()
        try:
            user_id = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        found = _USER_ROWS.rows(user_id)
        user = _user_from(found[0]) if found else None
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_user(self, user_id):
        try:
            user = self._stored_user(user_id)
        except DatabaseError:
            user = _remembered_user(user_id)
            if user is None:
                raise
            return user
        if user is None:  # gone, or no longer active
            forget_user(user_id)
        else:
            _remember({_user_cache_key(user.pk): _user_facts(user)})
        return user


def _forget_saved_user(sender, instance, **kwargs) -> None:
    forget_user(instance.pk)


def _forget_deleted_token(sender, instance, **kwargs) -> None:
    _forget(_token_cache_key(instance.key))


post_save.connect(
    _forget_saved_user, sender=settings.AUTH_USER_MODEL, dispatch_uid="common.auth.forget_saved"
)
post_delete.connect(
    _forget_saved_user, sender=settings.AUTH_USER_MODEL, dispatch_uid="common.auth.forget_deleted"
)
post_delete.connect(
    _forget_deleted_token, sender="authtoken.Token", dispatch_uid="common.auth.forget_token"
)


def request_owner(request: HttpRequest) -> Owner | None:
    """The caller of a plain Django view as the API sees them.

    ``<video>`` elements send cookies, single-page apps may send a token; a bad token
    is nobody (so private objects answer 404, as in the API).
    """
    try:
        authenticated = ResilientTokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    if authenticated is not None:
        return Owner(user=authenticated[0])
    return Owner.from_request(request)


# --- Sign-in lockouts (django-axes) -------------------------------------------------------


def lockout_seconds(request: HttpRequest | None = None) -> float:
    """How long a lockout lasts (each refused attempt starts it again)."""
    cool_off = get_cool_off(request) or timedelta(minutes=15)
    return cool_off.total_seconds()


def lockout_message(seconds: float) -> str:
    return f"Too many failed attempts, try again in {minutes_text(seconds)}."


def lockout_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username an attempt counts against (``AXES_USERNAME_CALLABLE``).

    As django-axes reads it, made safe to store: no NUL (PostgreSQL refuses it in text)
    and no longer than any username can be, so a 10 KB "username" is not a 500.
    """
    field = str(settings.AXES_USERNAME_FORM_FIELD)
    if credentials:
        value = credentials.get(field)
    else:
        data = getattr(request, "data", None)
        value = (data if hasattr(data, "get") else request.POST).get(field)
    if not isinstance(value, str):
        return None
    return value.replace("\x00", "")[:150] or None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """What a locked-out sign-in gets (``AXES_LOCKOUT_CALLABLE``): 429, page or JSON."""
    seconds = lockout_seconds(request)
    return too_many_response(
        request,
        title="Too many failed attempts",
        message=lockout_message(seconds),
        wait_seconds=seconds,
    )


def raise_if_locked_out(request) -> None:
    """After ``authenticate(request, …)`` returned nobody: a 429 if that was a lockout.

    For API views, whose DRF request carries django-axes' verdict (the middleware only
    sees the Django request under it).
    """
    if getattr(request, "axes_locked_out", False):
        seconds = lockout_seconds(request)
        raise TooManyRequests(lockout_message(seconds), wait_seconds=seconds)


def forget_failures(request, user) -> None:
    """A sign-in that makes no session (a token) forgets the user's typos, as login() does."""
    if settings.AXES_ENABLED and settings.AXES_RESET_ON_SUCCESS:
        AxesProxyHandler.update_request(request)
        credentials = get_credentials(user.get_username())
        AxesProxyHandler.get_implementation().reset_user_attempts(request, credentials)


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' gate, first in ``AUTHENTICATION_BACKENDS``: refuses locked-out clients.

    Every sign-in from the web passes its request (our login page, the admin's, the
    token endpoint). A call without one (a test client's ``login()``, a management
    command) is no client to count or lock: axes would raise, this lets it through to
    the password check.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler (shared by every process), with two changes.

    A successful sign-in forgets only the failures of that username from that address:
    axes would forget every failure from the address and every failure on the username,
    so an attacker could wipe their count by logging in to an account of their own.
    Logging out never needs the database (sessions work through an outage).
    """

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count

    def user_logged_out(self, sender, request, user, **kwargs) -> None:
        try:
            super().user_logged_out(sender, request, user, **kwargs)
        except DatabaseError:
            logger.warning("Logged out while the database is unreachable; axes skipped.")
