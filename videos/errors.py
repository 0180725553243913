"""Our own error codes for video jobs, with the plain words users see.

Providers and ingest map whatever went wrong onto one of these codes, so the
API, the pages and the analytics speak one language.
"""

from __future__ import annotations

# Ingest (downloading a video into our storage).
URL_NOT_ALLOWED = "url_not_allowed"
TOO_LARGE = "too_large"
NOT_A_VIDEO = "not_a_video"
EXPIRED = "expired"
UNREACHABLE = "unreachable"

# Generation.
SAFETY_REJECTED = "safety_rejected"
INVALID_INPUT = "invalid_input"
AUTH_FAILED = "auth_failed"
RATE_LIMITED = "rate_limited"
PROVIDER_UNAVAILABLE = "provider_unavailable"
PROVIDER_FAILED = "provider_failed"
TIMED_OUT = "timed_out"
TOO_MANY_JOBS = "too_many_jobs"
INTERNAL = "internal_error"

MESSAGES: dict[str, str] = {
    URL_NOT_ALLOWED: "That address cannot be fetched: only public http(s) addresses are allowed.",
    TOO_LARGE: "The video is larger than we can store.",
    NOT_A_VIDEO: "The file is not a video we can play.",
    EXPIRED: "The video link has expired, so the video could not be saved.",
    UNREACHABLE: "The video could not be downloaded: its server did not answer.",
    SAFETY_REJECTED: (
        "The video generator declined this dream under its content policy. "
        "Try rewording the prompt."
    ),
    INVALID_INPUT: "The video generator could not use this prompt.",
    AUTH_FAILED: "The video generator refused our credentials. An operator has to fix the API key.",
    RATE_LIMITED: "The video generator is busy. Please try again later.",
    PROVIDER_UNAVAILABLE: "The video generator is unavailable right now. Please try again later.",
    PROVIDER_FAILED: "The video generator failed to make this video.",
    TIMED_OUT: "Video generation took too long and was stopped.",
    TOO_MANY_JOBS: (
        "Too many videos were in progress when this one was asked for, so it was not started. "
        "Start it again from the dream page."
    ),
    INTERNAL: "Something went wrong on our side while making this video.",
}


def message_for(code: str) -> str:
    return MESSAGES.get(code, MESSAGES[INTERNAL])
