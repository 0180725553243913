"""Tests for the demo renderer: real MP4s decoded with PyAV, and frames straight from it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np
import pytest

from videos.catalog import ALL_RATIOS as RATIOS
from videos.catalog import MAX_SEED
from videos.demo_renderer import (
    dream_audio,
    dream_frames,
    dream_plan,
    dream_stills,
    prompt_seed,
    ratio_to_size,
    render_dream_video,
)
from videos.demo_renderer.audio import SAMPLE_RATE
from videos.demo_renderer.palette import MOODS
from videos.demo_renderer.scene import Scene
from videos.media import probe_video

FPS = 24
W, H = 256, 144  # the test settings render at 256 px wide

LIGHTHOUSE = {
    "title": "The Glass Lighthouse",
    "symbols": ("glass lighthouse", "the sea"),
    "mood": "serene",
    "emotions": ("calm",),
    "keywords": ("lighthouse", "light"),
}
HALLWAY = {
    "title": "Chased Through an Endless Hallway",
    "symbols": ("endless hallway", "doors"),
    "mood": "tense",
    "emotions": ("fear",),
    "keywords": ("hallway", "running"),
}


def render(path: Path, **overrides: object) -> Path:
    fields: dict = {
        "duration": 2,
        "width": 160,
        "height": 90,
        "seed": 42,
        "emotions": ("calm",),
        "keywords": ("lake", "moon"),
    }
    fields.update(overrides)
    render_dream_video(path, **fields)
    return path


def decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def frames_digest(path: Path, picks: Sequence[int] = (0, 11, 23, 47)) -> str:
    frames = decoded(path)
    digest = hashlib.sha256()
    for i in picks:
        digest.update(frames[i].tobytes())
    return digest.hexdigest()


def stills(at: Sequence[float], **overrides: object) -> list[np.ndarray]:
    fields: dict = {"duration": 6, "width": W, "height": H, "seed": 7}
    fields.update(overrides)
    return dream_stills(at=at, **fields)


def top_level_boxes(path: Path) -> list[str]:
    data = path.read_bytes()
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        if size == 1:
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        elif size == 0:
            size = len(data) - offset
        assert size >= 8
        boxes.append(data[offset + 4 : offset + 8].decode("latin-1"))
        offset += size
    return boxes


def luma(frame: np.ndarray) -> np.ndarray:
    return frame.astype(np.float32) @ np.array([0.2126, 0.7152, 0.0722], np.float32)


def moving_blocks(a: np.ndarray, b: np.ndarray, block: int = 16, level: float = 4.0) -> float:
    """The share of 16 px blocks whose edges changed: shapes that moved, not a colour drift."""

    def edges(frame: np.ndarray) -> np.ndarray:
        y = luma(frame)
        return np.abs(np.diff(y, axis=1))[:-1, :] + np.abs(np.diff(y, axis=0))[:, :-1]

    d = np.abs(edges(a) - edges(b))
    h, w = d.shape[0] - d.shape[0] % block, d.shape[1] - d.shape[1] % block
    blocks = d[:h, :w].reshape(h // block, block, w // block, block).mean(axis=(1, 3))
    return float((blocks > level).mean())


# --- ratio_to_size -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "size"),
    [
        ("1280:720", (640, 360)),
        ("720:1280", (360, 640)),
        ("960:960", (640, 640)),
        ("1104:832", (640, 482)),
        ("832:1104", (482, 640)),
        ("1584:672", (640, 272)),
    ],
)
def test_ratio_to_size_keeps_the_aspect_within_max_width(ratio: str, size: tuple[int, int]) -> None:
    assert ratio_to_size(ratio) == size
    width, height = size
    w, h = (int(n) for n in ratio.split(":"))
    assert width / height == pytest.approx(w / h, rel=0.01)


def test_ratio_to_size_honours_max_width_and_never_scales_up() -> None:
    assert ratio_to_size("1280:720", max_width=256) == (256, 144)
    assert ratio_to_size("1280:720", max_width=1280) == (1280, 720)
    assert ratio_to_size("320:240", max_width=640) == (320, 240)


@pytest.mark.parametrize("max_width", [255, 641, 333])
def test_ratio_to_size_is_always_even_and_within_bounds(max_width: int) -> None:
    for ratio in RATIOS:
        width, height = ratio_to_size(ratio, max_width=max_width)
        assert width % 2 == 0 and height % 2 == 0
        assert max(width, height) <= max_width


@pytest.mark.parametrize(
    "ratio", ["", "1280x720", "1280:", ":720", "0:720", "1280:0", "-1280:720", "a:b", "16:9:1"]
)
def test_ratio_to_size_rejects_malformed_ratios(ratio: str) -> None:
    with pytest.raises(ValueError):
        ratio_to_size(ratio)


@pytest.mark.parametrize("ratio", RATIOS)
def test_every_ratio_renders_a_full_picture(ratio: str) -> None:
    width, height = ratio_to_size(ratio, max_width=128)
    (frame,) = stills([3.0], width=width, height=height, **LIGHTHOUSE)
    assert frame.shape == (height, width, 3)
    assert frame.reshape(-1, 3).std(axis=0).max() > 10  # a picture, not a flat colour


# --- the file ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A render as the app makes it, at the test size: 3 s with its sound track."""
    path = tmp_path_factory.mktemp("render") / "sample.mp4"
    return render(path, duration=3, width=W, height=H, **LIGHTHOUSE)


