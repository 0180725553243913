"""docker-compose.yml stays true to the code: it parses, and what it runs and sets exists.

No Docker engine runs here, so the file is checked by reading it.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(settings.BASE_DIR)


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _settings_env_names() -> set[str]:
    source = (ROOT / "dreamjourney" / "settings.py").read_text()
    return set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z0-9_]+)"', source))


def test_compose_parses_and_describes_the_scaled_out_deployment():
    services = _compose()["services"]
    assert {"web", "worker", "postgres", "redis", "minio"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    worker = services["worker"]["command"]
    assert worker[:3] == ["python", "manage.py", "supervise_worker"]
    assert worker[worker.index("--") + 1] == "rqworker"


def test_every_app_variable_in_compose_is_read_by_settings():
    app_env = _compose()["x-app"]["environment"]
    read = _settings_env_names() | {
        # Read by `manage.py bootstrap_superuser`, not by settings.
        "DJANGO_SUPERUSER_USERNAME",
        "DJANGO_SUPERUSER_PASSWORD",
        "DJANGO_SUPERUSER_EMAIL",
    }
    assert set(app_env) <= read, set(app_env) - read


def test_every_management_command_compose_runs_exists():
    # rqworker comes from django_rq, installed when TASKS_BACKEND is the RQ backend (as in compose).
    commands = set(get_commands()) | {"rqworker"}
    compose_text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"manage\.py\"?,? \"?([a-z_]+)", compose_text))
    assert used, "compose runs manage.py commands"
    assert used <= commands, used - commands
    import django_rq.management.commands.rqworker  # noqa: F401


def test_the_worker_job_class_and_backend_import():
    from django.utils.module_loading import import_string

    app_env = _compose()["x-app"]["environment"]
    import_string(app_env["TASKS_BACKEND"])
    worker = _compose()["services"]["worker"]["command"]
    import_string(worker[worker.index("--job-class") + 1])
