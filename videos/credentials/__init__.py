"""Content Credentials (C2PA) for our videos: sign what we generate, carry it to renditions,
read back what any video's manifest says.

* :func:`credentials_sign`: a generated video gets a signed manifest whose ``c2pa.created``
  action names the generator, the model and the ``digitalSourceType``
  (``trainedAlgorithmicMedia`` for RunwayML, ``algorithmicMedia`` for the demo renderer).
* :func:`credentials_carry_over`: a rendition or preview made from an original names it as
  its parent ingredient and records ``c2pa.transcoded`` (the rendition pipeline calls it).
* :func:`credentials_read`: the :class:`Credentials` of an MP4 we wrote, with the
  signature's state: ``valid`` (a trust anchor vouches for the certificate),
  ``untrusted``, ``invalid`` or ``missing``; :func:`credentials_read_isolated` does the
  same for a file we did not write (an upload's manifest is read in a limited child
  process, and never changed).
* :func:`credentials_public`: the stored facts as the API shows them.

Signing material: ``C2PA_SIGNING_CERT`` / ``C2PA_SIGNING_KEY`` (``C2PA_SIGNING_ALG``,
``C2PA_TSA_URL``), else a development chain made once under ``C2PA_DEV_DIR``
(:mod:`videos.credentials.certificates`). Nothing here reads or writes the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from videos.credentials.isolated import credentials_read_isolated
from videos.credentials.reading import (
    AI_SOURCE_TYPES,
    ALGORITHMIC_MEDIA,
    TRAINED_ALGORITHMIC_MEDIA,
    Credentials,
    Origin,
    Signature,
    credentials_read,
    manifest_read,
)
from videos.credentials.signing import (
    CredentialsError,
    Generation,
    credentials_carry_over,
    credentials_sign,
)

__all__ = [
    "AI_SOURCE_TYPES",
    "ALGORITHMIC_MEDIA",
    "TRAINED_ALGORITHMIC_MEDIA",
    "Credentials",
    "CredentialsError",
    "Generation",
    "Origin",
    "Signature",
    "credentials_carry_over",
    "credentials_public",
    "credentials_read",
    "credentials_read_isolated",
    "credentials_sign",
    "manifest_read",
]


def credentials_public(stored: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A video asset's stored credentials as the API's ``video_credentials`` object, or
    ``None`` when there are none (no stored video). Empty facts become ``null``."""
    if not stored:
        return None

    def text(name: str) -> str | None:
        value = stored.get(name)
        return value if isinstance(value, str) and value else None

    return {
        "ai_generated": stored.get("ai_generated") is True,
        "origin": text("origin"),
        "generator": text("generator"),
        "model": text("model"),
        "digital_source_type": text("digital_source_type"),
        "signed_at": text("signed_at"),
        "issuer": text("issuer"),
        "signature": text("signature") or str(Signature.MISSING),
    }