def test_render_is_h264_yuv420p_of_the_exact_duration_and_size(sample: Path) -> None:
    with av.open(str(sample)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.codec_context.width, stream.codec_context.height) == (W, H)
        duration = float(stream.duration * stream.time_base)
        count = sum(1 for _ in container.decode(stream))
    assert duration == pytest.approx(3.0, abs=1 / FPS)
    assert count == 3 * FPS
    probe = probe_video(sample)
    assert (probe.width, probe.height, probe.codec) == (W, H, "h264")
    assert probe.duration == pytest.approx(3.0, abs=1 / FPS)


def test_render_has_an_aac_track_that_decodes_to_sound(sample: Path) -> None:
    with av.open(str(sample)) as container:
        assert len(container.streams) == 2
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "aac"
        assert stream.codec_context.sample_rate == SAMPLE_RATE
        assert stream.codec_context.channels == 2
        samples = np.concatenate([f.to_ndarray() for f in container.decode(stream)], axis=1)
    assert samples.shape[0] == 2
    # As long as the video (AAC pads its last frame).
    assert samples.shape[1] / SAMPLE_RATE == pytest.approx(3.0, abs=0.1)
    assert np.isfinite(samples).all()
    rms = float(np.sqrt(np.mean(samples**2)))
    assert 0.02 < rms < 0.5  # audible, not clipping
    assert np.abs(samples).max() <= 1.0


def test_render_passes_the_apps_sandboxed_inspection(sample: Path) -> None:
    from videos.sandbox import Inspection, inspect_video

    inspection = inspect_video(sample)
    assert isinstance(inspection, Inspection)
    assert inspection.probe.codec == "h264"


def test_render_is_faststart(sample: Path) -> None:
    boxes = top_level_boxes(sample)
    assert boxes.index("moov") < boxes.index("mdat")


def test_audio_can_be_left_out(tmp_path: Path) -> None:
    path = render(tmp_path / "silent.mp4", audio=False)
    with av.open(str(path)) as container:
        assert [s.type for s in container.streams] == ["video"]
    probe_video(path)


def test_the_same_request_gives_the_same_file_bytes(tmp_path: Path) -> None:
    first = render(tmp_path / "a.mp4", **HALLWAY)
    second = render(tmp_path / "b.mp4", **HALLWAY)
    assert first.read_bytes() == second.read_bytes()


