"""RunwayML text-to-video provider: a thin client for three endpoints.

``POST /v1/text_to_video`` starts a task, ``GET /v1/tasks/{id}`` reports on it and
``DELETE /v1/tasks/{id}`` cancels (or deletes) it. Every failure is raised as a
:class:`~videos.providers.base.ProviderError` carrying one of our own codes from
:mod:`videos.errors`; RunwayML's raw failure codes only ever appear in parentheses
after our plain words. Like every provider, this one never sleeps and never retries:
the job state machine decides what to do with ``retryable`` errors, using the policy
this provider declares (:meth:`RunwayProvider.poll_delay`,
:meth:`RunwayProvider.fallback_for`).

Wire format: https://docs.dev.runwayml.com/api/ (API version 2024-11-06).
"""

from __future__ import annotations

import email.utils
import logging
import math
import time
import unicodedata
from typing import Any, ClassVar
from urllib.parse import quote

import requests

from videos import errors
from videos.catalog.specs import DEFAULT_MODEL_ID, MAX_SEED, model_by_id
from videos.prompts import styled_prompt
from videos.providers.base import (
    GenerationRequest,
    ProviderError,
    SubmitResult,
    TaskState,
    TaskStatus,
    VideoProvider,
)
from videos.sources import VideoSource

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.dev.runwayml.com"
API_VERSION = "2024-11-06"
DEFAULT_MODEL = DEFAULT_MODEL_ID

MAX_PROMPT_UTF16_UNITS = 1000
#: RunwayML asks clients not to poll a task more often than this, in seconds.
MIN_POLL_SECONDS = 5.0

# Provider text we relay (400 bodies) is cut to this many characters.
_MAX_DETAIL_CHARS = 200

_PENDING_STATUSES = frozenset({"PENDING", "THROTTLED"})

# HTTP statuses that say "try again later" rather than "this will never work".
_RATE_LIMITED_STATUSES = frozenset({429})
_UNAVAILABLE_STATUSES = frozenset({500, 502, 503, 504})
_AUTH_STATUSES = frozenset({401, 403})
_INVALID_INPUT_STATUSES = frozenset({400, 422})


def _utf16_units(text: str) -> int:
    # RunwayML counts prompt length like JavaScript does: an emoji outside the
    # BMP is two code units. Lone surrogates cannot be encoded and raise
    # UnicodeEncodeError, which the caller turns into invalid_input.
    return len(text.encode("utf-16-le")) // 2


def error_code_for_failure(failure_code: str | None) -> str:
    """Map a RunwayML ``failureCode`` (e.g. ``SAFETY.INPUT.TEXT``) to one of our codes.

    Returns ``safety_rejected`` for ``SAFETY.*`` and ``INPUT_PREPROCESSING.SAFETY.*``,
    ``invalid_input`` for any other ``INPUT_PREPROCESSING.*``, and ``provider_failed``
    for everything else (``INTERNAL.*``, ``ASSET.INVALID``, unknown or missing codes).
    Never raises.
    """
    parts = (failure_code or "").strip().upper().split(".")
    if parts[0] == "SAFETY" or parts[:2] == ["INPUT_PREPROCESSING", "SAFETY"]:
        return errors.SAFETY_REJECTED
    if parts[0] == "INPUT_PREPROCESSING":
        return errors.INVALID_INPUT
    return errors.PROVIDER_FAILED


