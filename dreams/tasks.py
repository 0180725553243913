"""The dream app's background tasks: thin, idempotent, enqueued on commit.

``dream_analysis_task`` asks the LLM analyst to read a dream (``dreams.services.analysis``);
a retryable failure enqueues the next attempt with ``run_after`` instead of sleeping.
"""

from __future__ import annotations

from django.tasks import task

from common.tasks import enqueue
from dreams.services.analysis import dream_analysis_refresh

__all__ = ["dream_analysis_enqueue", "dream_analysis_task"]


def dream_analysis_enqueue(
    dream_id: str, model_label: str, *, attempt: int = 1, key: str = "", delay: float | None = None
) -> None:
    """Queue a reading of the dream, after ``delay`` seconds when given."""
    enqueue(dream_analysis_task, str(dream_id), model_label, attempt, key, delay=delay)


@task()
def dream_analysis_task(dream_id: str, model_label: str, attempt: int = 1, key: str = "") -> None:
    """Have the LLM analyst read one dream; on a retryable failure, try again later.

    ``model_label`` is the dream's table (``dreams.Dream`` or ``dreams.DemoDream``),
    ``attempt`` counts from 1 up to ``ANALYSIS_MAX_ATTEMPTS``, ``key`` names the text
    the reading is for (an edit since makes this run do nothing).
    """
    outcome = dream_analysis_refresh(
        dream_id=dream_id, model_label=model_label, attempt=attempt, key=key
    )
    if outcome.retry_in is not None:
        dream_analysis_enqueue(
            dream_id, model_label, attempt=attempt + 1, key=key, delay=outcome.retry_in
        )
