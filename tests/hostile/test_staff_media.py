"""A staff account reaching for private videos at ``/media/dreams/<id>/…``.

Being staff is not enough: a moderator sees a private or demo dream's video only with the
permission the admin asks to show that dream (view, or change, on its model). Without
it, a staff account is like anyone else: its own dreams and the gallery, 404 for the rest.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from dreams.models import VideoStatus
from tests.support.factories import DemoDreamFactory, DreamFactory
from tests.support.mp4s import make_mp4
from videos.assets import video_asset_create_from_file
from videos.sources import VideoSource

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(tmp_path):
    return video_asset_create_from_file(
        path=make_mp4(tmp_path / "c.mp4"), source_kind=VideoSource.DEMO
    )


@pytest.fixture
def private(asset):
    return DreamFactory(video_asset=asset, video_status=VideoStatus.READY)


@pytest.fixture
def demo(asset):
    return DemoDreamFactory(video_asset=asset, video_status=VideoStatus.READY)


def media(client: Client, dream) -> tuple[int, int]:
    video = client.get(reverse("dream-video", kwargs={"dream_id": dream.pk}))
    thumb = client.get(reverse("dream-thumbnail", kwargs={"dream_id": dream.pk}))
    return video.status_code, thumb.status_code


def signed_in(make_user, *codenames: str, **flags) -> Client:
    user = make_user(**flags)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def test_staff_without_permission_get_404_for_private_and_demo_videos(make_user, private, demo):
    staff = signed_in(make_user, is_staff=True)

    assert media(staff, private) == (404, 404)
    assert media(staff, demo) == (404, 404)


def test_staff_with_the_view_permission_watch_that_model_only(make_user, private, demo):
    dream_viewer = signed_in(make_user, "view_dream", is_staff=True)
    demo_viewer = signed_in(make_user, "view_demodream", is_staff=True)

    assert media(dream_viewer, private) == (200, 200)
    assert media(dream_viewer, demo) == (404, 404)
    assert media(demo_viewer, demo) == (200, 200)
    assert media(demo_viewer, private) == (404, 404)


def test_the_change_permission_counts_as_the_admin_counts_it(make_user, private):
    editor = signed_in(make_user, "change_dream", is_staff=True)

    assert media(editor, private) == (200, 200)


def test_superusers_watch_everything(make_user, private, demo):
    root = signed_in(make_user, is_staff=True, is_superuser=True)

    assert media(root, private) == (200, 200)
    assert media(root, demo) == (200, 200)


def test_a_permission_without_staff_status_opens_nothing(make_user, private):
    not_staff = signed_in(make_user, "view_dream", "view_demodream")

    assert media(not_staff, private) == (404, 404)


def test_staff_without_permission_still_see_their_own_and_the_gallery(make_user, asset):
    user = make_user(is_staff=True)
    own = DreamFactory(owner=user, video_asset=asset, video_status=VideoStatus.READY)
    shared = DreamFactory(in_gallery=True, video_asset=asset, video_status=VideoStatus.READY)
    client = Client()
    client.force_login(user)

    assert media(client, own) == (200, 200)
    assert media(client, shared) == (200, 200)
