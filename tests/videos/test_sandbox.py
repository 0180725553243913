"""videos.sandbox: probe and thumbnail in one limited child process, answers as our codes.

Real files and real child processes. The 16000x16000 bomb and the memory limit are in
``tests/hostile/test_decompression_bomb.py``.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
import time
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from tests.hostile.crafted_videos import encoded_clip, png_mov
from tests.support.mp4s import make_mp4
from tests.support.processes import wait_for
from videos import errors
from videos.assets import video_asset_create_from_file, video_asset_create_from_url
from videos.ingest import IngestError
from videos.media import MediaLimits, probe_video
from videos.models import VideoAsset
from videos.sandbox import (
    Inspection,
    InspectionRefused,
    SandboxLimits,
    _child_env,
    inspect_video,
    limits_from_settings,
)
from videos.sources import VideoSource

GARBAGE = b"\x89PNG but not really " * 8


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s of 160x120 H.264, as our demo renderer writes it."""
    return make_mp4(tmp_path_factory.mktemp("sandbox") / "clip.mp4", width=160, height=120)


def jpeg_size(data: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image.size


def refusal(path: Path, limits: SandboxLimits | None = None) -> InspectionRefused:
    with pytest.raises(InspectionRefused) as caught:
        inspect_video(path, limits)
    return caught.value


def test_one_child_probes_and_thumbnails(clip: Path) -> None:
    inspection = inspect_video(clip)
    assert isinstance(inspection, Inspection)
    probe, thumbnail = inspection  # unpacks as a pair
    assert probe == probe_video(clip)  # the same answer as in process
    assert jpeg_size(thumbnail) == (160, 120)  # never scaled up


def test_the_thumbnail_width_is_a_limit(clip: Path) -> None:
    assert jpeg_size(inspect_video(clip, SandboxLimits(thumbnail_width=80)).thumbnail) == (80, 60)


def test_over_the_pixel_cap_is_too_large(tmp_path: Path) -> None:
    path = png_mov(tmp_path / "big.mov", width=4000, height=2200, payload=GARBAGE)
    refused = refusal(path)
    assert refused.code == errors.TOO_LARGE
    assert "4000x2200" in refused.detail


def test_over_the_duration_cap_is_too_large(tmp_path: Path) -> None:
    path = encoded_clip(tmp_path / "three.mp4", frames=72)  # 3 s
    limits = SandboxLimits(media=MediaLimits(max_duration_seconds=2))
    assert refusal(path, limits).code == errors.TOO_LARGE


@pytest.mark.parametrize(
    "make",
    [
        lambda d: encoded_clip(d / "m.mov", codec="mjpeg", fmt="mov", pix_fmt="yuvj420p"),
        lambda d: encoded_clip(d / "fast.mp4", fps=240, frames=24),
        lambda d: encoded_clip(d / "crowded.mp4", audio_streams=8),
        lambda d: png_mov(d / "garbage.mov", width=64, height=48, payload=GARBAGE),
    ],
    ids=["codec", "fps", "streams", "png"],
)
def test_what_we_do_not_serve_is_not_a_video(tmp_path: Path, make) -> None:
    assert refusal(make(tmp_path)).code == errors.NOT_A_VIDEO


def test_an_html_page_is_not_a_video(tmp_path: Path) -> None:
    page = tmp_path / "video.mp4"
    page.write_text("<!DOCTYPE html><html><body>403</body></html>")
    assert refusal(page).code == errors.NOT_A_VIDEO


def test_a_missing_file_raises_before_any_child(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        inspect_video(tmp_path / "nope.mp4")


@pytest.fixture(scope="module")
def slow_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1.5 s of 1280x720 noise: its thumbnail takes a few hundred milliseconds to decode."""
    path = tmp_path_factory.mktemp("sandbox") / "noise.mp4"
    rng = np.random.default_rng(0)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for index in range(36):
            pixels = rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def test_a_child_over_its_time_limit_is_killed_and_reported(slow_clip: Path) -> None:
    # 50 ms is far less than decoding the thumbnail takes: the child is killed mid-way.
    started = time.monotonic()
    refused = refusal(slow_clip, SandboxLimits(seconds=0.05))
    assert time.monotonic() - started < 2
    assert refused.code == errors.TOO_LARGE
    assert "took over" in refused.detail


def test_the_child_gets_none_of_our_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://user:secret@db/app")
    monkeypatch.setenv("RUNWAYML_API_SECRET", "key_secret")
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "dreamjourney.settings")
    env = _child_env()
    assert not {"DATABASE_URL", "RUNWAYML_API_SECRET", "DJANGO_SETTINGS_MODULE"} & set(env)
    assert env["MALLOC_ARENA_MAX"] == "2"


@pytest.mark.parametrize(
    "kwargs", [{"memory_mb": 128}, {"seconds": 0}, {"thumbnail_width": 0}], ids=str
)
def test_sandbox_limits_are_checked(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        SandboxLimits(**kwargs)


def test_limits_come_from_settings(settings) -> None:
    settings.VIDEO_MAX_PIXELS = 1920 * 1080
    settings.VIDEO_MAX_FPS = 60.0
    settings.VIDEO_MAX_DURATION_SECONDS = 30.0
    settings.VIDEO_MAX_STREAMS = 2
    settings.VIDEO_ALLOWED_CODECS = ["h264", "VP9"]
    settings.VIDEO_PROBE_MEMORY_MB = 768
    settings.VIDEO_PROBE_SECONDS = 10.0
    assert limits_from_settings() == SandboxLimits(
        media=MediaLimits(
            max_pixels=1920 * 1080,
            max_fps=60.0,
            max_duration_seconds=30.0,
            max_streams=2,
            allowed_codecs=frozenset({"h264", "vp9"}),
        ),
        memory_mb=768,
        seconds=10.0,
    )


# --- assets: every stored video goes through the sandbox ---------------------------------------


@pytest.mark.django_db
def test_an_asset_is_probed_and_thumbnailed_by_the_sandbox(clip: Path) -> None:
    asset = video_asset_create_from_file(path=clip, source_kind=VideoSource.UPLOAD)
    assert (asset.width, asset.height, asset.codec) == (160, 120, "h264")
    assert asset.duration == pytest.approx(2.0, abs=1 / 24)
    with asset.thumbnail.open("rb") as fh:
        assert jpeg_size(fh.read()) == (160, 120)


@pytest.mark.django_db
def test_the_settings_reach_the_sandbox(clip: Path, settings) -> None:
    settings.VIDEO_MAX_PIXELS = 100 * 100
    with pytest.raises(IngestError) as caught:
        video_asset_create_from_file(path=clip, source_kind=VideoSource.UPLOAD)
    assert caught.value.code == errors.TOO_LARGE
    assert caught.value.message == errors.message_for(errors.TOO_LARGE)
    assert not VideoAsset.objects.exists()


@pytest.mark.django_db
def test_a_download_is_stored_with_the_thumbnail_its_inspection_made(files, video_bytes) -> None:
    asset = video_asset_create_from_url(url=files.url_for("/dream.mp4"), source_kind="url")
    assert asset.bytes == len(video_bytes)
    with asset.thumbnail.open("rb") as fh:
        assert jpeg_size(fh.read()) == (64, 48)


@pytest.mark.django_db
def test_a_refused_download_stores_nothing(files, tmp_path: Path) -> None:
    big = png_mov(tmp_path / "big.mov", width=4000, height=2200, payload=GARBAGE)
    files.expect_request("/big.mov").respond_with_data(big.read_bytes(), content_type="video/mp4")
    with pytest.raises(IngestError) as caught:
        video_asset_create_from_url(url=files.url_for("/big.mov"), source_kind="url")
    assert caught.value.code == errors.TOO_LARGE
    assert not VideoAsset.objects.exists()


# --- the warm sandbox servers ---------------------------------------------------------------


def sandbox_servers() -> list[int]:
    """Pids of this process's live sandbox servers (``python -m videos.sandbox_server``)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(stat[1]) == os.getpid() and b"videos.sandbox_server" in command:
            pids.append(int(entry.name))
    return pids


linux_only = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")


@linux_only
def test_one_warm_server_serves_inspection_after_inspection(clip: Path) -> None:
    inspect_video(clip)
    servers = sandbox_servers()

    for _ in range(3):
        assert inspect_video(clip).probe.width == 160

    assert sandbox_servers() == servers  # the same process, not one per video


@linux_only
def test_the_server_holds_none_of_our_secrets(clip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://user:secret@db/app")
    kill_servers()  # the next inspection starts one under the environment above
    inspect_video(clip)
    (server,) = sandbox_servers()
    environ = Path(f"/proc/{server}/environ").read_bytes()
    assert b"DATABASE_URL" not in environ and b"secret" not in environ


@linux_only
def test_a_server_that_died_is_replaced(clip: Path) -> None:
    inspect_video(clip)
    kill_servers()

    assert inspect_video(clip).probe.width == 160
    assert len(sandbox_servers()) == 1


def test_threads_inspect_at_once(clip: Path, tmp_path: Path) -> None:
    big = encoded_clip(tmp_path / "big.mp4", width=320, height=240)
    results: dict[int, Inspection | BaseException] = {}

    def inspect(n: int) -> None:
        try:
            results[n] = inspect_video(big if n % 2 else clip)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            results[n] = exc

    threads = [threading.Thread(target=inspect, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    widths = sorted(getattr(r, "probe", r).width for r in results.values())
    assert widths == [160, 160, 160, 320, 320, 320]


def kill_servers() -> None:
    """SIGKILL this process's sandbox servers and wait until they have ended.

    Ended means a zombie (or reaped): a dying process lets go of its memory, which empties
    its ``cmdline``, before it closes its files, and a request written in between would
    reach a server's pipe that is still open, as if it died during the inspection.
    """
    killed = sandbox_servers()
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: all(_ended(pid) for pid in killed), timeout=10, interval=0.01)


def _ended(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


def test_a_rendition_child_runs_niced_below_everything_else(monkeypatch):
    # In-process: what _render does before it encodes (the child is a fork of this code).
    from videos import sandbox_server

    calls: list[tuple[str, object]] = []
    monkeypatch.setattr(sandbox_server.os, "nice", lambda n: calls.append(("nice", n)))
    monkeypatch.setattr(sandbox_server, "_limit_self", lambda *a: calls.append(("limit", a)))
    monkeypatch.setattr(sandbox_server, "render_request", lambda request: {"ok": True})
    monkeypatch.setattr(sandbox_server, "_answer", lambda payload: 0)

    request = {"limits": {"memory_mb": 100, "seconds": 5}, "max_output_bytes": 1000}
    assert sandbox_server._render(request) == 0
    assert (
        calls[0] == ("nice", sandbox_server.RENDER_NICENESS) and sandbox_server.RENDER_NICENESS > 0
    )
    assert calls[1][0] == "limit"
