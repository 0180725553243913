"""Signing Content Credentials into the MP4s we make: generated videos and their renditions.

Signing is local and bounded: one pass to hash the file and one to write the signed
copy, no network (unless ``C2PA_TSA_URL`` names a timestamp authority). The signed
copy is written next to its target and renamed over it, so a file is never half signed.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import c2pa
from django.utils import timezone

from videos.credentials.certificates import (
    SigningMaterial,
    SigningNotConfigured,
    signing_material,
)
from videos.credentials.isolated import credentials_read_isolated
from videos.credentials.reading import (
    ALGORITHMIC_MEDIA,
    MP4,
    TRAINED_ALGORITHMIC_MEDIA,
    Credentials,
    Origin,
    Signature,
    c2pa_context,
    credentials_read,
    manifest_read,
)
from videos.sources import VideoSource

__all__ = ["CredentialsError", "Generation", "credentials_carry_over", "credentials_sign"]

logger = logging.getLogger(__name__)

CLAIM_GENERATOR = {"name": "DreamJourney", "version": "1.0"}
RENDITION_AGENT = {"name": "DreamJourney renditions"}
DEMO_GENERATOR = "DreamJourney demo renderer"
DEMO_MODEL = "demo-renderer-1"
_PARENT = "parent"
_PROVIDER = "provider"


class CredentialsError(RuntimeError):
    """A video could not be signed (signing material unusable, or the C2PA library refused)."""


@dataclass(frozen=True, kw_only=True)
class Generation:
    """Who generated a video: the provider and its model (RunwayML's ``gen4.5``, …)."""

    source: VideoSource
    model: str = ""

    @property
    def software_agent(self) -> str:
        if self.source == VideoSource.DEMO:
            return DEMO_GENERATOR
        return f"RunwayML {self.model}".strip()

    @property
    def model_name(self) -> str:
        return DEMO_MODEL if self.source == VideoSource.DEMO else self.model

    @property
    def digital_source_type(self) -> str:
        # RunwayML's models are trained on media; the demo renderer draws by rule.
        if self.source == VideoSource.DEMO:
            return ALGORITHMIC_MEDIA
        return TRAINED_ALGORITHMIC_MEDIA


def _signer(material: SigningMaterial) -> c2pa.Signer:
    info = c2pa.C2paSignerInfo(
        material.alg.encode(), material.chain, material.key, material.tsa_url or None
    )
    return c2pa.Signer.from_info(info)


def _manifest(title: str, actions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "claim_generator_info": [CLAIM_GENERATOR],
        "title": title,
        "format": MP4,
        "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}}],
    }


def _sign_to(
    *,
    source: Path,
    target: Path,
    manifest: dict[str, Any],
    material: SigningMaterial,
    ingredient: tuple[Path, str, str] | None = None,
) -> None:
    """Write ``source`` signed with ``manifest`` to ``target`` (through a temporary file);
    ``ingredient`` is (file, relationship, label) of an ingredient the actions refer to."""
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.signing")
    context = c2pa_context(trust_anchors=material.trust_anchors, sign=True)
    try:
        with (
            context,
            c2pa.Builder(manifest, context=context) as builder,
            _signer(material) as signer,
        ):
            if ingredient is not None:
                path, relationship, label = ingredient
                with path.open("rb") as fh:
                    builder.add_ingredient(
                        {"title": path.name, "relationship": relationship, "label": label},
                        MP4,
                        fh,
                    )
            with source.open("rb") as src, temp.open("w+b") as dst:
                builder.sign(signer, MP4, src, dst)
        os.replace(temp, target)
    except (c2pa.C2paError, ValueError) as exc:  # ValueError: an unusable C2PA_SIGNING_ALG
        raise CredentialsError(f"could not sign {source.name}: {exc}") from exc
    finally:
        temp.unlink(missing_ok=True)


def credentials_sign(*, source: Path, target: Path, generation: Generation) -> Credentials:
    """Write to ``target`` the video at ``source`` with a signed C2PA manifest saying we
    generated it: a ``c2pa.created`` action with the generation's ``digitalSourceType``,
    software agent and model (and, when the provider signed its output itself, that
    manifest kept as a ``componentOf`` ingredient). ``source`` may be ``target``. Returns
    what the manifest says, read back from ``target`` (the signature state is the reader's
    verdict).

    Raises:
        CredentialsError: the signing material is unusable or the library refused.
    """
    try:
        material = signing_material()
    except SigningNotConfigured as exc:
        raise CredentialsError(str(exc)) from exc
    created = {
        "action": "c2pa.created",
        "when": timezone.now().isoformat(timespec="seconds"),
        "softwareAgent": {"name": generation.software_agent},
        "digitalSourceType": generation.digital_source_type,
        "parameters": {"model": generation.model_name},
    }
    actions: list[dict[str, Any]] = [created]
    ingredient = None
    if _has_manifest(source):
        # The provider signed its output itself (RunwayML does): keep that manifest as an
        # ingredient of ours instead of replacing it. Not a parent: c2pa.created has none.
        ingredient = (source, "componentOf", _PROVIDER)
        actions.append({"action": "c2pa.placed", "parameters": {"ingredientIds": [_PROVIDER]}})
    _sign_to(
        source=source,
        target=target,
        manifest=_manifest(target.name, actions),
        material=material,
        ingredient=ingredient,
    )
    return credentials_read(target, origin=Origin.GENERATED)


def _has_manifest(path: Path) -> bool:
    try:
        return manifest_read(path, trust_anchors="") is not None
    except c2pa.C2paError:
        return False  # unreadable: ours replaces it


#: Recorded states that say the manifest parsed within bounds when the file was stored
#: (or that there was none): the same bytes need no second reading in a child.
_RECORDS_TAKEN = frozenset({Signature.VALID, Signature.UNTRUSTED, Signature.MISSING})


def credentials_carry_over(
    *, source: Path, targets: Sequence[Path], recorded: Credentials | None = None
) -> None:
    """Sign each of ``targets`` (renditions or previews made from ``source``) like
    ``source``: a manifest naming ``source`` as its parent ingredient, with ``c2pa.opened``
    and ``c2pa.transcoded`` actions that keep the source's ``digitalSourceType``.

    ``source``'s manifest is vetted once for all of them. ``recorded`` is what it said
    when ``source`` was stored (``VideoAsset.credentials``; stored files never change,
    their name is their hash): a ``valid``, ``untrusted`` or ``missing`` record is used as
    it is; without one, or with any other (``invalid`` may mean the reader gave up on the
    file), the manifest is read again in a limited child.

    Does nothing when ``source`` carries no manifest. Never raises: a source whose
    manifest cannot be read, or a signing failure, is logged and the target is left as
    it was (carrying no manifest).
    """
    try:
        # The original may be an upload: its manifest is first parsed in a limited child
        # (now, or when it was stored), and only one that parsed there within bounds is
        # opened here as the ingredient. Starting that child costs ~0.3 s of CPU.
        if recorded is not None and recorded.signature in _RECORDS_TAKEN:
            facts = recorded
        else:
            facts = credentials_read_isolated(source, origin=Origin.UPLOADED)
    except Exception:
        logger.exception("could not read the content credentials of %s", source)
        return
    if facts is None or facts.signature == Signature.MISSING:
        return
    transcoded: dict[str, Any] = {
        "action": "c2pa.transcoded",
        "when": timezone.now().isoformat(timespec="seconds"),
        "softwareAgent": RENDITION_AGENT,
    }
    if facts.digital_source_type:
        transcoded["digitalSourceType"] = facts.digital_source_type
    if facts.model:
        transcoded["parameters"] = {"model": facts.model}
    opened = {"action": "c2pa.opened", "parameters": {"ingredientIds": [_PARENT]}}
    for target in targets:
        try:
            _sign_to(
                source=target,
                target=target,
                manifest=_manifest(target.name, [opened, transcoded]),
                material=signing_material(),
                ingredient=(source, "parentOf", _PARENT),
            )
        except Exception:  # a rendition without credentials beats no rendition
            logger.exception("could not carry content credentials from %s to %s", source, target)
