"""Build the text prompt a text-to-video model receives for one dream.

An analysis that already carries a ``video_prompt`` (written by a language model) is
used as it is, cleaned and cut to the limit. Otherwise the prompt is the dream itself
with its mood and symbols: "Cinematic dreamlike scene: <title — content>. Mood:
<mood word, emotions>. Motifs: <symbols>. <style>", the style (light and camera) taken
from the analysis' valence and arousal when it has them.

Video APIs limit prompts in UTF-16 code units (JavaScript string length), not
Python characters, so every length here is measured that way: an emoji outside
the Basic Multilingual Plane counts 2. The builder accepts anything users type
(20,000 characters, emoji, CJK, right-to-left scripts, control characters) and
whatever partial analysis is stored, and always returns a non-empty prompt
within :data:`PROMPT_LIMIT`. :func:`styled_prompt` adds a style preset's phrase
(``videos.catalog.styles``) to any prompt, within the same limit.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping

from videos.catalog.styles import style_by_id

PROMPT_LIMIT = 1000
ELLIPSIS = "…"

_PREFIX = "Cinematic dreamlike scene: "
_STYLE = "Soft light, slow camera drift, surreal atmosphere, film grain."
_STYLE_TAIL = "surreal atmosphere, film grain."
# Light by valence, camera by arousal (see _style).
_DARK_LIGHT = "Cold, shadowy light"
_NEUTRAL_LIGHT = "Soft light"
_WARM_LIGHT = "Warm, glowing light"
_SLOW_CAMERA, _GLIDING_CAMERA, _RESTLESS_CAMERA = (
    "slow camera drift",
    "gliding camera",
    "restless handheld camera, quick cuts",
)
_FALLBACK_SCENE = "a drifting, half-remembered dream world"

_MAX_TITLE_UNITS = 150
_MAX_MOODS = 5
_MAX_MOOD_UNITS = 30
_MAX_MOTIFS = 8
_MAX_MOTIF_UNITS = 50
# The dream itself is the point of the prompt: motifs and moods are dropped
# before the scene gets less than this.
_MIN_SCENE_UNITS = 200
# Only the opening of the content can reach the prompt; cleaning more than this
# would only cost time on pathological input.
_MAX_INPUT_CHARS = 100_000

# C0/C1 controls (tabs and newlines included) become spaces so words stay apart.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Invisible format characters are removed: bidi overrides/isolates and marks,
# zero-width space, BOM, soft hyphen, interlinear annotations, lone surrogates,
# and Unicode tag characters (which can smuggle hidden text into a model prompt).
# ZWJ/ZWNJ (U+200D/U+200C) stay: emoji sequences and some scripts need them.
_INVISIBLE_RE = re.compile(
    r"[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    r"\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f]"
)

_ZWJ = "\u200d"
# Punctuation that reads badly right before an ellipsis or a full stop.
_DANGLING = " \t,;:-–—/\\|(["


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units.

    Characters outside the BMP (most emoji) count 2, everything else 1; a lone
    surrogate in a malformed string counts 1, as it would in JavaScript.
    """
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _is_regional_indicator(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


def _extends_previous(ch: str) -> bool:
    """True when ``ch`` belongs to the grapheme of the character before it."""
    code = ord(ch)
    if ch == _ZWJ or 0xDC00 <= code <= 0xDFFF:  # joiner, or low half of a pair
        return True
    if 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:  # skin tones, tags
        return True
    if 0x1160 <= code <= 0x11FF:  # Hangul medial vowels / final consonants
        return True
    # Combining marks, enclosing keycaps and variation selectors (all Mn/Mc/Me).
    return unicodedata.category(ch) in ("Mn", "Mc", "Me")


def _grapheme_boundary(text: str, index: int) -> int:
    """Move ``index`` back until cutting ``text`` there splits no grapheme.

    Approximates UAX #29 for the cases that matter in prompts: surrogate pairs,
    combining marks, ZWJ emoji sequences, skin-tone modifiers and flag pairs.
    """
    while 0 < index < len(text):
        if _extends_previous(text[index]) or text[index - 1] == _ZWJ:
            index -= 1
            continue
        if 0xD800 <= ord(text[index - 1]) <= 0xDBFF:  # high half of a pair
            index -= 1
            continue
        if _is_regional_indicator(text[index]):
            run = 0
            while run < index and _is_regional_indicator(text[index - 1 - run]):
                run += 1
            if run % 2:  # the flag before the cut is missing its second half
                index -= 1
                continue
        break
    return index


def truncate_utf16(text: str, limit: int) -> str:
    """Return ``text`` unchanged if it fits in ``limit`` UTF-16 units, else a cut copy.

    A cut copy ends in "…" and, ellipsis included, is at most ``limit`` units.
    It ends at a word boundary when one lies in the second half of the room
    (otherwise, as in CJK text, between characters), and never inside a
    surrogate pair, a combining sequence, a ZWJ emoji sequence or a flag.
    Returns "" for ``limit`` <= 0.
    """
    if limit <= 0:
        return ""
    if utf16_len(text) <= limit:
        return text
    budget = limit - utf16_len(ELLIPSIS)
    # First character that no longer fits (the text is known to overflow).
    used = 0
    first_out = len(text)
    for position, ch in enumerate(text):
        used += _units(ch)
        if used > budget:
            first_out = position
            break
    cut = _grapheme_boundary(text, first_out)
    if cut < len(text) and not text[cut].isspace():
        # Mid-word: back up to the last space unless that would waste over half the room.
        for position in range(cut - 1, cut // 2, -1):
            if text[position].isspace():
                cut = position
                break
    return text[:cut].rstrip(_DANGLING) + ELLIPSIS


def _clean(text: object) -> str:
    """Return ``text`` as one line: no control or invisible characters, single spaces."""
    if not isinstance(text, str):
        return ""
    text = _CONTROL_RE.sub(" ", text[:_MAX_INPUT_CHARS])
    text = _INVISIBLE_RE.sub("", text)
    # str.split() also splits on Unicode spaces (NBSP, U+3000, U+2028...).
    return " ".join(text.split())


def _has_substance(text: str) -> bool:
    """True if ``text`` has anything besides punctuation and spaces."""
    return any(not unicodedata.category(ch).startswith(("P", "Z")) for ch in text)


def _string_list(value: object, *, limit: int, max_units: int) -> list[str]:
    """Clean, dedupe (case-insensitively) and cap a list of labels from stored analysis."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return []
    items: list[str] = []
    seen: set[str] = set()
    for raw in value[: limit * 4]:
        item = truncate_utf16(_clean(raw).strip(", "), max_units)
        if not item or not _has_substance(item) or item.casefold() in seen:
            continue
        seen.add(item.casefold())
        items.append(item)
        if len(items) == limit:
            break
    return items


def _number(value: object, low: float, high: float) -> float | None:
    """``value`` as a float within [low, high], or None if it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return min(high, max(low, number)) if math.isfinite(number) else None


def _style(analysis: Mapping[str, object]) -> str:
    """Light and camera for the dream's valence and arousal; the default without them."""
    valence = _number(analysis.get("valence"), -1.0, 1.0)
    arousal = _number(analysis.get("arousal"), 0.0, 1.0)
    if valence is None and arousal is None:
        return _STYLE
    light = _NEUTRAL_LIGHT
    if valence is not None and valence <= -0.25:
        light = _DARK_LIGHT
    elif valence is not None and valence >= 0.25:
        light = _WARM_LIGHT
    camera = _SLOW_CAMERA
    if arousal is not None and arousal >= 0.6:
        camera = _RESTLESS_CAMERA
    elif arousal is not None and arousal >= 0.4:
        camera = _GLIDING_CAMERA
    return f"{light}, {camera}, {_STYLE_TAIL}"


def _symbol_names(analysis: Mapping[str, object]) -> list[object]:
    """The analysis' symbol names (``symbols: [{"name", "family"}]``), else its keywords."""
    symbols = analysis.get("symbols")
    if isinstance(symbols, (list, tuple)):
        names = [s.get("name") for s in symbols if isinstance(s, Mapping)]
        if any(isinstance(n, str) and n.strip() for n in names):
            return names
    keywords = analysis.get("keywords")
    if isinstance(keywords, str):
        return [keywords]
    return list(keywords) if isinstance(keywords, (list, tuple)) else []


def _model_prompt(analysis: Mapping[str, object]) -> str:
    """A prompt a language model wrote into the analysis, cleaned and cut; "" if none."""
    prompt = _clean(analysis.get("video_prompt"))
    return truncate_utf16(prompt, PROMPT_LIMIT) if _has_substance(prompt) else ""


def _moods(analysis: Mapping[str, object]) -> list[str]:
    mood = analysis.get("mood")
    emotions = analysis.get("emotions")
    labels: list[object] = [mood] if isinstance(mood, str) else []
    if isinstance(emotions, (list, tuple)):
        labels.extend(emotions)
    elif isinstance(emotions, str):
        labels.append(emotions)
    # "neutral" only means nothing was detected; it would flatten the video.
    labels = [x for x in labels if not (isinstance(x, str) and x.strip().lower() == "neutral")]
    return _string_list(labels, limit=_MAX_MOODS, max_units=_MAX_MOOD_UNITS)


def _scene(title: str, content: str) -> str:
    """Title and content as one line, the title first unless the content repeats it."""
    title = truncate_utf16(title, _MAX_TITLE_UNITS).rstrip(" .,;:-–—")
    if not _has_substance(title):
        title = ""
    if not _has_substance(content):
        content = ""
    if title and content and not content.casefold().startswith(title.casefold()):
        return f"{title} — {content}"
    return content or title or _FALLBACK_SCENE


def build_video_prompt(*, title: str, content: str, analysis: dict | None) -> str:
    """Return a cinematic text-to-video prompt for a dream.

    A non-empty ``analysis["video_prompt"]`` (a language model's) wins, cleaned and cut
    to the limit. Otherwise: "Cinematic dreamlike scene: <title — content>. Mood: <mood,
    emotions>. Motifs: <symbols, else keywords>. <style>", the style following the
    analysis' valence and arousal. The result is never empty (an unusable dream falls
    back to its title, then to a generic dream scene), is a single line with no control
    characters, and is at most :data:`PROMPT_LIMIT` UTF-16 units. ``analysis`` may be
    None or partial; missing or mistyped keys are ignored.
    """
    data: Mapping[str, object] = analysis if isinstance(analysis, Mapping) else {}
    written = _model_prompt(data)
    if written:
        return written
    moods = _moods(data)
    motifs = _string_list(_symbol_names(data), limit=_MAX_MOTIFS, max_units=_MAX_MOTIF_UNITS)
    scene = _scene(_clean(title), _clean(content))
    style = _style(data)

    def tail() -> str:
        parts = []
        if moods:
            parts.append(f"Mood: {', '.join(moods)}.")
        if motifs:
            parts.append(f"Motifs: {', '.join(motifs)}.")
        parts.append(style)
        return " ".join(parts)

    # Room for the scene, its closing ". " included.
    def scene_room() -> int:
        return PROMPT_LIMIT - utf16_len(_PREFIX) - utf16_len(tail()) - 2

    # Least important first: the last motifs, then the last moods.
    while scene_room() < _MIN_SCENE_UNITS and (motifs or moods):
        (motifs or moods).pop()
    scene = truncate_utf16(scene, max(scene_room(), 1)).rstrip(_DANGLING + ".")
    if not scene:
        scene = truncate_utf16(_FALLBACK_SCENE, max(scene_room(), 1))
    closing = " " if scene[-1] in "…!?。！？" else ". "
    prompt = f"{_PREFIX}{scene}{closing}{tail()}"
    # Belt and braces: the arithmetic above already keeps within the limit.
    return truncate_utf16(prompt, PROMPT_LIMIT)


def styled_prompt(prompt: str, style: str) -> str:
    """``prompt`` with the style preset's phrase after it, within :data:`PROMPT_LIMIT`.

    The phrase always fits whole: the prompt is cut (as :func:`truncate_utf16` cuts)
    to make room. An unknown style or the default ("none", "") leaves the prompt as it
    is; so does a prompt that already ends with the phrase (styling twice is styling
    once).
    """
    preset = style_by_id(style)
    if preset is None or not preset.phrase or prompt.rstrip().endswith(preset.phrase):
        return prompt
    room = PROMPT_LIMIT - utf16_len(preset.phrase) - 1  # one space between
    base = truncate_utf16(prompt.strip(), room)
    return f"{base} {preset.phrase}" if base else preset.phrase
