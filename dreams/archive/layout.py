"""The journal archive's format, version 1: every name and shape export and import share.

::

    manifest.json             {format, version, exported_at, dream_count, video_count}
    dreams/<id>.json          a dream as the API shows it to its owner, without URLs (they
                              point at one site), plus ``video``: {file, thumbnail, sha256,
                              bytes} or null
    dreams/<id>.md            the same dream, readable anywhere
    videos/<sha256>.mp4       each video once, however many dreams show it (stored, not
                              deflated: video is compressed already)
    thumbnails/<sha256>.jpg   its poster frame

The manifest comes last (it counts what was written). Import reads only the manifest, the
dreams' JSON and the videos they name: Markdown and thumbnails are for people (a stored
video's thumbnail is made again from the video itself).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from dreams.api.serializers import DreamInputSerializer, DreamSerializer
from dreams.models import RATING_MAX, AbstractDream, AnalysisStatus

FORMAT = "dreamjourney-journal"
VERSION = 1
MANIFEST = "manifest.json"

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_SHA256 = r"[0-9a-f]{64}"
#: The folders a re-zipped archive may list as members of their own.
FOLDERS = frozenset({"dreams/", "videos/", "thumbnails/"})

#: Bounds of the small members, whose every byte import reads: a dream's JSON holds at
#: most 20,000 characters of text and 16 KB of analysis, even with every one escaped.
MANIFEST_MAX_BYTES = 64 * 1024
DREAM_MAX_BYTES = 512 * 1024
THUMBNAIL_MAX_BYTES = 8 * 1024 * 1024  # what the sandbox may write for one (videos.sandbox)

#: Timestamps an archive may carry: from the Unix epoch to a day ahead of our clock.
EARLIEST_TIMESTAMP = datetime(1970, 1, 1, tzinfo=UTC)
TIMESTAMP_MAX_AHEAD = timedelta(days=1)


class Member(StrEnum):
    """What one name in an archive is."""

    MANIFEST = "manifest"
    DREAM = "dream"
    MARKDOWN = "markdown"
    VIDEO = "video"
    THUMBNAIL = "thumbnail"
    FOLDER = "folder"


_PATTERNS = (
    (Member.DREAM, re.compile(rf"dreams/({_UUID})\.json")),
    (Member.MARKDOWN, re.compile(rf"dreams/({_UUID})\.md")),
    (Member.VIDEO, re.compile(rf"videos/({_SHA256})\.mp4")),
    (Member.THUMBNAIL, re.compile(rf"thumbnails/({_SHA256})\.jpg")),
)


def member_of(name: str) -> tuple[Member, str] | None:
    """What ``name`` is and its key (a dream's id, a video's sha256); ``None``: not ours."""
    if name == MANIFEST:
        return Member.MANIFEST, ""
    if name in FOLDERS:
        return Member.FOLDER, ""
    for kind, pattern in _PATTERNS:
        if match := pattern.fullmatch(name):
            return kind, match.group(1)
    return None


def member_max_bytes(kind: Member) -> int:
    """The most bytes a member of ``kind`` may hold once unpacked."""
    return {
        Member.MANIFEST: MANIFEST_MAX_BYTES,
        Member.DREAM: DREAM_MAX_BYTES,
        Member.MARKDOWN: DREAM_MAX_BYTES,
        Member.VIDEO: settings.VIDEO_MAX_BYTES,
        Member.THUMBNAIL: THUMBNAIL_MAX_BYTES,
        Member.FOLDER: 0,
    }[kind]


def dream_json_name(dream_id: Any) -> str:
    return f"dreams/{dream_id}.json"


def dream_markdown_name(dream_id: Any) -> str:
    return f"dreams/{dream_id}.md"


def video_name(sha256: str) -> str:
    return f"videos/{sha256}.mp4"


def thumbnail_name(sha256: str) -> str:
    return f"thumbnails/{sha256}.jpg"


def manifest(*, exported_at: datetime, dream_count: int, video_count: int) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": exported_at.isoformat(),
        "dream_count": dream_count,
        "video_count": video_count,
    }


def manifest_problem(data: Any) -> str | None:
    """Why ``data`` is not a manifest this version can read; ``None`` when it is."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return "manifest.json does not describe a DreamJourney journal."
    version, count = data.get("version"), data.get("dream_count")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        return "manifest.json has no valid version."
    if version > VERSION:
        return (
            f"This archive is format version {version}; this DreamJourney reads up to "
            f"version {VERSION}. Import it into a newer DreamJourney."
        )
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        return "manifest.json has no valid dream_count."
    return None


# --- A dream's JSON ---------------------------------------------------------------------------


