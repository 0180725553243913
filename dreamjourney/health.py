"""Liveness and readiness probes for load balancers and compose."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache


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
    """Database, storage and task backend can be used; 503 when any cannot."""
    from django.tasks import task_backends

    def database() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    def storage() -> None:
        default_storage.exists("readyz-probe")

    def tasks() -> None:
        task_backends["default"]

    checks = {"database": _check(database), "storage": _check(storage), "tasks": _check(tasks)}
    ready = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks, "tier": "dreams"}
    return JsonResponse(body, status=200 if ready else 503)
