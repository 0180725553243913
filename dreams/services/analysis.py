"""A dream's analysis by the LLM analyst: queued on commit, written back by one function.

Every dream gets the local analyzer's reading in the request that saves it
(``dream_create``; with the LLM analyst on, ``dream_update`` too when the title or text
changed). With ``ANALYSIS_PROVIDER=openai`` the dream is then marked ``pending`` and
``dreams.tasks.dream_analysis_task`` is enqueued on commit; it calls
:func:`dream_analysis_refresh`, the only writer of what the analyst says:

* ``ready``: the LLM answered; its validated fields replace the local ones, the local
  reading fills what it left out;
* ``failed``: it could not (refused, unusable answer, or retryable errors until
  ``ANALYSIS_MAX_ATTEMPTS`` ran out): the local reading stays;
* still ``pending`` with ``retry_in``: a retryable error; the task enqueues attempt
  ``n + 1`` that many seconds later (exponential backoff with jitter, at least the
  provider's ``Retry-After``). Nothing ever sleeps.

Idempotent and safe against edits: a run only writes while the dream is ``pending`` and
its title and text are still those it was queued for (``analysis_key``). An owner who
gives their own analysis meanwhile sets it back to ``local``; an edit of the text queues
a new run with a new key, and runs queued for the old text stop.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dreams.analysis.providers import (
    AnalysisError,
    DreamAnalysis,
    get_analysis_provider,
    llm_analysis_enabled,
)
from dreams.models import AbstractDream, AnalysisStatus, DemoDream, Dream
from videos.providers.base import backoff_delay

logger = logging.getLogger(__name__)

#: The longest a provider's ``Retry-After`` may push the next attempt, in seconds.
MAX_RETRY_AFTER_SECONDS = 300.0

_DREAM_MODELS: dict[str, type[AbstractDream]] = {
    Dream._meta.label: Dream,
    DemoDream._meta.label: DemoDream,
}


@dataclass(frozen=True, kw_only=True)
class AnalysisRefresh:
    """What one run did: the dream's ``analysis_status`` now (None: no such dream), and
    ``retry_in`` seconds when the task should run again (attempt + 1)."""

    status: str | None
    retry_in: float | None = None
    error: str = ""  # the analyst's error code, when it failed


def analysis_key(title: str, content: str) -> str:
    """Identifies the text a reading is for: a run queued for other text does nothing."""
    text = f"{title}\x00{content}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).hexdigest()[:32]


def wants_llm_analysis() -> bool:
    """True when saved dreams are also read by the LLM analyst (``ANALYSIS_PROVIDER``).

    A misconfigured provider is logged and counts as ``local``: saving a dream must
    never fail because of it.
    """
    try:
        return llm_analysis_enabled()
    except ValueError:
        logger.exception("ANALYSIS_PROVIDER is misconfigured; dreams get the local analysis")
        return False


def dream_analysis_queue(dream: AbstractDream) -> None:
    """Have the LLM analyst read ``dream`` once the current transaction commits.

    The caller has saved the dream ``pending`` with its local reading.
    """
    from dreams.tasks import dream_analysis_enqueue  # the task module imports this one

    dream_id, label = str(dream.pk), dream._meta.label
    key = analysis_key(dream.title, dream.content)
    transaction.on_commit(lambda: dream_analysis_enqueue(dream_id, label, key=key))


def _find(dream_id: str, model_label: str) -> tuple[type[AbstractDream], AbstractDream] | None:
    # The named table first; then the other one: a demo dream claimed by a new account
    # moves to ``dreams`` with the same id while its analysis is on its way.
    first = _DREAM_MODELS.get(model_label, Dream)
    for model in (first, *(m for m in _DREAM_MODELS.values() if m is not first)):
        try:
            dream = model.objects.filter(pk=dream_id).first()
        except ValidationError:  # not a UUID: no such dream
            return None
        if dream is not None:
            return model, dream
    return None


def _finish(
    model: type[AbstractDream],
    dream_id: uuid.UUID,
    *,
    key: str,
    status: AnalysisStatus,
    reading: DreamAnalysis | None = None,
) -> str | None:
    """Write the outcome if the dream is still ``pending`` for the same text; the status now."""
    with transaction.atomic():
        dream = model.objects.select_for_update().filter(pk=dream_id).first()
        if dream is None:
            return None
        if (
            dream.analysis_status != AnalysisStatus.PENDING
            or analysis_key(dream.title, dream.content) != key
        ):
            return dream.analysis_status  # edited meanwhile: the owner's change stands
        fields = ["analysis_status", "updated_at"]
        if reading is not None:
            base = dream.analysis if isinstance(dream.analysis, dict) else {}
            dream.analysis = reading.over(base)
            fields.append("analysis")
        dream.analysis_status = status
        dream.updated_at = timezone.now()
        dream.save(update_fields=fields)
        return status


def dream_analysis_refresh(
    *, dream_id: str, model_label: str = "dreams.Dream", attempt: int = 1, key: str = ""
) -> AnalysisRefresh:
    """Ask the configured analyst to read a ``pending`` dream and store its answer.

    Does nothing (and says what the status is) when the dream is gone, is not
    ``pending``, or its text is no longer the one ``key`` names. The analyst is called
    outside any transaction; the answer is written under a row lock, only if the dream
    is still ``pending`` for the same text. Never raises for the analyst's failures.
    """
    found = _find(dream_id, model_label)
    if found is None:
        return AnalysisRefresh(status=None)
    model, dream = found
    current = analysis_key(dream.title, dream.content)
    if dream.analysis_status != AnalysisStatus.PENDING or (key and key != current):
        return AnalysisRefresh(status=dream.analysis_status)
    try:
        provider = get_analysis_provider()
    except ValueError:
        logger.exception("dream %s: the analysis provider is misconfigured", dream.pk)
        status = _finish(model, dream.pk, key=current, status=AnalysisStatus.FAILED)
        return AnalysisRefresh(status=status, error="misconfigured")
    if not provider.remote:
        # Switched back to the local analyzer since this was queued: its reading stands.
        return AnalysisRefresh(
            status=_finish(model, dream.pk, key=current, status=AnalysisStatus.LOCAL)
        )
    try:
        reading = provider.analyse(dream.title, dream.content)
    except AnalysisError as exc:
        if exc.retryable and attempt < settings.ANALYSIS_MAX_ATTEMPTS:
            hint = min(exc.retry_after or 0.0, MAX_RETRY_AFTER_SECONDS)
            delay = max(hint, backoff_delay(attempt))
            logger.info(
                "dream %s: analysis attempt %d failed (%s), retry in %.1fs",
                dream.pk,
                attempt,
                exc.code,
                delay,
            )
            return AnalysisRefresh(status=AnalysisStatus.PENDING, retry_in=delay, error=exc.code)
        logger.warning(
            "dream %s: analysis failed (%s) after %d attempt(s); the local analysis stays",
            dream.pk,
            exc.code,
            attempt,
        )
        status = _finish(model, dream.pk, key=current, status=AnalysisStatus.FAILED)
        return AnalysisRefresh(status=status, error=exc.code)
    except Exception:  # any analyst bug falls back to the local reading
        logger.exception("dream %s: the analyst crashed; the local analysis stays", dream.pk)
        status = _finish(model, dream.pk, key=current, status=AnalysisStatus.FAILED)
        return AnalysisRefresh(status=status, error="internal_error")
    status = _finish(model, dream.pk, key=current, status=AnalysisStatus.READY, reading=reading)
    return AnalysisRefresh(status=status)