class ArchivedDreamSerializer(DreamSerializer):
    """A dream as its owner sees it in the API, with its video's files in the archive.

    URLs are left out: they name one site, and the video travels as a file.
    """

    video_url = None
    thumbnail_url = None
    storage = None
    video_credentials = None  # the video file carries its own C2PA manifest
    video = serializers.SerializerMethodField()

    def _owns(self, dream: AbstractDream) -> bool:
        return True  # an export is its owner's own journal: tags and reflection included

    def get_video(self, dream: AbstractDream) -> dict[str, Any] | None:
        asset = dream.video_asset if dream.video_asset_id else None
        if asset is None:
            return None
        return {
            "file": video_name(asset.sha256),
            "thumbnail": thumbnail_name(asset.sha256) if asset.thumbnail else None,
            "sha256": asset.sha256,
            "bytes": asset.bytes,
        }


def _check_timestamp(value: datetime) -> datetime:
    if value < EARLIEST_TIMESTAMP:
        raise serializers.ValidationError("Must be in 1970 or later.")
    if value > timezone.now() + TIMESTAMP_MAX_AHEAD:
        raise serializers.ValidationError("Cannot be more than a day ahead.")
    return value


class ArchivedVideoSerializer(serializers.Serializer):
    file = serializers.RegexField(rf"^videos/{_SHA256}\.mp4\Z")
    sha256 = serializers.RegexField(rf"^{_SHA256}\Z")

    def validate(self, attrs: dict) -> dict:
        if attrs["file"] != video_name(attrs["sha256"]):
            raise serializers.ValidationError("Its file is not named after its sha256.")
        return attrs


class ArchivedDreamInputSerializer(DreamInputSerializer):
    """A dream read back from an archive: the API's checks for a new dream, plus its id,
    timestamps, whose reading its analysis is, and the video file it shows.

    Nothing else in the file is read: not its owner, moderation or video state, nor URLs.
    """

    video_url = None
    thumbnail_url = None
    id = serializers.UUIDField()
    created_at = serializers.DateTimeField(validators=[_check_timestamp])
    updated_at = serializers.DateTimeField(required=False, validators=[_check_timestamp])
    analysis_status = serializers.ChoiceField(choices=AnalysisStatus.choices, required=False)
    video = ArchivedVideoSerializer(required=False, allow_null=True)

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        # No task reads an imported dream: a reading "on its way" stays the local one.
        if attrs.get("analysis_status", AnalysisStatus.LOCAL) == AnalysisStatus.PENDING:
            attrs["analysis_status"] = AnalysisStatus.LOCAL
        updated = attrs.get("updated_at")
        attrs["updated_at"] = max(updated or attrs["created_at"], attrs["created_at"])
        attrs.setdefault("dreamt_on", timezone.localdate(attrs["created_at"]))
        return attrs


# --- A dream's Markdown ----------------------------------------------------------------------

_FLAGS = (("lucid", "Lucid"), ("nightmare", "Nightmare"), ("recurring", "Recurring"))
_RATINGS = (("clarity", "Clarity"), ("sleep_quality", "Sleep quality"))


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def _strings(value: Any) -> list[str]:
    return [_one_line(v) for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _day(value: Any) -> str:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day:%A} {day.day} {day:%B %Y}"


def dream_markdown(data: Mapping[str, Any]) -> str:
    """The dream's JSON (``ArchivedDreamSerializer``'s) as a page a person can read."""
    analysis = data.get("analysis") if isinstance(data.get("analysis"), dict) else {}
    facts = [f"Dreamt on {_day(data.get('dreamt_on'))}"]
    if flags := [label for key, label in _FLAGS if data.get(key)]:
        facts.append(" · ".join(flags))
    for key, label in _RATINGS:
        if isinstance(data.get(key), int):
            facts.append(f"{label}: {data[key]}/{RATING_MAX}")
    for key, label in (("emotions", "Emotions"), ("keywords", "Keywords")):
        if items := _strings(analysis.get(key)):
            facts.append(f"{label}: {', '.join(items)}")
    if isinstance(analysis.get("mood"), str) and analysis["mood"].strip():
        facts.append(f"Mood: {_one_line(analysis['mood'])}")
    if tags := _strings(data.get("tags")):
        facts.append("Tags: " + " ".join(f"#{tag}" for tag in tags))
    facts.append("Shared in the public gallery" if data.get("is_public") else "Private")
    video = data.get("video")
    if isinstance(video, dict) and isinstance(video.get("file"), str):
        facts.append(f"Video: [{video['file']}](../{video['file']})")
    lines = [f"# {_one_line(data.get('title', ''))}", "", *(f"- {fact}" for fact in facts), ""]
    lines += [str(data.get("content", "")).strip(), ""]
    if isinstance(analysis.get("reflection"), str) and analysis["reflection"].strip():
        lines += ["## Reflection", "", analysis["reflection"].strip(), ""]
    lines += ["---", "", f"Written {data.get('created_at', '')}", ""]
    return "\n".join(lines)
