"""An ambient track for the video, synthesised in numpy: a soft pad on the mood's chord and
a texture for the place (surf, rain, wind, fire, a clock's tick, a heartbeat).

Everything is seeded by the request, so the same dream gives the same samples. The
result is float32 stereo in -1..1, exactly ``duration`` seconds long.
"""

from __future__ import annotations

import math

import numpy as np

from videos.demo_renderer.scene import Plan

__all__ = ["SAMPLE_RATE", "ambient_track"]

SAMPLE_RATE = 32_000  # plenty for a soft pad; AAC at 32 kHz costs two thirds of 48
_PEAK = 0.5  # -6 dBFS: a background, not a soundtrack


def ambient_track(
    plan: Plan, *, duration: float, seed: int, sample_rate: int = SAMPLE_RATE
) -> np.ndarray:
    """The ``(2, duration * sample_rate)`` float32 samples for ``plan``."""
    n = round(duration * sample_rate)
    rng = np.random.default_rng([int(seed) % 2**64, 0xA0D10])
    t = np.arange(n, dtype=np.float32) / np.float32(sample_rate)
    mood = plan.mood
    out = np.zeros((2, n), np.float32)
    out += _pad(plan, t, rng, sample_rate)
    texture = _texture(plan, t, n, sample_rate, rng)
    out += texture
    if mood.name == "joyful" or mood.name == "surprised" or mood.name == "wondrous":
        out += _chimes(plan, t, sample_rate, rng, every=0.5 if mood.name == "joyful" else 1.1)
    elif mood.name in ("serene", "loving", "neutral"):
        out += _chimes(plan, t, sample_rate, rng, every=1.8, level=0.5)
    if mood.name in ("tense", "angry"):
        out += _heartbeat(t, sample_rate, bpm=76 if mood.name == "tense" else 92)
    # Fade in and out so the loop never clicks.
    fade_in = np.clip(t / 0.4, 0, 1)
    fade_out = np.clip((duration - t) / 0.7, 0, 1)
    out *= (fade_in * fade_out) ** 1.5
    peak = float(np.max(np.abs(out))) or 1.0
    return (out * (_PEAK / peak)).astype(np.float32)


_TABLE_SIZE = 4096


def _wavetable(brightness: float) -> np.ndarray:
    """One period of the pad's voice: a sine with a little of its 2nd and 3rd harmonics."""
    x = np.arange(_TABLE_SIZE, dtype=np.float64) / _TABLE_SIZE * 2 * math.pi
    table = (
        np.sin(x) + 0.3 * brightness * np.sin(2 * x + 0.4) + 0.12 * brightness * np.sin(3 * x + 1.1)
    )
    return table.astype(np.float32)


_FIXED = 16  # fractional bits of the table index


def _voice(
    table: np.ndarray, freq: float, ticks: np.ndarray, phase: float, sample_rate: int
) -> np.ndarray:
    """The wavetable played at ``freq`` over sample numbers ``ticks`` (fixed-point phase)."""
    step = round(freq * _TABLE_SIZE * (1 << _FIXED) / sample_rate)
    offset = round(phase * _TABLE_SIZE * (1 << _FIXED))
    index = ((ticks * step + offset) >> _FIXED) & (_TABLE_SIZE - 1)
    return table[index]


