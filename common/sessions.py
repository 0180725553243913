"""Signed-cookie sessions that can be ended on the server (``SESSION_ENGINE = "common.sessions"``).

Sessions stay in signed cookies, so demo mode and known users keep working while the
database is unreachable. What a plain signed cookie cannot do is die: a copy saved
before logging out would work until it expires. So every session carries a random id
(``_sid``) inside its signed data, and ending a session — ``flush()`` (logout, a
password that no longer matches) or ``cycle_key()`` (login, password change) —
revokes that id:

- in the cache (shared between processes when ``CACHE_URL`` is Redis), for the
  common case: loading a session costs one cache read;
- durably, as a row in Django's own ``django_session`` table (unused otherwise, since
  the sessions are cookies), kept as long as a cookie can live; ``manage.py
  clearsessions`` removes the expired ones. When the cache has no word on an id (a
  restart, an eviction), the row answers, and the answer is cached.

A revoked id loads as an empty, anonymous session, and the response deletes its
cookie. If the database is unreachable when the cache has no word, the session is
taken as live: an outage must not sign everyone out. Cookies issued before ids
existed keep their demo data but no longer sign anyone in (they cannot be revoked).
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends import signed_cookies
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

SID = "_sid"
_AUTH_KEYS = (SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY)
_LIVE, _REVOKED = "live", "revoked"
_ROW_PREFIX = "revoked:"  # rows of django_session that are revocations, not sessions


def _cache_key(sid: str) -> str:
    return f"session:state:{sid}"


def _recheck_seconds() -> int:
    """How long "this id is live" is believed before the database is asked again.

    Revoking overwrites the answer in a shared cache at once; with a per-process cache
    (LocMem) another process may believe it for up to this long.
    """
    return int(getattr(settings, "SESSION_REVOCATION_RECHECK_SECONDS", 300))


def new_session_id() -> str:
    sid = secrets.token_urlsafe(18)
    cache.set(_cache_key(sid), _LIVE, _recheck_seconds())
    return sid


def revoke_session_id(sid: str) -> None:
    """No cookie carrying ``sid`` opens a session any more, in any process."""
    age = settings.SESSION_COOKIE_AGE
    cache.set(_cache_key(sid), _REVOKED, age)
    row = Session(
        session_key=_ROW_PREFIX + sid,
        session_data=_REVOKED,
        expire_date=timezone.now() + timedelta(seconds=age),
    )
    try:
        with transaction.atomic():
            Session.objects.bulk_create([row], ignore_conflicts=True)
    except DatabaseError:
        logger.warning("Session revoked in the cache only: the database is unreachable.")


def session_revoked(sid: str) -> bool:
    state = cache.get(_cache_key(sid))
    if state is not None:
        return state == _REVOKED
    try:
        revoked = Session.objects.filter(
            session_key=_ROW_PREFIX + sid, expire_date__gt=timezone.now()
        ).exists()
    except DatabaseError:
        return False  # no word from the cache or the database: an outage keeps sessions
    if revoked:
        cache.set(_cache_key(sid), _REVOKED, settings.SESSION_COOKIE_AGE)
    else:
        cache.set(_cache_key(sid), _LIVE, _recheck_seconds())
    return revoked


class SessionStore(signed_cookies.SessionStore):
    def load(self) -> dict:
        data = super().load()
        sid = data.get(SID)
        if not isinstance(sid, str) or not sid:
            if any(key in data for key in _AUTH_KEYS):
                # From before session ids: it cannot be revoked, so it signs nobody in.
                for key in _AUTH_KEYS:
                    data.pop(key, None)
                self.modified = True
            return data
        if session_revoked(sid):
            self._session_key = None  # empty with no key: the response deletes the cookie
            self.modified = True
            return {}
        return data

    def _get_session_key(self) -> str:
        data = self._session
        if data and not data.get(SID):
            data[SID] = new_session_id()
        return super()._get_session_key()

    def flush(self) -> None:
        sid = self._session.get(SID)
        if sid:
            revoke_session_id(sid)
        super().flush()

    def cycle_key(self) -> None:
        sid = self._session.pop(SID, None)
        if sid:
            revoke_session_id(sid)
        super().cycle_key()  # signs the data again; a new id is minted with it

    async def aload(self) -> dict:
        return await sync_to_async(self.load)()

    async def aflush(self) -> None:
        await sync_to_async(self.flush)()

    async def acycle_key(self) -> None:
        await sync_to_async(self.cycle_key)()

    @classmethod
    def clear_expired(cls) -> None:
        Session.objects.filter(
            session_key__startswith=_ROW_PREFIX, expire_date__lt=timezone.now()
        ).delete()

    @classmethod
    async def aclear_expired(cls) -> None:
        await sync_to_async(cls.clear_expired)()
