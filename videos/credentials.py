"""Content Credentials (C2PA) for the videos we generate: sign, carry over, read back.

Placeholder: its owner fills it in (issue 16 §3). The rendition pipeline already calls
``credentials_carry_over`` so a rendition or preview keeps the original's credentials.
"""

from __future__ import annotations

from pathlib import Path


def credentials_carry_over(*, source: Path, target: Path) -> None:
    """Sign ``target`` (a rendition or preview made from ``source``) like ``source``.

    Does nothing when ``source`` carries no manifest. Never raises for a manifest it
    cannot read; the target then simply carries none.
    """
    return None
