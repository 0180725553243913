"""Tests for the demo provider: the contract, idempotent renders, files and their cleanup."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np
import pytest

from videos.demo_renderer import prompt_seed
from videos.media import probe_video
from videos.providers import demo, get_provider
from videos.providers.base import GenerationRequest, ProviderError, TaskState, VideoProvider
from videos.providers.demo import DemoProvider
from videos.sources import VideoSource

FPS = 24


def frames_digest(path: Path, picks: Sequence[int] = (0, 11, 23, 47)) -> str:
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    digest = hashlib.sha256()
    for i in picks:
        digest.update(frames[i].tobytes())
    return digest.hexdigest()


# --- DemoProvider --------------------------------------------------------------------------


def request(**overrides: object) -> GenerationRequest:
    fields: dict = {
        "prompt": "I floated above a silver lake under two moons",
        "duration": 2,
        "ratio": "1280:720",
        "emotions": ("calm",),
        "keywords": ("lake", "moon"),
    }
    fields.update(overrides)
    return GenerationRequest(**fields)


@pytest.fixture
def provider(tmp_path: Path) -> DemoProvider:
    return DemoProvider(workdir=tmp_path / "renders", max_width=192)


def test_submit_renders_and_status_reports_the_file(provider: DemoProvider) -> None:
    result = provider.submit(request(), idempotency_key="job-7-a1")
    assert result.task_id == "demo-job-7-a1"
    status = provider.status(result.task_id)
    assert status.state is TaskState.SUCCEEDED
    assert status.progress == 1.0
    assert status.output_url is None
    assert status.output_file == provider.workdir / "demo-job-7-a1.mp4"
    probe = probe_video(status.output_file)
    assert (probe.width, probe.height) == (192, 108)
    assert probe.duration == pytest.approx(2.0, abs=1 / FPS)
    # Only the finished file is left behind: no temporary renders.
    assert sorted(p.name for p in provider.workdir.iterdir()) == ["demo-job-7-a1.mp4"]


def test_submit_is_idempotent(provider: DemoProvider) -> None:
    first = provider.submit(request(), idempotency_key="k1")
    path = provider.status(first.task_id).output_file
    assert path is not None
    before = path.stat()
    second = provider.submit(request(), idempotency_key="k1")
    assert second.task_id == first.task_id
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_portrait_ratio_gives_a_portrait_video(provider: DemoProvider) -> None:
    task = provider.submit(request(ratio="720:1280"), idempotency_key="tall")
    path = provider.status(task.task_id).output_file
    assert path is not None
    probe = probe_video(path)
    assert (probe.width, probe.height) == (108, 192)


def test_seed_defaults_to_one_derived_from_the_prompt(tmp_path: Path) -> None:
    one = DemoProvider(workdir=tmp_path / "one", max_width=128)
    two = DemoProvider(workdir=tmp_path / "two", max_width=128)

    def output(p: DemoProvider, key: str, prompt: str) -> Path:
        path = p.status(p.submit(request(prompt=prompt), idempotency_key=key).task_id).output_file
        assert path is not None
        return path

    same_a = frames_digest(output(one, "a", "a dream of trains"), picks=(0, 30))
    same_b = frames_digest(output(two, "b", "a dream of trains"), picks=(0, 30))
    other = frames_digest(output(two, "c", "a dream of whales"), picks=(0, 30))
    assert same_a == same_b
    assert same_a != other


def test_an_explicit_seed_is_used(provider: DemoProvider) -> None:
    a = provider.status(provider.submit(request(seed=1), idempotency_key="s1").task_id)
    b = provider.status(provider.submit(request(seed=2), idempotency_key="s2").task_id)
    assert a.output_file and b.output_file
    assert frames_digest(a.output_file, picks=(0,)) != frames_digest(b.output_file, picks=(0,))


def test_status_of_an_unknown_task_is_failed(provider: DemoProvider) -> None:
    for task_id in ("demo-never", "demo-../../etc/passwd", "runway-123", ""):
        status = provider.status(task_id)
        assert status.state is TaskState.FAILED
        assert status.error_code == "internal_error"
        assert status.error_message
        assert status.output_file is None


def test_cancel_and_cleanup_delete_the_file(provider: DemoProvider) -> None:
    for key, remove in (("c1", provider.cancel), ("c2", provider.cleanup)):
        task_id = provider.submit(request(), idempotency_key=key).task_id
        path = provider.workdir / f"{task_id}.mp4"
        assert path.exists()
        remove(task_id)
        assert not path.exists()
        assert provider.status(task_id).state is TaskState.FAILED
        remove(task_id)  # a second call is harmless


@pytest.mark.parametrize(
    "key", ["../escape", "a/b", "", ".hidden", "x" * 201, "sp ace", "line\n", "..", "a\x00"]
)
def test_unsafe_idempotency_keys_are_refused(provider: DemoProvider, key: str) -> None:
    with pytest.raises(ProviderError) as caught:
        provider.submit(request(), idempotency_key=key)
    assert caught.value.code == "internal_error"
    assert not caught.value.retryable
    assert not provider.workdir.exists() or not any(provider.workdir.iterdir())


@pytest.mark.parametrize("bad", [{"ratio": "wide"}, {"duration": 0}])
def test_invalid_requests_raise_invalid_input(provider: DemoProvider, bad: dict) -> None:
    with pytest.raises(ProviderError) as caught:
        provider.submit(request(**bad), idempotency_key="bad")
    assert caught.value.code == "invalid_input"
    assert not caught.value.retryable
    assert provider.status("demo-bad").state is TaskState.FAILED


def test_a_failed_render_leaves_no_file_behind(
    provider: DemoProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    def dies_half_way(path: Path, **kwargs: object) -> None:
        path.write_bytes(b"\x00\x00\x00\x18ftypisom half a video")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(demo, "render_dream_video", dies_half_way)
    with pytest.raises(ProviderError) as caught:
        provider.submit(request(), idempotency_key="full-disk")
    assert caught.value.code == "internal_error"
    assert caught.value.retryable
    assert list(provider.workdir.iterdir()) == []
    assert provider.status("demo-full-disk").state is TaskState.FAILED


def test_the_renderer_gets_every_hint_of_the_request(
    provider: DemoProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict = {}

    def spy(path: Path, **kwargs: object) -> None:
        seen.update(kwargs)
        path.write_bytes(b"video")

    monkeypatch.setattr(demo, "render_dream_video", spy)
    hinted = request(
        title="The Glass Lighthouse",
        symbols=("glass lighthouse", "the sea"),
        mood="serene",
        audio=False,
    )
    provider.submit(hinted, idempotency_key="hints")
    assert seen["title"] == "The Glass Lighthouse"
    assert seen["symbols"] == ("glass lighthouse", "the sea")
    assert seen["mood"] == "serene"
    assert seen["emotions"] == ("calm",)
    assert seen["keywords"] == ("lake", "moon")
    assert seen["text"] == hinted.prompt
    assert seen["audio"] is False
    assert seen["seed"] == prompt_seed(hinted.prompt)
    assert (seen["width"], seen["height"], seen["duration"]) == (192, 108, 2)


def test_the_video_has_an_ambient_track_unless_asked_not_to(provider: DemoProvider) -> None:
    loud = provider.status(provider.submit(request(), idempotency_key="loud").task_id)
    quiet = provider.status(provider.submit(request(audio=False), idempotency_key="quiet").task_id)
    assert loud.output_file and quiet.output_file
    with av.open(str(loud.output_file)) as container:
        assert sorted(s.type for s in container.streams) == ["audio", "video"]
        assert container.streams.audio[0].codec_context.name == "aac"
        assert sum(f.samples for f in container.decode(audio=0)) > 0
    with av.open(str(quiet.output_file)) as container:
        assert [s.type for s in container.streams] == ["video"]
    for path in (loud.output_file, quiet.output_file):
        assert probe_video(path).codec == "h264"


def test_the_dreams_symbols_show_in_the_video(provider: DemoProvider) -> None:
    def picture(key: str, symbols: tuple[str, ...]) -> np.ndarray:
        task = provider.submit(request(symbols=symbols, audio=False), idempotency_key=key)
        path = provider.status(task.task_id).output_file
        assert path is not None
        with av.open(str(path)) as container:
            return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)][40]

    sea = picture("sea", ("lighthouse", "the sea"))
    hall = picture("hall", ("endless hallway",))
    assert np.abs(sea.astype(int) - hall.astype(int)).mean() > 12


def test_provider_has_the_contract_name() -> None:
    assert DemoProvider.name == "demo"
    assert DemoProvider.name is VideoSource.DEMO
    assert issubclass(DemoProvider, VideoProvider)


# --- policy --------------------------------------------------------------------------------


def test_output_is_ready_at_once(provider: DemoProvider) -> None:
    assert provider.poll_delay() == 0
    task_id = provider.submit(request(), idempotency_key="now").task_id
    # No wait needed: the very next status call has the file.
    assert provider.status(task_id).state is TaskState.SUCCEEDED


def test_tasks_are_local(provider: DemoProvider) -> None:
    assert DemoProvider.remote is False
    assert provider.remote is False


@pytest.mark.parametrize(
    "error",
    [
        ProviderError("internal_error", "could not write demo video", retryable=True),
        ProviderError("provider_unavailable", "connection failed", retryable=True),
        ProviderError("invalid_input", "bad ratio"),
    ],
)
def test_nobody_takes_over_from_the_demo(provider: DemoProvider, error: ProviderError) -> None:
    assert provider.fallback_for(error) is None


def test_cleanup_frees_the_render_and_leaves_other_tasks(provider: DemoProvider) -> None:
    kept = provider.submit(request(), idempotency_key="kept").task_id
    freed = provider.submit(request(), idempotency_key="freed").task_id
    provider.cleanup(freed)
    assert sorted(p.name for p in provider.workdir.iterdir()) == [f"{kept}.mp4"]
    provider.cleanup("demo-never-rendered")  # an unknown task is no error
    provider.cleanup("../escape")


def test_the_seed_defaults_to_the_prompts_seed(tmp_path: Path) -> None:
    implicit = DemoProvider(workdir=tmp_path / "a", max_width=128)
    explicit = DemoProvider(workdir=tmp_path / "b", max_width=128)
    prompt = "a dream of trains"
    a = implicit.status(implicit.submit(request(prompt=prompt), idempotency_key="k").task_id)
    # The prompt also says what to draw (a train), so both requests carry it.
    seeded = request(prompt=prompt, seed=prompt_seed(prompt))
    b = explicit.status(explicit.submit(seeded, idempotency_key="k").task_id)
    other = explicit.status(
        explicit.submit(
            request(prompt=prompt, seed=prompt_seed(prompt) + 1), idempotency_key="o"
        ).task_id
    )
    assert a.output_file and b.output_file and other.output_file
    picks = (0, 30)
    assert frames_digest(a.output_file, picks) == frames_digest(b.output_file, picks)
    assert frames_digest(a.output_file, picks) != frames_digest(other.output_file, picks)


def test_the_abstract_contract_cannot_be_instantiated() -> None:
    with pytest.raises(TypeError):
        VideoProvider()  # type: ignore[abstract]

    class NoPolicy(VideoProvider):
        name = VideoSource.DEMO

        def submit(self, request, *, idempotency_key):
            raise NotImplementedError

        def status(self, task_id):
            raise NotImplementedError

        def cancel(self, task_id):
            raise NotImplementedError

    # poll_delay has no default: every provider must say how long to wait.
    with pytest.raises(TypeError, match="poll_delay"):
        NoPolicy()  # type: ignore[abstract]


# --- get_provider --------------------------------------------------------------------------


def test_get_provider_builds_the_demo_from_settings(settings, tmp_path: Path) -> None:
    settings.VIDEO_DEMO_WORKDIR = tmp_path / "one"
    settings.VIDEO_DEMO_MAX_WIDTH = 128
    first = get_provider("demo")
    assert isinstance(first, DemoProvider)
    assert (first.workdir, first.max_width) == (tmp_path / "one", 128)
    assert get_provider(VideoSource.DEMO) is first  # built once per settings
    settings.VIDEO_DEMO_WORKDIR = tmp_path / "two"
    assert get_provider("demo").workdir == tmp_path / "two"


def test_get_provider_refuses_unknown_names() -> None:
    for name in ("upload", "url", "nope"):
        with pytest.raises(ValueError):
            get_provider(name)