def parse_retry_after(value: str | None) -> float | None:
    """Return the ``Retry-After`` header as seconds from now, or ``None``.

    Accepts both forms HTTP allows: delta-seconds (``"30"``) and an HTTP-date. A date
    in the past gives ``0.0``. Missing, negative or unparsable values give ``None``;
    never raises.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            # "-0000" means "zone unknown", so no reliable delay can be computed.
            return None
        return max(0.0, when.timestamp() - time.time())
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


class RunwayProvider(VideoProvider):
    """Generates videos with RunwayML's ``text_to_video`` API.

    Holds one :class:`requests.Session` (pooled connections) for its lifetime; pass
    ``session`` to share one, in which case :meth:`close` leaves it open. The API secret
    is sent per request rather than stored on the session, so a shared session never
    carries our credentials into someone else's calls.
    """

    name: ClassVar[VideoSource] = VideoSource.RUNWAY
    remote: ClassVar[bool] = True

    def __init__(
        self,
        *,
        api_secret: str,
        base_url: str = DEFAULT_BASE_URL,
        model: str = DEFAULT_MODEL,
        connect_timeout: float = 5,
        read_timeout: float = 30,
        session: requests.Session | None = None,
        poll_seconds: float = MIN_POLL_SECONDS,
        fallback_to_demo: bool = False,
    ) -> None:
        """Configure the client; makes no network call.

        ``poll_seconds`` is how long to wait between status calls (never less than
        ``MIN_POLL_SECONDS``); ``fallback_to_demo`` hands jobs to the demo renderer when
        RunwayML cannot be reached at all.

        Raises ``ValueError`` if ``api_secret`` is empty or holds characters that cannot
        go in an HTTP header (the message never echoes the secret), if ``base_url`` is
        not an http(s) URL, or if a timeout is not positive.
        """
        if not api_secret or not api_secret.isascii() or not api_secret.isprintable():
            raise ValueError("api_secret must be a non-empty printable ASCII string")
        if any(ch.isspace() for ch in api_secret):
            # requests would reject the header later and quote the secret in its error.
            raise ValueError("api_secret must not contain whitespace")
        if not base_url.startswith(("https://", "http://")):
            raise ValueError("base_url must be an http(s) URL")
        if connect_timeout <= 0 or read_timeout <= 0:
            raise ValueError("timeouts must be positive")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = (float(connect_timeout), float(read_timeout))
        self.poll_seconds = float(poll_seconds)
        self.fallback_to_demo = fallback_to_demo
        self._api_secret = api_secret
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()

    def __repr__(self) -> str:
        return f"RunwayProvider(base_url={self.base_url!r}, model={self.model!r}, api_secret=***)"

    def close(self) -> None:
        """Release pooled connections if this provider created its own session."""
        if self._owns_session:
            self._session.close()

    # -- the VideoProvider contract -------------------------------------------------

    def submit(self, request: GenerationRequest, *, idempotency_key: str) -> SubmitResult:
        """Start a text-to-video task and return RunwayML's task id.

        ``idempotency_key`` is ours (for logs and the caller's bookkeeping); RunwayML
        has no such field, so it is not sent. The request is validated locally first
        against the model's entry in ``videos.catalog`` (the request's model, else the
        configured one): its ratios and durations, ``audio`` sent only to models that
        take it, seed ``0..MAX_SEED`` or ``None``, and the prompt with its style phrase
        (``videos.prompts.styled_prompt``) 1..1000 UTF-16 code units.

        Raises ``ProviderError`` with ``invalid_input`` (before any HTTP call) when the
        request fails validation, or with the codes of :meth:`_raise_for_status` /
        :meth:`_send` when the call fails. Note that a timed-out create is retryable but
        RunwayML may already have started (and will bill) the first task.
        """
        body = self._build_body(request)
        data = self._json(self._send("POST", "/v1/text_to_video", json_body=body))
        task_id = data.get("id")
        if not isinstance(task_id, str) or not task_id:
            raise ProviderError(
                errors.PROVIDER_FAILED,
                _plain(errors.PROVIDER_FAILED, "no task id in response"),
            )
        logger.info(
            "runway task created",
            extra={"runway_task_id": task_id, "idempotency_key": idempotency_key},
        )
        return SubmitResult(task_id=task_id)

    def status(self, task_id: str) -> TaskStatus:
        """Fetch the task and translate it to a :class:`TaskStatus`.

        PENDING and THROTTLED become ``PENDING``; RUNNING carries ``progress`` (0..1);
        SUCCEEDED carries ``output_url`` (the first output, which expires in 24-48 h);
        FAILED carries our ``error_code`` and ``error_message`` = our plain words plus
        RunwayML's failureCode in parentheses; CANCELLED becomes ``CANCELLED``.

        Raises ``ValueError`` for an empty ``task_id``. Raises ``ProviderError``:
        ``provider_failed`` (not retryable) when the task no longer exists (404), when
        SUCCEEDED has no output, or when the answer is not a task we understand; and the
        codes of :meth:`_raise_for_status` / :meth:`_send` for other failures.
        """
        data = self._json(self._send("GET", self._task_path(task_id), missing_ok=False))
        raw_status = data.get("status")
        if raw_status in _PENDING_STATUSES:
            return TaskStatus(state=TaskState.PENDING)
        if raw_status == "RUNNING":
            return TaskStatus(state=TaskState.RUNNING, progress=_progress(data.get("progress")))
        if raw_status == "SUCCEEDED":
            output = data.get("output")
            if not isinstance(output, list) or not output or not isinstance(output[0], str):
                raise ProviderError(
                    errors.PROVIDER_FAILED,
                    _plain(errors.PROVIDER_FAILED, "task succeeded without output"),
                )
            return TaskStatus(state=TaskState.SUCCEEDED, progress=1.0, output_url=output[0])
        if raw_status == "FAILED":
            failure_code = data.get("failureCode")
            failure_code = failure_code if isinstance(failure_code, str) else None
            code = error_code_for_failure(failure_code)
            # The raw code goes in parentheses so operators can tell SAFETY.INPUT.TEXT
            # from SAFETY.OUTPUT.VIDEO; the free-text "failure" field is not relayed.
            detail = _safe_text(failure_code, self._api_secret) if failure_code else None
            return TaskStatus(
                state=TaskState.FAILED,
                error_code=code,
                error_message=_plain(code, detail),
            )
        if raw_status == "CANCELLED":
            return TaskStatus(state=TaskState.CANCELLED)
        raise ProviderError(
            errors.PROVIDER_FAILED,
            _plain(errors.PROVIDER_FAILED, "unknown task status"),
        )

    def cancel(self, task_id: str) -> None:
        """Cancel a pending/running task, or delete a finished one.

        A task that is already gone (404) counts as cancelled. Raises ``ValueError``
        for an empty ``task_id`` and ``ProviderError`` (codes of
        :meth:`_raise_for_status` / :meth:`_send`) for any other failure.
        """
        self._send("DELETE", self._task_path(task_id), missing_ok=True)

    def poll_delay(self) -> float:
        """``poll_seconds``, raised to ``MIN_POLL_SECONDS``: RunwayML asks not to poll faster."""
        return max(MIN_POLL_SECONDS, self.poll_seconds)

    def fallback_for(self, error: ProviderError) -> VideoSource | None:
        """``VideoSource.DEMO`` if ``fallback_to_demo`` and RunwayML never answered, else None.

        Only an unreachable API qualifies (``provider_unavailable`` with no HTTP status:
        connection refused, DNS, TLS, timeout). An HTTP answer, even a 503, means RunwayML
        is there and the job waits for it rather than silently changing provider.
        """
        unreachable = error.code == errors.PROVIDER_UNAVAILABLE and error.status_code is None
        return VideoSource.DEMO if self.fallback_to_demo and unreachable else None

    # -- helpers --------------------------------------------------------------------

    def _build_body(self, request: GenerationRequest) -> dict[str, Any]:
        """Return the JSON body for ``POST /v1/text_to_video``.

        Raises ``ProviderError(invalid_input)`` if any field is out of range.
        """
        spec = model_by_id(request.model or self.model)
        if spec is None:
            raise _invalid(f"unknown model {(request.model or self.model)[:40]!r}")
        prompt = request.prompt
        if not isinstance(prompt, str) or not prompt.strip():
            raise _invalid("the prompt is empty")
        try:
            units = _utf16_units(prompt)
        except UnicodeEncodeError:
            raise _invalid("the prompt contains invalid characters") from None
        if units > MAX_PROMPT_UTF16_UNITS:
            raise _invalid(f"the prompt is longer than {MAX_PROMPT_UTF16_UNITS} characters")
        duration = request.duration
        # bool is an int subclass; True must not sneak through as a 1-second video.
        if type(duration) is not int or duration not in spec.durations:
            raise _invalid(f"{spec.id} cannot make a {duration!r}-second video")
        if not isinstance(request.ratio, str) or request.ratio not in spec.ratios:
            raise _invalid(f"{spec.id} does not take the ratio {str(request.ratio)[:20]!r}")
        body: dict[str, Any] = {
            "model": spec.id,
            "promptText": styled_prompt(prompt, request.style),
            "ratio": request.ratio,
            "duration": duration,
        }
        if spec.audio:
            body["audio"] = bool(request.audio)
        if request.seed is not None:
            if not spec.seed:
                raise _invalid(f"{spec.id} takes no seed")
            if type(request.seed) is not int or not 0 <= request.seed <= MAX_SEED:
                raise _invalid(f"seed must be 0 to {MAX_SEED}")
            body["seed"] = request.seed
        return body

    @staticmethod
    def _task_path(task_id: str) -> str:
        if not task_id:
            raise ValueError("task_id must not be empty")
        # Quote everything so an odd id can never walk to another endpoint ("../").
        return f"/v1/tasks/{quote(task_id, safe='')}"

    def _send(
        self,
        method: str,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        missing_ok: bool | None = None,
    ) -> requests.Response:
        """Send one request and return the successful (2xx) response.

        ``missing_ok`` decides what a 404 means: ``True`` returns the response (DELETE of
        a task that is already gone), ``False`` raises ``provider_failed`` saying the task
        is gone, ``None`` treats it like any other error status.

        Raises ``ProviderError``: ``provider_unavailable`` (retryable) on connection
        errors and timeouts, otherwise whatever :meth:`_raise_for_status` maps the status
        to.
        """
        headers = {
            "Authorization": f"Bearer {self._api_secret}",
            "X-Runway-Version": API_VERSION,
            "Accept": "application/json",
        }
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                json=json_body,
                headers=headers,
                timeout=self.timeout,
                # The API never redirects; following one would be a surprise we want to see.
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            logger.warning("runway %s %s timed out", method, path)
            raise ProviderError(
                errors.PROVIDER_UNAVAILABLE,
                _plain(errors.PROVIDER_UNAVAILABLE, "timed out"),
                retryable=True,
            ) from exc
        except requests.RequestException as exc:
            # ConnectionError, SSLError, ChunkedEncodingError, ...: all transient from
            # our side. Only the class name is relayed; str(exc) may hold the URL.
            logger.warning("runway %s %s failed: %s", method, path, type(exc).__name__)
            raise ProviderError(
                errors.PROVIDER_UNAVAILABLE,
                _plain(errors.PROVIDER_UNAVAILABLE, "connection failed"),
                retryable=True,
            ) from exc
        if response.status_code == 404 and missing_ok is not None:
            if missing_ok:
                return response
            raise ProviderError(
                errors.PROVIDER_FAILED,
                _plain(errors.PROVIDER_FAILED, "the task no longer exists"),
                status_code=404,
            )
        self._raise_for_status(response, method, path)
        return response

    def _raise_for_status(self, response: requests.Response, method: str, path: str) -> None:
        """Return if the response is 2xx, else raise the matching ``ProviderError``.

        429 -> ``rate_limited``, 500/502/503/504 -> ``provider_unavailable`` (both
        retryable, with ``retry_after`` from the Retry-After header); 401/403 ->
        ``auth_failed``; 400/422 -> ``invalid_input`` with RunwayML's message, cleaned;
        anything else -> ``provider_failed``. Only the first two are retryable.
        """
        status = response.status_code
        if 200 <= status < 300:
            return
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        logger.warning("runway %s %s answered HTTP %s", method, path, status)
        if status in _RATE_LIMITED_STATUSES:
            code, retryable, detail = errors.RATE_LIMITED, True, f"HTTP {status}"
        elif status in _UNAVAILABLE_STATUSES:
            code, retryable, detail = errors.PROVIDER_UNAVAILABLE, True, f"HTTP {status}"
        elif status in _AUTH_STATUSES:
            code, retryable, detail = errors.AUTH_FAILED, False, f"HTTP {status}"
        elif status in _INVALID_INPUT_STATUSES:
            server_text = _error_text(response)
            detail = _safe_text(server_text, self._api_secret) if server_text else None
            code, retryable, detail = errors.INVALID_INPUT, False, detail or f"HTTP {status}"
        else:
            code, retryable, detail = errors.PROVIDER_FAILED, False, f"HTTP {status}"
        raise ProviderError(
            code,
            _plain(code, detail),
            retryable=retryable,
            retry_after=retry_after if retryable else None,
            status_code=status,
        )

    @staticmethod
    def _json(response: requests.Response) -> dict[str, Any]:
        """Return the response body as a JSON object.

        Raises ``ProviderError(provider_failed)`` if it is not one: a 2xx that we cannot
        read will not become readable by asking again.
        """
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ProviderError(
                errors.PROVIDER_FAILED,
                _plain(errors.PROVIDER_FAILED, "unreadable response"),
                status_code=response.status_code,
            )
        return data


def _invalid(detail: str) -> ProviderError:
    return ProviderError(errors.INVALID_INPUT, _plain(errors.INVALID_INPUT, detail))


def _plain(code: str, detail: str | None = None) -> str:
    """Our user-facing words for ``code``, with ``detail`` in parentheses if given."""
    words = errors.message_for(code)
    return f"{words} ({detail})" if detail else words


def _progress(value: object) -> float:
    # The API promises 0..1 while RUNNING, but a missing or odd value must not
    # break polling: fall back to 0 and clamp.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    if not math.isfinite(value):
        return 0.0
    return min(1.0, max(0.0, float(value)))


def _error_text(response: requests.Response) -> str | None:
    """Pull RunwayML's human message out of an error body, if it has one.

    Error bodies look like ``{"error": "...", "issues": [{"message": "..."}]}``. Non-JSON
    bodies (proxy HTML pages) are ignored rather than relayed.
    """
    try:
        data = response.json()
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    parts: list[str] = []
    for key in ("error", "message"):
        if isinstance(data.get(key), str):
            parts.append(data[key])
            break
    issues = data.get("issues")
    if isinstance(issues, list) and issues and isinstance(issues[0], dict):
        issue = issues[0]
        message = issue.get("message")
        if isinstance(message, str):
            path = issue.get("path")
            if isinstance(path, list) and path:
                message = f"{'.'.join(str(p) for p in path)}: {message}"
            parts.append(message)
    return "; ".join(parts) or None


def _safe_text(text: str, secret: str) -> str:
    """Make provider text fit to store and show: no secret, no control chars, short."""
    text = text.replace(secret, "***")
    # Control and format characters (newlines, bidi overrides) could forge log lines
    # or scramble the page; collapse them, and runs of whitespace, to one space.
    cleaned = "".join(
        " " if ch.isspace() or unicodedata.category(ch).startswith("C") else ch for ch in text
    )
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > _MAX_DETAIL_CHARS:
        cleaned = cleaned[: _MAX_DETAIL_CHARS - 1].rstrip() + "…"
    return cleaned


__all__ = [
    "API_VERSION",
    "DEFAULT_BASE_URL",
    "DEFAULT_MODEL",
    "MIN_POLL_SECONDS",
    "RunwayProvider",
    "error_code_for_failure",
    "parse_retry_after",
]
