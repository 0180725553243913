"""Dream media (``/media/dreams/<id>/…``): who may watch a dream's stored video."""

from __future__ import annotations

import pytest

from dreams.models import Dream

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_dream(auth_client, committed, run_jobs, files) -> dict:
    """A private dream of ``auth_client``'s user whose video (``files``' MP4) is stored."""
    with committed():
        response = auth_client.post(
            "/api/dreams",
            {
                "title": "Owls",
                "content": "Owls read to me.",
                "video_url": files.url_for("/dream.mp4"),
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    run_jobs()
    return auth_client.get(f"/api/dreams/{response.json()['id']}").json()


def test_private_videos_are_only_served_to_their_owner(
    auth_client, client_for, api_client, ready_dream
):
    assert client_for().get(ready_dream["video_url"]).status_code == 404
    assert api_client.get(ready_dream["video_url"]).status_code == 404
    assert api_client.get(ready_dream["thumbnail_url"]).status_code == 404


def test_gallery_videos_are_served_to_anyone(auth_client, api_client, ready_dream):
    auth_client.patch(f"/api/dreams/{ready_dream['id']}", {"is_public": True}, format="json")
    Dream.objects.filter(pk=ready_dream["id"]).update(moderation_status="approved")

    assert api_client.get(ready_dream["video_url"]).status_code == 200
    gallery = api_client.get("/api/dreams/public/gallery").json()
    assert [d["id"] for d in gallery["results"]] == [ready_dream["id"]]