def test_another_process_renders_the_same_bytes(tmp_path: Path) -> None:
    # Python salts str hashes per process: any set or dict order leaking into the picture
    # would show here.
    here = render(tmp_path / "here.mp4", **HALLWAY)
    code = (
        "import sys; from pathlib import Path; "
        "from videos.demo_renderer import render_dream_video; "
        f"render_dream_video(Path(sys.argv[1]), duration=2, width=160, height=90, seed=42, "
        f"keywords={HALLWAY['keywords']!r}, emotions={HALLWAY['emotions']!r}, "
        f"title={HALLWAY['title']!r}, symbols={HALLWAY['symbols']!r}, mood={HALLWAY['mood']!r})"
    )
    there = tmp_path / "there.mp4"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(there)], check=True, env=env)
    assert here.read_bytes() == there.read_bytes()


@pytest.mark.parametrize("duration", [2, 10])
def test_the_requested_duration_is_honoured(duration: int) -> None:
    frames = list(dream_frames(duration=duration, width=32, height=18, seed=1, mood="joyful"))
    assert len(frames) == duration * FPS
    assert dream_audio(duration=duration, seed=1).shape == (2, duration * SAMPLE_RATE)


# --- motion --------------------------------------------------------------------------------


@pytest.mark.parametrize("mood", sorted(MOODS))
@pytest.mark.parametrize("dream", ["lighthouse", "hallway", "nothing"])
def test_frames_a_second_apart_differ_clearly_in_every_mood(mood: str, dream: str) -> None:
    fields = {"lighthouse": LIGHTHOUSE, "hallway": HALLWAY, "nothing": {}}[dream]
    fields = {**fields, "mood": mood, "emotions": ()}
    for start in (1.5, 3.5):  # after the title card, and later on
        a, b = stills([start, start + 1.0], **fields)
        change = np.abs(a.astype(int) - b.astype(int))
        assert change.mean() > 1.5, (mood, dream, start)
        assert (change.max(axis=2) > 12).mean() > 0.05  # a good share of pixels changed...
        assert moving_blocks(a, b) > 0.1  # ...and shapes moved, not just colours


@pytest.mark.parametrize("mood", sorted(MOODS))
def test_the_camera_drifts_outdoors_in_every_mood(mood: str) -> None:
    plan = dream_plan(seed=3, symbols=("tree", "mountains"), mood=mood)
    scene = Scene(plan, width=W, height=H, duration=6, seed=3)
    drift = abs(scene.camera(3.0).x - scene.camera(2.0).x)
    assert drift > W * 0.02


def test_the_mood_sets_the_pace() -> None:
    def pan(mood: str) -> float:
        plan = dream_plan(seed=3, symbols=("tree",), mood=mood)
        return abs(Scene(plan, width=W, height=H, duration=6, seed=3).pan)

    assert pan("tense") > pan("neutral") > pan("serene")


def test_flying_moves_faster_than_standing() -> None:
    still = dream_plan(seed=3, symbols=("city",), mood="joyful")
    flying = dream_plan(seed=3, symbols=("city",), mood="joyful", text="I was flying")
    assert flying.flight and flying.hero is not None and flying.hero.motif == "figure"
    pan = [abs(Scene(p, width=W, height=H, duration=6, seed=3).pan) for p in (still, flying)]
    assert pan[1] > 2 * pan[0]


# --- the dream's own symbols ---------------------------------------------------------------


def test_symbols_choose_the_motifs() -> None:
    plan = dream_plan(seed=1, **LIGHTHOUSE)
    assert plan.setting == "sea"
    assert plan.hero is not None and plan.hero.motif == "lighthouse"
    assert plan.hero.glass  # "glass lighthouse"
    assert plan.mood.name == "serene"
    hallway = dream_plan(seed=1, **HALLWAY)
    assert hallway.setting == "hallway"
    assert "door" in hallway.motifs
    teeth = dream_plan(seed=1, symbols=("teeth", "classroom"), mood="uneasy")
    assert teeth.setting == "classroom"
    assert teeth.swarm is not None and teeth.swarm.motif == "tooth"
    city = dream_plan(seed=1, symbols=("city at night",), mood="joyful")
    assert "city" in city.motifs and city.night and city.mood.night
    assert city.celestial is not None and city.celestial.motif == "moon"


