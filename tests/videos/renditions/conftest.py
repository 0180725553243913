"""Fixtures of the rendition tests: renditions switched on, assets stored from real clips."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from videos.assets import video_asset_create_from_file
from videos.models import VideoAsset
from videos.sources import VideoSource


@pytest.fixture
def renditions_on(settings):
    settings.VIDEO_RENDITIONS = True
    return settings


@pytest.fixture
def temp_dir(tmp_path, monkeypatch) -> Path:
    """This test's own system temp folder: whatever a rendition leaves there shows."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def store(tmp_path) -> Callable[[Path], VideoAsset]:
    """Store a local clip as an uploaded asset (probed in the sandbox, as ingest does)."""

    def store(path: Path) -> VideoAsset:
        return video_asset_create_from_file(path=path, source_kind=VideoSource.UPLOAD)

    return store
