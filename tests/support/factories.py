"""factory_boy factories for dreams, demo dreams, users and stored video assets.

``VideoAssetFactory`` creates the row only (a file name, no bytes on disk): enough
for lists and the gallery, which never open the file.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from dreams.models import DemoDream, Dream, ModerationStatus, VideoStatus
from videos.models import VideoAsset
from videos.sources import VideoSource

PASSWORD = "correct horse battery"
# Factory dreams are dated from here on, one second apart, so creation order is age order.
_START = timezone.now() - timedelta(days=1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"sleeper{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class VideoAssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VideoAsset

    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"video-{n}".encode()).hexdigest())
    file = factory.LazyAttribute(lambda a: f"videos/{a.sha256[:2]}/{a.sha256}.mp4")
    thumbnail = factory.LazyAttribute(lambda a: f"thumbnails/{a.sha256[:2]}/{a.sha256}.jpg")
    bytes = 123_456
    duration = 4.0
    width = 640
    height = 360
    codec = "h264"
    source_kind = VideoSource.DEMO
    # What the demo renderer's signed manifest says (videos.credentials).
    credentials = factory.LazyFunction(
        lambda: {
            "origin": "generated",
            "ai_generated": True,
            "generator": "DreamJourney demo renderer",
            "model": "demo-renderer-1",
            "digital_source_type": "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia",
            "signed_at": "2026-11-30T10:00:00+00:00",
            "issuer": "DreamJourney development",
            "signature": "untrusted",
        }
    )


class _DreamFieldsFactory(factory.django.DjangoModelFactory):
    """Shared fields; each dream made is a second newer than the one made before it."""

    class Meta:
        abstract = True

    title = factory.Sequence(lambda n: f"Dream number {n}")
    content = factory.Faker("paragraph", nb_sentences=3)
    analysis = factory.LazyFunction(lambda: {"emotions": ["wonder"], "keywords": ["sky"]})
    created_at = factory.Sequence(lambda n: _START + timedelta(seconds=n))
    updated_at = factory.SelfAttribute("created_at")

    class Params:
        # A dream whose video is stored and ready (the state after a finished job).
        with_video = factory.Trait(
            video_status=VideoStatus.READY,
            video_asset=factory.SubFactory(VideoAssetFactory),
        )
        # A dream that belongs in the public gallery.
        in_gallery = factory.Trait(
            with_video=True,
            is_public=True,
            moderation_status=ModerationStatus.APPROVED,
        )


class DreamFactory(_DreamFieldsFactory):
    class Meta:
        model = Dream

    owner = factory.SubFactory(UserFactory)


class DemoDreamFactory(_DreamFieldsFactory):
    class Meta:
        model = DemoDream

    session_key = factory.Faker("pystr", min_chars=32, max_chars=32)
