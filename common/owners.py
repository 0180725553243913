"""Who owns a row: an account, or an anonymous browser session (demo mode)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
    """An account (``user``) or a demo-mode session (``session_key``), never neither."""

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

    @classmethod
    def of(cls, row: Any, *, user_field: str = "user") -> Owner:
        """The owner of a row that has a ``<user_field>`` foreign key or a ``session_key``."""
        if getattr(row, f"{user_field}_id", None) is not None:
            return cls(user=getattr(row, user_field))
        return cls(session_key=row.session_key)

    @property
    def is_demo(self) -> bool:
        return self.user is None

    @property
    def user_id(self) -> int | None:
        return None if self.user is None else self.user.pk

    def as_filter(self, *, user_field: str = "user") -> dict[str, Any]:
        """Lookup kwargs selecting this owner's rows (``user_field`` names the account column)."""
        return {"session_key": self.session_key} if self.is_demo else {user_field: self.user}
