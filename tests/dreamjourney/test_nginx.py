"""deploy/nginx.conf for real: Debian's nginx on loopback in front of gunicorn, with
``VIDEO_SENDFILE=x-accel-redirect``. Django decides who may see a video and answers with
an empty X-Accel-Redirect response; nginx streams the bytes, ranges included."""

from __future__ import annotations

import getpass
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.conf import settings

from tests.support.factories import DreamFactory, UserFactory
from tests.support.processes import (
    ROOT,
    answers,
    database_url_for_tests,
    free_port,
    stop_process_group,
    wait_for,
)
from tests.videos.renditions.clips import write_clip
from videos.assets import video_asset_create_from_file
from videos.models import RenditionKind
from videos.renditions.services import video_renditions_make
from videos.sources import VideoSource

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)
PREFIX = "/protected-media/"
TIMEOUT = 15


def _nginx_conf(*, run_dir: Path, listen: int, upstream: int) -> str:
    """deploy/nginx.conf with every placeholder filled in for this test."""
    values = {
        "USER": getpass.getuser(),
        "RUN_DIR": str(run_dir),
        "LISTEN": f"127.0.0.1:{listen}",
        "UPSTREAM": f"127.0.0.1:{upstream}",
        "STATIC_ROOT": str(Path(settings.STATIC_ROOT)),
        "MEDIA_ROOT": str(Path(settings.MEDIA_ROOT)),
        "SENDFILE_PREFIX": PREFIX,
        "MAX_BODY": "501m",
    }
    lines = [
        line
        for line in (ROOT / "deploy" / "nginx.conf").read_text().splitlines()
        if not line.lstrip().startswith("#")
    ]
    text = re.sub(r"@([A-Z_]+)@", lambda m: values[m.group(1)], "\n".join(lines))
    assert "@" not in text  # every placeholder known
    return text


@pytest.fixture
def front(tmp_path, settings):
    """gunicorn (X-Accel-Redirect on) behind nginx, both on loopback; stopped after."""
    if NGINX is None:
        pytest.skip("Debian's nginx is not installed (make test installs nginx-light)")
    settings.VIDEO_RENDITIONS = True
    app_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "DATABASE_URL": database_url_for_tests(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMERGENCY_JOURNAL_PATH": str(tmp_path / "emergency.sqlite3"),
        "EMERGENCY_AUTO_REPLAY": "false",
        "VIDEO_SENDFILE": "x-accel-redirect",
        "VIDEO_SENDFILE_PREFIX": PREFIX,
    }
    run_dir = tmp_path / "nginx"
    run_dir.mkdir()
    conf = run_dir / "nginx.conf"
    conf.write_text(_nginx_conf(run_dir=run_dir, listen=web_port, upstream=app_port))
    app_log = tmp_path / "gunicorn-access.log"
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "dreamjourney.wsgi:application",
            "--bind",
            f"127.0.0.1:{app_port}",
            "--workers",
            "1",
            "--access-logfile",
            str(app_log),
            # What Django sent: status, body bytes, and the file it handed to nginx.
            "--access-logformat",
            '"%(r)s" %(s)s body=%(B)s accel=%({x-accel-redirect}o)s',
        ],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "gunicorn.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    nginx = None
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{app_port}/healthz"), timeout=60)
        nginx = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(run_dir), "-g", "daemon off;"],
            stdout=(run_dir / "stdout.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: answers(f"http://127.0.0.1:{web_port}/healthz"), timeout=30)
        yield {"url": f"http://127.0.0.1:{web_port}", "app_log": app_log, "run_dir": run_dir}
    finally:
        stop_process_group(nginx, sig=15)
        stop_process_group(gunicorn)


def test_nginx_streams_videos_django_allowed(front, tmp_path):
    # Given a public dream whose video has a web rendition, and someone's private dream
    asset = video_asset_create_from_file(
        path=write_clip(tmp_path / "clip.mp4", audio=True, seconds=2),
        source_kind=VideoSource.UPLOAD,
    )
    asset = video_renditions_make(asset=asset)
    web = asset.renditions.get(kind=RenditionKind.WEB)
    with web.file.open("rb") as fh:
        data = fh.read()
    public = DreamFactory(in_gallery=True, video_asset=asset)
    private = DreamFactory(owner=UserFactory(), with_video=True, video_asset=asset)
    url = f"{front['url']}/media/dreams/{public.pk}/video.mp4"

    # When a visitor's player asks for a range, then for the whole video
    ranged = requests.get(url, headers={"Range": "bytes=100-1099"}, timeout=TIMEOUT)
    whole = requests.get(url, timeout=TIMEOUT)
    refused = requests.get(f"{front['url']}/media/dreams/{private.pk}/video.mp4", timeout=TIMEOUT)
    direct = requests.get(f"{front['url']}{PREFIX}{web.file.name}", timeout=TIMEOUT)

    # Then the range is exact, the whole file is the rendition, the private one is refused
    assert ranged.status_code == 206, ranged.text[:300]
    assert ranged.headers["Content-Range"] == f"bytes 100-1099/{len(data)}"
    assert ranged.content == data[100:1100]
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["Content-Type"] == "video/mp4"
    assert whole.headers["Cache-Control"] == "private, max-age=3600"
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    assert "X-Accel-Redirect" not in whole.headers  # nginx keeps the file's path to itself
    # and the gallery's preview loop and poster come the same way
    preview = asset.renditions.get(kind=RenditionKind.PREVIEW)
    with preview.file.open("rb") as fh:
        loop = requests.get(f"{front['url']}/media/dreams/{public.pk}/preview.mp4", timeout=TIMEOUT)
        assert loop.status_code == 200 and loop.content == fh.read()
    poster = requests.get(f"{front['url']}/media/dreams/{public.pk}/thumbnail.jpg", timeout=TIMEOUT)
    assert poster.status_code == 200 and poster.headers["Content-Type"] == "image/jpeg"
    assert refused.status_code == 404
    assert direct.status_code == 404  # the internal location is not reachable from outside

    # and the bytes came from nginx: Django sent empty bodies naming the file
    handed = f"accel={PREFIX}{web.file.name}"
    lines = wait_for(
        lambda: (
            [
                line
                for line in front["app_log"].read_text().splitlines()
                if f"/media/dreams/{public.pk}/video.mp4" in line
            ]
            if len(front["app_log"].read_text().splitlines()) >= 5
            else None
        ),
        timeout=10,
    )
    assert len(lines) == 2 and all("body=0" in line and handed in line for line in lines), lines
    nginx_log = (front["run_dir"] / "access.log").read_text()
    assert f'accel="{PREFIX}{web.file.name}"' in nginx_log
    assert f" 206 {1000} " in nginx_log and f" 200 {len(data)} " in nginx_log
