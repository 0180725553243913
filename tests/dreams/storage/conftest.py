"""Fixtures of the emergency-tier tests."""

from __future__ import annotations

import pytest

from dreams.storage import journal


@pytest.fixture(autouse=True)
def _fresh_pending_count():
    """The journal's cached "records waiting?" answer is per process: start and end clean."""
    journal.pending_changed()
    yield
    journal.pending_changed()
