"""docker-compose.yml stays true to the code: it parses, and what it runs and sets exists.

No Docker engine runs here, so the file is checked by reading it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
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


# --- make cluster runs this file: the same services, commands and variables --------------


def _native_plan(compose: dict | None = None):
    from tests.support.cluster.runtime import ClusterOptions, base_env, run_tuning, run_variables
    from tests.support.cluster.topology import Endpoints, native_plan

    endpoints = Endpoints(
        database_url="postgres://postgres@127.0.0.1:5432/dreamjourney_cluster_x",
        redis_origin="redis://127.0.0.1:6379",
        redis_dbs={0: 12, 1: 13},
        s3_origin="http://127.0.0.1:9999",
    )
    return native_plan(
        compose if compose is not None else _compose(),
        variables=run_variables(web_origins=["http://127.0.0.1:8001", "http://127.0.0.1:8002"]),
        endpoints=endpoints,
        replicas={"web": 2, "worker": 2},
        ports={"web": [8001, 8002]},
        workdir=Path("/tmp/cluster-run"),
        tuning=run_tuning(ClusterOptions()),
        base_env=base_env(),
    )


def test_every_compose_service_has_a_native_stand_in_in_make_cluster():
    from tests.support.cluster.topology import BACKING_SERVICES, app_services

    compose = _compose()
    assert set(compose["services"]) == set(BACKING_SERVICES) | set(app_services(compose))
    plan = _native_plan()
    assert [p.name for p in plan] == ["migrate-1", "web-1", "web-2", "worker-1", "worker-2"]


def test_make_cluster_runs_compose_commands_with_compose_variables():
    from tests.support.cluster.runtime import ClusterOptions, base_env, run_tuning
    from tests.support.cluster.topology import IMAGE_PATHS, INSTANCE_PATHS, image_env

    compose = _compose()
    tuning = run_tuning(ClusterOptions())
    # Whatever else the run sets is declared: a container's environment, the instance's
    # own folders and the run's tuning (never a variable compose sets).
    declared = set(base_env()) | set(image_env()) | set(IMAGE_PATHS) | set(INSTANCE_PATHS)
    for process in _native_plan():
        service = compose["services"][process.service]
        expected = [str(part) for part in service["command"]]
        if process.port:  # the one substitution: its own loopback port instead of 0.0.0.0:8000
            at = expected.index("--bind") + 1
            assert expected[at] == "0.0.0.0:8000"
            expected[at] = f"127.0.0.1:{process.port}"
        assert process.command == expected

        compose_env = service["environment"]
        assert set(compose_env) <= set(process.env)
        for key, value in compose_env.items():
            native = process.env[key]
            # Compose's hosts and container paths are translated; nothing of them is left.
            assert not any(h in native for h in ("@postgres:", "//redis:", "//minio:", "/app/"))
            if "${" not in str(value) and "://" not in str(value) and "/app/" not in str(value):
                assert native == str(value), key  # a literal is passed as it is

        assert set(process.env) - set(compose_env) <= declared | set(tuning)
        assert not set(tuning) & set(compose_env)
    assert set(tuning) <= _settings_env_names()


def test_make_cluster_translates_each_backing_service_to_a_local_one():
    plan = {p.name: p for p in _native_plan()}
    web_1, web_2, worker = plan["web-1"].env, plan["web-2"].env, plan["worker-1"].env
    assert web_1["DATABASE_URL"] == "postgres://postgres@127.0.0.1:5432/dreamjourney_cluster_x"
    assert web_1["REDIS_URL"] == "redis://127.0.0.1:6379/12"  # compose's /0
    assert web_1["CACHE_URL"] == "rediscache://127.0.0.1:6379/13"  # compose's /1
    assert web_1["S3_ENDPOINT_URL"] == "http://127.0.0.1:9999"
    # The webs share the named volume they mount; the worker (no mount) has its own disk.
    assert web_1["EMERGENCY_JOURNAL_PATH"] == web_2["EMERGENCY_JOURNAL_PATH"]
    assert web_1["EMERGENCY_JOURNAL_PATH"].startswith("/tmp/cluster-run/volumes/emergency/")
    assert worker["EMERGENCY_JOURNAL_PATH"].startswith("/tmp/cluster-run/worker-1/")
    assert web_1["MEDIA_ROOT"] != web_2["MEDIA_ROOT"]
    assert web_1["HOME"] != web_2["HOME"]  # gunicorn's control socket, one per instance
    assert plan["web-1"].health_path == "/readyz"  # compose's healthcheck


def test_a_compose_change_make_cluster_cannot_follow_fails_the_agreement():
    import copy

    from tests.support.cluster.topology import Untranslatable

    with_service = copy.deepcopy(_compose())
    with_service["services"]["mailhog"] = {"image": "mailhog/mailhog"}
    with pytest.raises(Untranslatable, match="mailhog"):
        _native_plan(with_service)

    with_host = copy.deepcopy(_compose())
    with_host["services"]["web"]["environment"]["EMAIL_URL"] = "smtp://mailhog:1025"
    with pytest.raises(Untranslatable, match="mailhog"):
        _native_plan(with_host)

    # A changed command or a new variable is simply followed: the script reads this file.
    changed = copy.deepcopy(_compose())
    changed["services"]["worker"]["command"] = [*changed["services"]["worker"]["command"], "-v"]
    changed["services"]["worker"]["environment"]["LOG_LEVEL"] = "DEBUG"
    worker = next(p for p in _native_plan(changed) if p.service == "worker")
    assert worker.command[-1] == "-v" and worker.env["LOG_LEVEL"] == "DEBUG"


def test_make_cluster_starts_services_in_compose_dependency_order():
    from tests.support.cluster.topology import start_order

    order = start_order(_compose()["services"])
    for first, then in [("minio", "createbucket"), ("postgres", "migrate"), ("migrate", "web")]:
        assert order.index(first) < order.index(then)
    assert order.index("migrate") < order.index("worker")


def test_make_cluster_builds_what_the_image_builds():
    from tests.support.cluster.topology import build_steps, image_env

    assert any("collectstatic" in step for step in build_steps())
    assert image_env()["PYTHONUNBUFFERED"] == "1"


def test_compose_interpolation_as_make_cluster_reads_it():
    from tests.support.cluster.topology import Untranslatable, interpolate

    assert interpolate("${A:-x} ${B-y} $${C} $D", {"A": "", "B": "", "D": "d"}) == "x  ${C} d"
    with pytest.raises(Untranslatable, match="set SECRET_KEY"):
        interpolate("${SECRET_KEY:?set SECRET_KEY}", {})


def test_what_every_machine_must_share_is_set_in_compose():
    # Links in mails, the signing chain and who streams video must be the same everywhere
    compose = _compose()
    app_env = compose["x-app"]["environment"]
    shared = {"SITE_URL", "C2PA_SIGNING_CERT", "C2PA_SIGNING_KEY", "C2PA_DEV_DIR", "VIDEO_SENDFILE"}
    assert shared <= set(app_env), shared - set(app_env)

    # and the development chain lives on one volume that web and worker both mount
    dev_dir = app_env["C2PA_DEV_DIR"]
    for name in ("web", "worker"):
        mounts = dict(v.split(":", 1)[::-1] for v in compose["services"][name]["volumes"])
        assert any(dev_dir.startswith(f"{path}/") for path in mounts), (name, mounts)
