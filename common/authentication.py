"""Authentication that keeps recognising known callers while the database is unreachable.

A successful lookup is remembered in the cache for a while; when the database
cannot answer, the remembered user stands in, so signed-in people can still
write dreams (to the emergency journal). Unknown callers get a 503.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from common.owners import Owner

_REMEMBER_SECONDS = 6 * 60 * 60


def _token_cache_key(key: str) -> str:
    # Never the token itself: cache keys can end up in logs and monitoring.
    return "auth:token:" + hashlib.sha256(key.encode()).hexdigest()


class ResilientTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str):
        try:
            user, token = super().authenticate_credentials(key)
        except DatabaseError:
            user = cache.get(_token_cache_key(key))
            if user is None:
                raise
            return user, None
        cache.set(_token_cache_key(key), user, _REMEMBER_SECONDS)
        return user, token


class ResilientModelBackend(ModelBackend):
    def get_user(self, user_id):
        cache_key = f"auth:user:{user_id}"
        try:
            user = super().get_user(user_id)
        except DatabaseError:
            user = cache.get(cache_key)
            if user is None:
                raise
            return user
        if user is not None:
            cache.set(cache_key, user, _REMEMBER_SECONDS)
        return user


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
