"""The local demo provider: renders an illustrated video of the dream instead of calling an API.

It never touches the network. The video itself (motifs from the dream's symbols, the
title card, the mood's palette and pace, an ambient sound track) comes from
:mod:`videos.demo_renderer`; this module only turns the provider contract into render
calls and files in a work folder, one ``<task id>.mp4`` per task.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import ClassVar

import av

from videos import errors
from videos.demo_renderer import prompt_seed, ratio_to_size, render_dream_video
from videos.providers.base import (
    GenerationRequest,
    ProviderError,
    SubmitResult,
    TaskState,
    TaskStatus,
    VideoProvider,
)
from videos.sources import VideoSource

__all__ = ["DemoProvider"]

_KEY_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}")  # used with fullmatch
_TASK_PREFIX = "demo-"


class DemoProvider(VideoProvider):
    """A :class:`~videos.providers.base.VideoProvider` that renders locally and synchronously.

    ``submit`` renders the whole video before it returns, so the output is ready at
    once (:meth:`poll_delay` is 0) and there is nothing to cancel elsewhere.
    """

    name: ClassVar[VideoSource] = VideoSource.DEMO
    remote: ClassVar[bool] = False

    def __init__(self, *, workdir: Path, max_width: int = 640) -> None:
        self.workdir = Path(workdir)
        self.max_width = max_width

    def submit(self, request: GenerationRequest, *, idempotency_key: str) -> SubmitResult:
        """Render the video now and return its task id, ``"demo-" + idempotency_key``.

        Idempotent: if the file for this key already exists it is reused as is, even if
        the request differs. A killed render never leaves a partial file under the final
        name (it renders to a temporary file and renames). Without a seed, the seed is
        derived from the prompt, so the same dream looks the same every time. The
        request's ``symbols``, ``title``, ``keywords`` and prompt choose what is drawn,
        its ``mood`` (else ``emotions``) how, its ``style`` preset the colour grade;
        ``audio`` adds the ambient track. Every catalog ratio is drawn at its own aspect,
        the long side scaled down to ``max_width``.

        Raises:
            ProviderError: ``invalid_input`` for a bad ratio or duration; ``internal_error``
                for an unusable idempotency key (not retryable) or a failed write (retryable).
        """
        if not isinstance(idempotency_key, str) or not _KEY_RE.fullmatch(idempotency_key):
            # The key becomes a file name; anything else could escape the workdir.
            raise ProviderError(
                errors.INTERNAL, f"idempotency key {idempotency_key!r} is not file-name safe"
            )
        task_id = _TASK_PREFIX + idempotency_key
        final = self._path(task_id)
        if final.exists():
            return SubmitResult(task_id=task_id)
        try:
            width, height = ratio_to_size(request.ratio, max_width=self.max_width)
        except ValueError as exc:
            raise ProviderError(errors.INVALID_INPUT, str(exc)) from exc
        seed = request.seed if request.seed is not None else prompt_seed(request.prompt)
        self.workdir.mkdir(parents=True, exist_ok=True)
        # Unique per attempt so two workers racing on one key never write the same file.
        temp = self.workdir / f".{task_id}.{uuid.uuid4().hex}.part.mp4"
        try:
            render_dream_video(
                temp,
                duration=request.duration,
                width=width,
                height=height,
                seed=seed,
                emotions=request.emotions,
                keywords=request.keywords,
                title=request.title,
                symbols=request.symbols,
                mood=request.mood,
                text=request.prompt,
                audio=request.audio,
                style=request.style,
            )
            os.replace(temp, final)
        except av.FFmpegError as exc:
            # Checked first: some PyAV errors also subclass ValueError or OSError.
            raise ProviderError(errors.INTERNAL, f"demo video encoding failed: {exc}") from exc
        except ValueError as exc:
            raise ProviderError(errors.INVALID_INPUT, str(exc)) from exc
        except OSError as exc:
            raise ProviderError(
                errors.INTERNAL, f"could not write demo video: {exc}", retryable=True
            ) from exc
        finally:
            temp.unlink(missing_ok=True)
        return SubmitResult(task_id=task_id)

    def status(self, task_id: str) -> TaskStatus:
        """SUCCEEDED with ``output_file`` once rendered, FAILED (``internal_error``) otherwise.

        Never raises for an unknown or malformed id.
        """
        path = self._path(task_id) if self._valid_task_id(task_id) else None
        if path is not None and path.is_file():
            return TaskStatus(state=TaskState.SUCCEEDED, progress=1.0, output_file=path)
        return TaskStatus(
            state=TaskState.FAILED,
            error_code=errors.INTERNAL,
            error_message=f"demo video {task_id!r} does not exist (never rendered or cleaned up)",
        )

    def cancel(self, task_id: str) -> None:
        """Delete the rendered file if there is one; an unknown or malformed id is a no-op."""
        if self._valid_task_id(task_id):
            self._path(task_id).unlink(missing_ok=True)

    def cleanup(self, task_id: str) -> None:
        """Delete the rendered file once the caller has stored its own copy; same as cancel."""
        self.cancel(task_id)

    def poll_delay(self) -> float:
        """0: ``submit`` has already rendered the output, so collect it in the same step."""
        return 0.0

    def _path(self, task_id: str) -> Path:
        return self.workdir / f"{task_id}.mp4"

    @staticmethod
    def _valid_task_id(task_id: str) -> bool:
        return (
            isinstance(task_id, str)
            and task_id.startswith(_TASK_PREFIX)
            and _KEY_RE.fullmatch(task_id.removeprefix(_TASK_PREFIX)) is not None
        )