def test_words_fall_back_from_symbols_to_title_to_keywords_to_the_seed() -> None:
    assert dream_plan(seed=1, symbols=("a red door",)).hero.motif == "door"
    assert dream_plan(seed=1, symbols=("a red door",)).hero.tint == (214, 52, 48)
    assert dream_plan(seed=1, title="The Snake", keywords=("boat",)).hero.motif == "snake"
    assert dream_plan(seed=1, keywords=("boat", "moon")).hero.motif == "boat"
    assert dream_plan(seed=1, text="I saw a small cat near the bridge").hero.motif == "cat"
    chosen = {dream_plan(seed=s).hero.motif for s in range(40)}
    assert len(chosen) >= 4  # the seed picks among several
    assert dream_plan(seed=5).hero == dream_plan(seed=5).hero


def test_different_symbols_give_visibly_different_videos() -> None:
    base = {"mood": "neutral", "seed": 7}
    pictures = {
        name: stills([3.0], symbols=symbols, **base)[0]
        for name, symbols in (
            ("lighthouse", ("lighthouse", "sea")),
            ("hallway", ("hallway",)),
            ("city", ("city",)),
            ("garden", ("garden", "cat")),
        )
    }
    names = sorted(pictures)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            diff = np.abs(pictures[a].astype(int) - pictures[b].astype(int)).mean()
            assert diff > 12, (a, b, diff)


def test_every_motif_of_the_library_changes_the_picture() -> None:
    from videos.demo_renderer.symbols import MOTIF_WORDS

    assert len(MOTIF_WORDS) >= 24
    for name in (
        "moon", "sea", "house", "door", "stairs", "forest", "bird", "fish", "mountain", "fire",
        "rain", "road", "city", "eye", "key", "clock", "boat", "bridge", "flower", "snake",
        "lighthouse", "cat", "car", "tree",
    ):  # fmt: skip
        assert name in MOTIF_WORDS
    # A dream that names nothing gets a seed-chosen hero: two seeds, two different ones.
    baselines = {}
    for seed in range(2, 20):
        hero = dream_plan(seed=seed, mood="neutral").hero.motif
        baselines.setdefault(hero, seed)
        if len(baselines) == 2:
            break
    pictures = {
        s: stills([3.0], width=96, height=54, mood="neutral", seed=s)[0] for s in baselines.values()
    }
    for name, words in sorted(MOTIF_WORDS.items()):
        plan = dream_plan(seed=2, symbols=(words[0],), mood="neutral")
        assert name in plan.motifs, name
        seed = next(s for hero, s in baselines.items() if hero != name)
        baseline = pictures[seed]
        (frame,) = stills(
            [3.0], width=96, height=54, mood="neutral", seed=seed, symbols=(words[0],)
        )
        diff = np.abs(frame.astype(int) - baseline.astype(int)).mean()
        assert diff > 2, (name, diff)


def test_symbols_are_read_case_and_space_blind() -> None:
    a = stills([2.0], symbols=("Glass Lighthouse", " the sea "), mood="serene")[0]
    b = stills([2.0], symbols=("glass lighthouse", "the sea"), mood="serene")[0]
    assert np.array_equal(a, b)


# --- title, mood, determinism --------------------------------------------------------------


