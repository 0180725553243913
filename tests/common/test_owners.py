"""``common.owners``: an owner is an account or a demo session, never neither."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.signed_cookies import SessionStore

from common.owners import DEMO_SESSION_FIELD, Owner, demo_key


def _request(user=None, session=None):
    return SimpleNamespace(user=user or AnonymousUser(), session=session or SessionStore())


def test_an_owner_is_an_account_or_a_session_never_neither():
    with pytest.raises(ValueError):
        Owner()


def test_an_account_selects_its_rows_by_user():
    account = SimpleNamespace(pk=7, is_authenticated=True)
    owner = Owner(user=account)

    assert (owner.is_demo, owner.user_id) == (False, 7)
    assert owner.as_filter() == {"user": account}
    assert owner.as_filter(user_field="owner") == {"owner": account}


def test_a_demo_session_selects_its_rows_by_session_key():
    owner = Owner(session_key="k3y")

    assert (owner.is_demo, owner.user_id) == (True, None)
    assert owner.as_filter() == {"session_key": "k3y"}
    assert owner.as_filter(user_field="owner") == {"session_key": "k3y"}


def test_an_anonymous_caller_without_a_demo_session_is_nobody():
    request = _request()

    assert Owner.from_request(request) is None
    assert DEMO_SESSION_FIELD not in request.session


def test_a_demo_identity_is_created_once_and_kept_in_the_session():
    request = _request()

    first = Owner.from_request(request, create_session=True)
    again = Owner.from_request(request, create_session=True)

    assert first.is_demo and first == again
    assert request.session[DEMO_SESSION_FIELD] == first.session_key
    assert len(first.session_key) >= 32  # a random key, not guessable


def test_demo_keys_differ_between_visitors():
    keys = {demo_key(_request(), create=True) for _ in range(20)}

    assert len(keys) == 20


def test_a_signed_in_caller_is_their_account_even_with_a_demo_session():
    session = SessionStore()
    session[DEMO_SESSION_FIELD] = "left-over"
    account = SimpleNamespace(pk=3, is_authenticated=True)

    owner = Owner.from_request(_request(user=account, session=session), create_session=True)

    assert owner == Owner(user=account)


def test_the_owner_of_a_row_comes_from_its_user_or_its_session_key():
    account = SimpleNamespace(pk=5)
    users_row = SimpleNamespace(user_id=5, user=account, session_key="")
    demo_row = SimpleNamespace(user_id=None, user=None, session_key="abc")
    dream_row = SimpleNamespace(owner_id=5, owner=account)

    assert Owner.of(users_row) == Owner(user=account)
    assert Owner.of(demo_row) == Owner(session_key="abc")
    assert Owner.of(dream_row, user_field="owner") == Owner(user=account)
