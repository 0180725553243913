"""Liveness and readiness probes for load balancers and compose."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.tasks import task_backends
from django.views.decorators.cache import never_cache

from dreams.storage.journal import emergency_pending_count


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


def _check(fn) -> str:
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - a probe reports any failure as text
        return f"error: {type(exc).__name__}"
    return "ok"


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Can this instance take traffic? 503 only when storage or the task backend fail.

    A database outage makes the instance ``degraded``: dreams go to the emergency journal.
    """

    def database() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    def storage() -> None:
        default_storage.exists("readyz-probe")

    def tasks() -> None:
        task_backends["default"]

    checks = {"database": _check(database), "storage": _check(storage), "tasks": _check(tasks)}
    # Without the database we still take dreams (emergency tier): degraded, not unready.
    ready = checks["storage"] == "ok" and checks["tasks"] == "ok"
    healthy = ready and checks["database"] == "ok"
    body = {
        "status": "ok" if healthy else ("degraded" if ready else "unavailable"),
        "checks": checks,
        # Where new dreams go right now, and how many wait in the emergency journal.
        "tier": "dreams" if checks["database"] == "ok" else "emergency",
        "emergency_waiting": emergency_pending_count(),
    }
    return JsonResponse(body, status=200 if ready else 503)