def test_the_title_opens_the_video_and_then_leaves() -> None:
    fields = {"symbols": ("tree",), "mood": "neutral"}
    titled = stills([0.8, 4.0], title="A Dream of Trees", **fields)
    plain = stills([0.8, 4.0], title="", **fields)
    centre = (slice(H // 4, 3 * H // 4), slice(W // 6, 5 * W // 6))
    assert np.abs(titled[0][centre].astype(int) - plain[0][centre].astype(int)).mean() > 4
    assert np.array_equal(titled[1], plain[1])  # gone by then


def test_moods_set_the_colours() -> None:
    def mean_colour(mood: str) -> np.ndarray:
        frames = stills([2.0, 4.0], symbols=("tree",), mood=mood)
        return np.mean([f.reshape(-1, 3).mean(axis=0) for f in frames], axis=0)

    joy, sad, anger = mean_colour("joyful"), mean_colour("melancholy"), mean_colour("angry")
    assert np.linalg.norm(joy - sad) > 25
    assert np.linalg.norm(anger - sad) > 25
    red, _, blue = anger
    assert red > blue + 40  # anger is warm
    red, _, blue = sad
    assert blue > red + 15  # sadness is blue


def test_mood_words_and_emotions_are_matched_loosely() -> None:
    assert dream_plan(seed=1, mood="Happy").mood.name == "joyful"
    assert dream_plan(seed=1, emotions=("joy",)).mood.name == "joyful"
    assert dream_plan(seed=1, mood="uneasy").mood.name == "uneasy"
    assert dream_plan(seed=1, mood="eerie").mood.name == "eerie"
    assert dream_plan(seed=1, mood="", emotions=("fear",)).mood.name == "tense"
    assert dream_plan(seed=1, mood="serene", emotions=("fear",)).mood.name == "serene"
    assert dream_plan(seed=1, mood="zzxq").mood.name == dream_plan(seed=1).mood.name == "neutral"


def test_raw_frames_are_deterministic() -> None:
    def digest() -> str:
        h = hashlib.sha256()
        for frame in dream_frames(
            duration=1,
            width=96,
            height=64,
            seed=9,
            emotions=["love"],
            keywords=["rose"],
            title="Roses",
        ):
            h.update(frame.tobytes())
        return h.hexdigest()

    assert digest() == digest()


def test_audio_is_deterministic_and_follows_the_mood() -> None:
    calm = dream_audio(duration=2, seed=4, mood="serene")
    assert np.array_equal(calm, dream_audio(duration=2, seed=4, mood="serene"))
    assert calm.dtype == np.float32 and np.abs(calm).max() <= 0.5 + 1e-6
    tense = dream_audio(duration=2, seed=4, mood="tense")
    assert not np.allclose(calm, tense)


def test_a_different_seed_gives_different_frames(tmp_path: Path) -> None:
    assert frames_digest(render(tmp_path / "a.mp4", seed=1, audio=False)) != frames_digest(
        render(tmp_path / "b.mp4", seed=2, audio=False)
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"duration": 0},
        {"duration": 2.5},
        {"width": 161},
        {"height": 0},
    ],
)
def test_render_rejects_bad_arguments_without_writing(tmp_path: Path, bad: dict) -> None:
    path = tmp_path / "bad.mp4"
    with pytest.raises(ValueError):
        render(path, **bad)
    assert not path.exists()


def test_odd_inputs_never_crash_the_plan() -> None:
    plan = dream_plan(
        seed=MAX_SEED,
        title="x" * 500,
        symbols=("", "   ", "of the at", "🦄 unicorn", "a" * 300),
        keywords=("",),
        mood="🙂",
        emotions=(None,),  # type: ignore[arg-type]
        text="\x00" * 50,
    )
    assert plan.setting


# --- prompt_seed ---------------------------------------------------------------------------


def test_prompt_seed_is_stable_and_in_range() -> None:
    seed = prompt_seed("a dream of trains")
    assert seed == prompt_seed("a dream of trains")
    assert seed != prompt_seed("a dream of whales")
    assert all(0 <= prompt_seed(p) <= MAX_SEED for p in ("", "x", "a dream of trains" * 50))


def test_prompt_seed_is_the_same_in_another_process() -> None:
    # hash() is salted per process; a seed from it would change the video on every worker.
    code = "from videos.demo_renderer import prompt_seed; print(prompt_seed('a dream of trains'))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert int(out) == prompt_seed("a dream of trains")


# --- independence --------------------------------------------------------------------------


def test_the_renderer_needs_neither_django_nor_the_providers() -> None:
    code = (
        "import sys, videos.demo_renderer; "
        "print(sorted(m for m in sys.modules if m.startswith(('django', 'videos.providers', "
        "'videos.jobs', 'videos.models'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
