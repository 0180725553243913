"""The same flows on S3-compatible object storage: a real S3 server (moto) on loopback."""

from __future__ import annotations

import boto3
import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer

from tests.support.mp4s import make_mp4
from videos.models import VideoAsset

pytestmark = pytest.mark.django_db

BUCKET = "dreamjourney-test"


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(settings, s3_server):
    """Point default storage at a fresh private bucket on the loopback S3 server."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
            },
        },
    }
    yield client
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for obj in listed:
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_generated_video_is_stored_in_s3_and_served_by_presigned_redirect(
    s3, s3_server, auth_client, committed, run_jobs
):
    with committed():
        body = auth_client.post(
            "/api/dreams/with-video",
            {"title": "Clouds", "content": "I walked on soft clouds.", "video_duration": 2},
            format="json",
        ).json()
    run_jobs()

    dream = auth_client.get(f"/api/dreams/{body['dream']['id']}").json()
    asset = VideoAsset.objects.get()
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert asset.file.name in keys and asset.thumbnail.name in keys

    redirect = auth_client.get(dream["video_url"])
    assert redirect.status_code == 302
    presigned = redirect["Location"]
    assert presigned.startswith(s3_server) and "Signature" in presigned
    video = requests.get(presigned, timeout=10)
    assert video.status_code == 200 and len(video.content) == asset.bytes
    ranged = requests.get(presigned, headers={"Range": "bytes=0-99"}, timeout=10)
    assert ranged.status_code == 206 and ranged.content == video.content[:100]
    # Objects are private: without a signature S3 refuses.
    assert requests.get(f"{s3_server}/{BUCKET}/{asset.file.name}", timeout=10).status_code == 403
    # And our redirect is only given to the owner.
    assert auth_client.__class__().get(dream["video_url"]).status_code == 404


def test_uploads_to_s3_are_deduplicated(s3, auth_client, committed, run_jobs, tmp_path):
    video = make_mp4(tmp_path / "clip.mp4").read_bytes()
    for title in ("One", "Two"):
        dream = auth_client.post(
            "/api/dreams", {"title": title, "content": "Same clip."}, format="json"
        ).json()
        with committed():
            response = auth_client.post(
                "/api/ai/store-video",
                {"dream_id": dream["id"], "file": SimpleUploadedFile("c.mp4", video)},
                format="multipart",
            )
        assert response.status_code == 202
        run_jobs()

    videos = [
        o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"] if o["Key"].endswith(".mp4")
    ]
    assert len(videos) == 1 and VideoAsset.objects.count() == 1
