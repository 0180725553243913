"""Renditions on S3-compatible storage (moto on loopback): made from a local copy of the
original, stored as private objects, served by presigned redirect; no temp file left."""

from __future__ import annotations

import pytest
import requests

from tests.dreamjourney import test_s3_storage
from tests.support.factories import DreamFactory
from tests.videos.renditions.clips import write_clip
from videos.models import RenditionKind
from videos.renditions.services import video_renditions_make

pytestmark = pytest.mark.django_db

# The loopback S3 server and bucket of tests/dreamjourney/test_s3_storage.py, shared.
BUCKET = test_s3_storage.BUCKET
s3_server = test_s3_storage.s3_server
s3 = test_s3_storage.s3


def test_renditions_are_made_and_served_from_s3(
    s3, renditions_on, store, tmp_path, temp_dir, client
):
    # Given an original stored in S3
    renditions_on.VIDEO_RENDITION_MAX_SIDE = 320
    asset = store(write_clip(tmp_path / "c.mp4", seconds=2, audio=True))

    # When its renditions are made
    asset = video_renditions_make(asset=asset)

    # Then they are objects in the bucket, and the gallery video redirects to the rendition
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    web = asset.renditions.get(kind=RenditionKind.WEB)
    preview = asset.renditions.get(kind=RenditionKind.PREVIEW)
    assert {web.file.name, preview.file.name, asset.thumbnail.name} <= keys
    dream = DreamFactory(in_gallery=True, video_asset=asset)
    redirect = client.get(f"/media/dreams/{dream.pk}/video.mp4")
    assert redirect.status_code == 302
    played = requests.get(redirect["Location"], timeout=10)
    assert played.status_code == 200 and len(played.content) == web.bytes
    assert list(temp_dir.iterdir()) == []
