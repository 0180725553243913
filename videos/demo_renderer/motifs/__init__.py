"""The motif library: things, places and swarms drawn by code, looked up by name.

Importing this package registers every motif in :data:`REGISTRY`.
"""

from __future__ import annotations

from videos.demo_renderer.motifs import places, sky, swarms, things  # noqa: F401  (registers)
from videos.demo_renderer.motifs.common import REGISTRY, MotifSpec

__all__ = ["REGISTRY", "MotifSpec"]
