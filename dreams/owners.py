"""Who owns a dream or a job: an account, or an anonymous browser session (demo mode)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dreams.models import AbstractDream, DemoDream, Dream

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.http import HttpRequest


DEMO_SESSION_FIELD = "demo_owner"


def demo_key(request: HttpRequest, *, create: bool = False) -> str:
    """The anonymous visitor's demo-mode key ("" when they have none and ``create`` is false)."""
    session = request.session
    key = session.get(DEMO_SESSION_FIELD, "")
    if not key and create:
        key = secrets.token_urlsafe(24)
        session[DEMO_SESSION_FIELD] = key
    return key


@dataclass(frozen=True)
class Owner:
    user: AbstractBaseUser | None = None
    session_key: str = ""

    def __post_init__(self) -> None:
        if self.user is None and not self.session_key:
            raise ValueError("An owner is an account or a session.")

    @classmethod
    def from_request(cls, request: HttpRequest, *, create_session: bool = False) -> Owner | None:
        """The caller as an owner; ``None`` for an anonymous caller without a demo session.

        With ``create_session`` an anonymous caller gets a demo identity first. The
        identity is a random key kept in the (signed-cookie) session, not the session
        key itself, so it stays the same for the life of the session and needs no
        database to read.
        """
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return cls(user=user)
        key = demo_key(request, create=create_session)
        return cls(session_key=key) if key else None

    @property
    def is_demo(self) -> bool:
        return self.user is None

    @property
    def dream_model(self) -> type[AbstractDream]:
        return DemoDream if self.is_demo else Dream

    def dream_filter(self) -> dict:
        return {"session_key": self.session_key} if self.is_demo else {"owner": self.user}

    def job_filter(self) -> dict:
        return {"session_key": self.session_key} if self.is_demo else {"user": self.user}

    def owns_dream(self, dream: AbstractDream) -> bool:
        if isinstance(dream, DemoDream):
            return self.is_demo and dream.session_key == self.session_key
        return not self.is_demo and dream.owner_id == self.user.pk