def _pad(plan: Plan, t: np.ndarray, rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    mood = plan.mood
    duration = float(t[-1]) if len(t) else 0.0
    root = mood.root
    table = _wavetable(mood.brightness)
    # Two chords: the mood's, then a neighbour (up a fourth in major moods, down a major
    # third in minor ones), crossfaded over the middle of the clip.
    second_shift = 5 if mood.chord[1] == 4 else -4
    fade = np.clip((t - duration * 0.45) / max(0.5, duration * 0.2), 0, 1).astype(np.float32)
    n = len(t)
    out = np.zeros((2, n), np.float32)
    ticks = np.arange(n, dtype=np.int64)
    # Where each chord sounds at all: the first until the crossfade ends, the second after
    # it starts.
    spans = (
        (0, int(np.searchsorted(fade, 1.0)) + 1),
        (int(np.searchsorted(fade, 1e-6)), n),
    )
    for chord_index, weight in ((0, 1 - fade), (1, fade)):
        shift = 0 if chord_index == 0 else second_shift
        lo, hi = spans[chord_index]
        hi = min(hi, n)
        for k, semitone in enumerate(mood.chord[:4]):
            freq = root * 2 ** ((semitone + shift) / 12) * (2 if k >= 2 else 1)
            phases = rng.uniform(0, 1, 2)
            lfo_phase = rng.uniform(0, 6.28)
            if hi <= lo:
                continue
            lfo = 1 + 0.3 * np.sin(2 * math.pi * mood.pulse * (1 + 0.2 * k) * t[lo:hi] + lfo_phase)
            gain = (lfo * weight[lo:hi] * (0.9 / (1 + 0.35 * k))).astype(np.float32)
            for ch, detune in enumerate((0.9985, 1.0015)):
                out[ch, lo:hi] += (
                    _voice(table, freq * detune, ticks[lo:hi], phases[ch], sample_rate) * gain
                )
    # A slow swell.
    out *= (0.75 + 0.25 * np.sin(2 * math.pi * 0.09 * t - 1.2)).astype(np.float32)
    return out * 0.12


def _add_events(out: np.ndarray, times: np.ndarray, kernel: np.ndarray, gains: np.ndarray) -> None:
    """Add ``kernel`` (1-D, or 2-D per channel) at each sample index in ``times``."""
    n = out.shape[-1]
    for start, gain in zip(times.tolist(), gains.tolist(), strict=True):
        start = int(start)
        if start >= n:
            continue
        seg = min(kernel.shape[-1], n - start)
        out[..., start : start + seg] += kernel[..., :seg] * gain


def _shaped_noise(
    n: int, sample_rate: int, rng: np.random.Generator, low: float, high: float
) -> np.ndarray:
    """Noise between ``low`` and ``high`` Hz, with soft edges (shaped in the frequency domain)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / sample_rate)
    # Fourth-order edges: surf rumbles instead of hissing.
    shape = 1 / (1 + (low / np.maximum(freqs, 1e-3)) ** 4) / (1 + (freqs / high) ** 4)
    noise = np.fft.irfft(spectrum * shape, n)
    return (noise / (np.std(noise) or 1.0)).astype(np.float32)


def _texture(
    plan: Plan, t: np.ndarray, n: int, sample_rate: int, rng: np.random.Generator
) -> np.ndarray:
    out = np.zeros((2, n), np.float32)
    motifs = set(plan.motifs)
    if n == 0:
        return out
    if plan.setting == "sea":
        surf = _shaped_noise(n, sample_rate, rng, 80, 900)
        start = rng.uniform(0, 6.28)
        for ch in range(2):
            swell = np.clip(np.sin(2 * math.pi * t / 5.5 + ch * 0.7 + start), 0, 1) ** 2
            out[ch] += np.roll(surf, ch * 7919) * (0.02 + 0.09 * swell)
    named_rain = plan.swarm is not None and plan.swarm.motif == "rain"
    if named_rain or (plan.swarm is None and plan.mood.swarm == "drizzle"):
        level = 0.07 if plan.swarm is not None else 0.03
        hiss = _shaped_noise(n, sample_rate, rng, 1500, 7000) * level
        out += np.stack([hiss, np.roll(hiss, 5003)])
    if "fire" in motifs or plan.mood.swarm == "embers":
        count = int(n / sample_rate * 14)
        kernel = np.exp(-np.arange(80) / 12.0)
        _add_events(out, rng.integers(0, n, count), kernel, rng.uniform(-0.25, 0.25, count))
        out += _shaped_noise(n, sample_rate, rng, 40, 300)[None, :] * 0.03
    if plan.setting in ("land", "garden", "road") or plan.flight:
        wind = _shaped_noise(n, sample_rate, rng, 150, 900 if not plan.flight else 2000)
        gust = 0.5 + 0.5 * np.sin(2 * math.pi * 0.13 * t + rng.uniform(0, 6.28))
        level = 0.05 if plan.flight else 0.02
        out += np.stack([wind * gust, np.roll(wind, 911) * gust]) * level
    if plan.setting == "classroom" or "clock" in motifs:
        period = sample_rate // 2 if plan.mood.pace < 1.3 else sample_rate // 3
        ticks = np.arange(int(rng.integers(0, period)), n, period)
        k = np.arange(int(sample_rate * 0.006))
        click = np.sin(2 * math.pi * 2600 * k / sample_rate) * np.exp(-k / (sample_rate * 0.0008))
        _add_events(out, ticks, click, np.where(np.arange(len(ticks)) % 2 == 0, 0.12, 0.08))
    if plan.setting == "hallway":
        drone = np.sin(2 * math.pi * 55 * t) * (0.6 + 0.4 * np.sin(2 * math.pi * 0.3 * t))
        out += drone[None, :] * 0.05
    if plan.setting == "road" or "car" in motifs or "train" in motifs:
        hum = np.sin(2 * math.pi * 48 * t + 0.3 * np.sin(2 * math.pi * 0.5 * t))
        out += hum[None, :] * 0.03
    if "bird" in motifs:
        out += _chirps(t, sample_rate, rng)
    return out


def _chimes(
    plan: Plan,
    t: np.ndarray,
    sample_rate: int,
    rng: np.random.Generator,
    every: float,
    level: float = 1.0,
) -> np.ndarray:
    """Soft bell notes on the chord's tones, now and then."""
    n = len(t)
    out = np.zeros((2, n), np.float32)
    mood = plan.mood
    duration = n / sample_rate
    notes = [mood.root * 4 * 2 ** (s / 12) for s in mood.chord]
    length = int(sample_rate * 1.6)
    env = np.exp(-np.arange(length) / (sample_rate * 0.35))
    start = 0.6
    when = start
    while when < duration - 0.4:
        freq = notes[int(rng.integers(len(notes)))]
        i0 = int(when * sample_rate)
        seg = min(length, n - i0)
        k = np.arange(seg) / sample_rate
        tone = (
            np.sin(2 * math.pi * freq * k) + 0.25 * np.sin(2 * math.pi * freq * 2.01 * k)
        ) * env[:seg]
        pan = rng.uniform(0.25, 0.75)
        out[0, i0 : i0 + seg] += tone * (1 - pan) * 0.05 * level
        out[1, i0 : i0 + seg] += tone * pan * 0.05 * level
        when += every * rng.uniform(0.7, 1.3)
    return out


def _heartbeat(t: np.ndarray, sample_rate: int, bpm: float) -> np.ndarray:
    n = len(t)
    out = np.zeros((1, n), np.float32)
    period = int(sample_rate * 60 / bpm)
    k = np.arange(int(sample_rate * 0.18)) / sample_rate
    thump = np.sin(2 * math.pi * 52 * k) * np.exp(-k / 0.05)
    beats = np.arange(0, n, period)
    _add_events(out, beats, thump, np.full(len(beats), 0.18))
    second = beats + int(sample_rate * 0.28)
    _add_events(out, second, thump, np.full(len(second), 0.11))
    return out


def _chirps(t: np.ndarray, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    n = len(t)
    out = np.zeros((2, n), np.float32)
    duration = n / sample_rate
    when = rng.uniform(0.3, 1.0)
    while when < duration - 0.3:
        length = int(sample_rate * 0.09)
        i0 = int(when * sample_rate)
        seg = min(length, n - i0)
        k = np.arange(seg) / sample_rate
        f0 = rng.uniform(2800, 4200)
        sweep = np.sin(2 * math.pi * (f0 * k + 9000 * k * k)) * np.sin(
            np.pi * k / (length / sample_rate)
        )
        ch = int(rng.integers(2))
        out[ch, i0 : i0 + seg] += sweep * 0.04
        when += rng.uniform(0.25, 0.9)
    return out
