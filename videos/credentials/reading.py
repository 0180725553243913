"""Reading Content Credentials back: what a video's C2PA manifest says, and whether to believe it.

A video's facts (:class:`Credentials`) are what pages and the API show: who made it, with
which model, whether it is AI-generated, when it was signed, by whom, and the signature's
state. Reading never reaches the network (no remote manifests, no OCSP) and never raises
for what a file holds: a manifest that cannot be read is an ``invalid`` signature.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import c2pa

__all__ = [
    "AI_SOURCE_TYPES",
    "ALGORITHMIC_MEDIA",
    "TRAINED_ALGORITHMIC_MEDIA",
    "Credentials",
    "Origin",
    "Signature",
    "c2pa_context",
    "carries_manifest",
    "credentials_read",
    "manifest_read",
]

logger = logging.getLogger(__name__)

_IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED_ALGORITHMIC_MEDIA = _IPTC + "trainedAlgorithmicMedia"
ALGORITHMIC_MEDIA = _IPTC + "algorithmicMedia"
#: Digital source types that mean "made (at least partly) by an algorithm, not a camera".
AI_SOURCE_TYPES = frozenset(
    {
        TRAINED_ALGORITHMIC_MEDIA,
        ALGORITHMIC_MEDIA,
        _IPTC + "compositeWithTrainedAlgorithmicMedia",
        _IPTC + "compositeSynthetic",
    }
)
MP4 = "video/mp4"
#: The ``uuid`` box type C2PA stores an MP4's manifest store in (ISO BMFF, top level).
C2PA_BOX_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")
_MAX_TOP_LEVEL_BOXES = 10_000


class Origin(StrEnum):
    GENERATED = "generated"  # one of our providers made it; we signed it
    UPLOADED = "uploaded"  # a file or URL someone gave us; any manifest is theirs


class Signature(StrEnum):
    VALID = "valid"  # intact and signed by a certificate a trust anchor vouches for
    UNTRUSTED = "untrusted"  # intact, but no trust anchor knows the certificate
    INVALID = "invalid"  # tampered with, malformed, or an unusable certificate
    MISSING = "missing"  # no manifest at all


@dataclass(frozen=True, kw_only=True)
class Credentials:
    """What one video's Content Credentials say (stored on ``VideoAsset.credentials``)."""

    origin: Origin
    ai_generated: bool = False
    generator: str = ""
    model: str = ""
    digital_source_type: str = ""
    signed_at: str = ""  # ISO 8601, UTC
    issuer: str = ""
    signature: Signature = Signature.MISSING

    def as_json(self) -> dict[str, Any]:
        """The stored form, and (through :func:`credentials_public`) the API's."""
        return {
            "origin": str(self.origin),
            "ai_generated": self.ai_generated,
            "generator": self.generator,
            "model": self.model,
            "digital_source_type": self.digital_source_type,
            "signed_at": self.signed_at,
            "issuer": self.issuer,
            "signature": str(self.signature),
        }

    @classmethod
    def from_json(cls, data: Any) -> Credentials:
        """The facts :meth:`as_json` wrote (stored, or answered by a reader child), taken
        as untrusted: every field must be there, texts are cut to their stored lengths.

        Raises:
            ValueError: ``data`` is not such an object.
        """
        try:
            return cls(
                origin=Origin(data["origin"]),
                ai_generated=data["ai_generated"] is True,
                generator=str(data["generator"])[:200],
                model=str(data["model"])[:200],
                digital_source_type=str(data["digital_source_type"])[:200],
                signed_at=str(data["signed_at"])[:40],
                issuer=str(data["issuer"])[:200],
                signature=Signature(data["signature"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not stored credentials: {exc}") from exc


def c2pa_context(*, trust_anchors: str = "", sign: bool = False) -> c2pa.Context:
    """A C2PA context that never reaches the network and trusts ``trust_anchors`` (PEM)
    besides the SDK's own list; ``sign`` adds our builder defaults (no thumbnails)."""
    config: dict[str, Any] = {
        # A hostile upload could point at a remote manifest or an OCSP responder: never fetch.
        "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
    }
    if trust_anchors:
        config["trust"] = {"user_anchors": trust_anchors}
    if sign:
        config["builder"] = {"thumbnail": {"enabled": False}}
        # Work on a large video in a temporary file rather than in the worker's memory.
        config["core"] = {"backing_store_memory_threshold_in_mb": 32}
    return c2pa.Context.from_dict(config)


def _configured_anchors() -> str:
    from django.conf import settings

    path = settings.C2PA_TRUST_ANCHORS
    if not path:
        return ""
    try:
        return Path(path).read_text()
    except OSError:
        logger.exception("cannot read C2PA_TRUST_ANCHORS %s", path)
        return ""


def carries_manifest(path: Path) -> bool:
    """Whether the file at ``path`` is ISO BMFF (MP4/MOV) with a top-level C2PA ``uuid``
    box: a walk over box headers only, so a file without one (most uploads, and every
    WebM) costs a few reads and never reaches the C2PA parser.

    Raises:
        OSError: the file cannot be opened.
    """
    with Path(path).open("rb") as fh:
        end = fh.seek(0, 2)
        offset = 0
        for _ in range(_MAX_TOP_LEVEL_BOXES):
            if offset + 8 > end:
                return False
            fh.seek(offset)
            header = fh.read(8)
            size, kind = int.from_bytes(header[:4], "big"), header[4:]
            if not all(0x20 <= byte < 0x7F for byte in kind):
                return False  # not a box: not ISO BMFF (or past its end)
            body = offset + 8
            if size == 1:
                size = int.from_bytes(fh.read(8), "big")
                body += 8
            elif size == 0:
                size = end - offset
            if size < body - offset:
                return False
            if kind == b"uuid" and fh.read(16) == C2PA_BOX_UUID:
                return True
            offset += size
    return False


def manifest_read(path: Path, *, trust_anchors: str | None = None) -> dict[str, Any] | None:
    """The manifest store of the MP4 at ``path`` as the C2PA reader reports it (with
    ``validation_state`` and ``validation_results``), or ``None`` when it has none.

    ``trust_anchors`` defaults to ``C2PA_TRUST_ANCHORS``.

    Raises:
        c2pa.C2paError: the file holds a manifest that cannot be read.
        OSError: the file cannot be opened.
    """
    if not carries_manifest(path):
        return None
    anchors = _configured_anchors() if trust_anchors is None else trust_anchors
    with Path(path).open("rb") as fh:
        reader = c2pa.Reader.try_create(MP4, fh, None, c2pa_context(trust_anchors=anchors))
        if reader is None:
            return None
        with reader:
            return json.loads(reader.json())


def _state(store: dict[str, Any]) -> Signature:
    state = str(store.get("validation_state", "")).lower()
    if state == "trusted":
        return Signature.VALID
    if state == "valid":
        return Signature.UNTRUSTED
    return Signature.INVALID


def _agent_name(agent: Any) -> str:
    if isinstance(agent, dict):
        return str(agent.get("name", ""))
    return agent if isinstance(agent, str) else ""


def _actions(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for assertion in manifest.get("assertions") or []:
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            data = assertion.get("data") or {}
            found.extend(a for a in data.get("actions") or [] if isinstance(a, dict))
    return found


def credentials_from_store(store: dict[str, Any] | None, *, origin: Origin) -> Credentials:
    """The facts of a manifest store (``manifest_read``'s answer); ``None`` is no manifest."""
    if not store:
        return Credentials(origin=origin, ai_generated=origin == Origin.GENERATED)
    manifest = (store.get("manifests") or {}).get(store.get("active_manifest") or "") or {}
    actions = _actions(manifest)
    # The action that says where the pixels came from: ours is c2pa.created; a rendition's
    # c2pa.transcoded keeps its parent's source type.
    origin_action = next((a for a in actions if a.get("action") == "c2pa.created"), None)
    origin_action = origin_action or next((a for a in actions if a.get("digitalSourceType")), {})
    source_type = str(origin_action.get("digitalSourceType", ""))
    parameters = origin_action.get("parameters") or {}
    info = manifest.get("signature_info") or {}
    signature = _state(store)
    return Credentials(
        origin=origin,
        # An invalid manifest proves nothing either way; we still label what we made ourselves.
        ai_generated=origin == Origin.GENERATED
        or (signature != Signature.INVALID and source_type in AI_SOURCE_TYPES),
        generator=_agent_name(origin_action.get("softwareAgent"))[:200],
        model=str(parameters.get("model", "") if isinstance(parameters, dict) else "")[:200],
        digital_source_type=source_type[:200],
        signed_at=str(info.get("time") or origin_action.get("when") or "")[:40],
        issuer=str(info.get("issuer") or info.get("common_name") or "")[:200],
        signature=signature,
    )


def credentials_read(
    path: Path, *, origin: Origin, trust_anchors: str | None = None
) -> Credentials:
    """What the manifest of the MP4 at ``path`` says. Never raises for the file's content:
    an unreadable manifest is an ``invalid`` signature, no manifest a ``missing`` one.

    This parses the file in this process: for a file we did not write (an upload), use
    :func:`videos.credentials.isolated.credentials_read_isolated`.
    """
    try:
        store = manifest_read(path, trust_anchors=trust_anchors)
    except c2pa.C2paError as exc:
        logger.info("unreadable C2PA manifest in %s: %s", Path(path).name, exc)
        return Credentials(
            origin=origin, ai_generated=origin == Origin.GENERATED, signature=Signature.INVALID
        )
    return credentials_from_store(store, origin=origin)
