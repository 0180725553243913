"""docker-compose.yml translated into native processes: the same services, commands and variables.

Nothing here is written twice: the commands, the environment and the start order are read
from ``docker-compose.yml`` (and the image's ``ENV`` and build steps from ``Dockerfile``)
every time. What a container engine would provide is substituted, and only that:

* service host names in URLs become local endpoints (``postgres`` a fresh database on the
  local PostgreSQL, ``redis`` unused database numbers on the local Redis, ``minio`` moto's
  S3 server), see :class:`Endpoints`;
* ``/app/...`` paths become folders of the run (a named volume is shared by the services
  that mount it, anything else is the instance's own, as a container's filesystem is);
* each web instance binds its own loopback port instead of ``0.0.0.0:8000``.

A compose service, variable or host this module cannot translate raises
:class:`Untranslatable`: the agreement test (``tests/dreamjourney/test_compose.py``) fails
until this module learns it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from tests.support.processes import ROOT

COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

#: Compose services no process of ours stands for, and what stands in for them natively.
BACKING_SERVICES: dict[str, str] = {
    "postgres": "a fresh database on the local PostgreSQL",
    "redis": "unused database numbers on the local Redis",
    "minio": "moto's S3 server on a free loopback port",
    "createbucket": "the bucket, created private with boto3",
}
#: Settings whose default lies under the checkout's ``var/``: in a container that is the
#: container's own disk, so each instance gets its own folder (the image's for static).
INSTANCE_PATHS: dict[str, str] = {"MEDIA_ROOT": "media", "VIDEO_DEMO_WORKDIR": "demo-renders"}
IMAGE_PATHS: dict[str, str] = {"STATIC_ROOT": "static"}

_VARIABLE_RE = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)
_URL_RE = re.compile(r"https?://[^\s'\"]+")


class Untranslatable(ValueError):
    """Compose asks for something this module does not know how to provide natively."""


@dataclass(frozen=True)
class Endpoints:
    """Where the backing services are on this machine."""

    database_url: str  # the run's own fresh database
    redis_origin: str  # e.g. redis://127.0.0.1:6379 (no database number)
    redis_dbs: Mapping[int, int]  # compose's database number -> the run's claimed number
    s3_origin: str  # moto's server, e.g. http://127.0.0.1:41234


@dataclass(frozen=True)
class NativeProcess:
    """One instance of a compose service, as a native process."""

    service: str
    name: str  # e.g. web-1
    command: list[str]
    env: dict[str, str]
    port: int | None = None
    health_path: str | None = None  # from the compose healthcheck: ready when it answers 200
    once: bool = False  # runs to completion before the services that depend on it start
    dirs: list[Path] = field(default_factory=list)  # folders to create before it starts


def load_compose(path: Path = COMPOSE_FILE) -> dict:
    return yaml.safe_load(path.read_text())


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """Compose's variable substitution (``$VAR``, ``${VAR:-default}``, ``${VAR:?error}``, ``$$``).

    Only ``variables`` are read, never this process's environment, so a run is reproducible.
    Raises ``Untranslatable`` for a required variable that is missing.
    """

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        current = variables.get(name)
        missing = current is None or (op is not None and op.startswith(":") and current == "")
        if op is not None and op.endswith("?") and missing:
            raise Untranslatable(f"compose requires ${name}: {arg}")
        if op is not None and op.endswith("-") and missing:
            return arg
        return current or ""

    return _VARIABLE_RE.sub(replace, value)


def start_order(services: Mapping[str, dict]) -> list[str]:
    """Service names with every service after those it ``depends_on`` (compose's order)."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            raise Untranslatable(f"depends_on cycle through {name}")
        visiting.add(name)
        for dependency in depends_on(services[name]):
            visit(dependency)
        visiting.discard(name)
        order.append(name)

    for name in services:
        visit(name)
    return order


def depends_on(service: dict) -> dict[str, str]:
    """``{dependency: condition}``, for both spellings of ``depends_on``."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def app_services(compose: dict) -> list[str]:
    """The services that run our image (built from this checkout), in start order."""
    services = compose["services"]
    return [name for name in start_order(services) if "build" in services[name]]


def runs_once(compose: dict, name: str) -> bool:
    """Whether a service is a step others wait for (``service_completed_successfully``)."""
    return any(
        depends_on(other).get(name) == "service_completed_successfully"
        for other in compose["services"].values()
    )


def redis_db_numbers(compose: dict) -> list[int]:
    """The Redis database numbers the app's variables use (compose's ``redis://redis:…/N``)."""
    numbers = set()
    for value in compose["x-app"]["environment"].values():
        parts = urlsplit(str(value))
        if parts.scheme and parts.hostname == "redis":
            numbers.add(int(parts.path.strip("/") or 0))
    return sorted(numbers)


def image_env(dockerfile: Path = DOCKERFILE) -> dict[str, str]:
    """The image's ``ENV KEY=value ...`` lines."""
    env: dict[str, str] = {}
    for line in dockerfile.read_text().splitlines():
        if line.startswith("ENV "):
            env.update(item.split("=", 1) for item in shlex.split(line[4:]))
    return env


def build_steps(dockerfile: Path = DOCKERFILE) -> list[str]:
    """The image's ``RUN`` steps that call ``manage.py`` (e.g. collectstatic), as shell lines."""
    return [
        line[4:].strip()
        for line in dockerfile.read_text().splitlines()
        if line.startswith("RUN ") and "manage.py" in line
    ]


def bucket_name(compose: dict, variables: Mapping[str, str]) -> str:
    """The bucket ``createbucket`` makes, which must be the one the app uses."""
    made = interpolate(
        str(compose["services"]["createbucket"]["environment"]["S3_BUCKET"]), variables
    )
    used = interpolate(str(compose["x-app"]["environment"]["S3_BUCKET"]), variables)
    if made != used:
        raise Untranslatable(f"createbucket makes {made!r} but the app uses {used!r}")
    return used


def translate_value(
    value: str, *, endpoints: Endpoints, volumes: Mapping[str, Path], own_root: Path
) -> str:
    """One variable's value with compose's hosts and container paths replaced by ours."""
    if value.startswith("/app/"):
        for mount, folder in volumes.items():
            if value == mount or value.startswith(mount.rstrip("/") + "/"):
                return str(folder / value[len(mount) :].lstrip("/"))
        return str(own_root / value.removeprefix("/app/"))
    parts = urlsplit(value)
    if not parts.scheme or not parts.hostname:
        return value
    host = parts.hostname
    if host == "postgres":
        return endpoints.database_url
    if host == "redis":
        number = int(parts.path.strip("/") or 0)
        if number not in endpoints.redis_dbs:
            raise Untranslatable(f"no claimed Redis database stands for {value!r}")
        origin = endpoints.redis_origin.split("://", 1)[1]
        return f"{parts.scheme}://{origin}/{endpoints.redis_dbs[number]}"
    if host == "minio":
        return endpoints.s3_origin + parts.path
    if "." not in host and host != "localhost":
        # A single-label host is a compose service: each needs a native stand-in above.
        raise Untranslatable(f"no native stand-in for the host {host!r} in {value!r}")
    return value


def service_env(
    compose: dict,
    name: str,
    *,
    variables: Mapping[str, str],
    endpoints: Endpoints,
    volumes: Mapping[str, Path],
    own_root: Path,
) -> dict[str, str]:
    """A service's ``environment``, interpolated, with hosts and paths translated."""
    raw = compose["services"][name].get("environment") or {}
    return {
        key: translate_value(
            interpolate(str(value), variables),
            endpoints=endpoints,
            volumes=volumes,
            own_root=own_root,
        )
        for key, value in raw.items()
    }


def _volume_mounts(service: dict, volumes_root: Path) -> dict[str, Path]:
    mounts = {}
    for spec in service.get("volumes") or []:
        volume, mount = str(spec).split(":", 2)[:2]
        mounts[mount] = volumes_root / volume
    return mounts


def _bound(command: list[str], port: int) -> list[str]:
    """The web command with its ``--bind`` on our loopback port instead of ``0.0.0.0:8000``."""
    if "--bind" not in command:
        raise Untranslatable(f"the web command has no --bind to move: {command}")
    at = command.index("--bind") + 1
    return [*command[:at], f"127.0.0.1:{port}", *command[at + 1 :]]


def _health_path(service: dict) -> str | None:
    test = " ".join(str(part) for part in (service.get("healthcheck") or {}).get("test", []))
    match = _URL_RE.search(test)
    return urlsplit(match.group(0)).path if match else None


def native_plan(
    compose: dict,
    *,
    variables: Mapping[str, str],
    endpoints: Endpoints,
    replicas: Mapping[str, int],
    ports: Mapping[str, list[int]],
    workdir: Path,
    tuning: Mapping[str, str],
    base_env: Mapping[str, str],
) -> list[NativeProcess]:
    """Every instance of every app service, in start order, with its command and environment.

    ``replicas`` says how many of each long-running service (default 1), ``ports`` the
    loopback ports of those with a ``--bind``. ``tuning`` adds variables compose does not
    set (never one it sets). Raises ``Untranslatable`` for what cannot be run natively.
    """
    services = compose["services"]
    unknown = set(services) - set(BACKING_SERVICES) - set(app_services(compose))
    if unknown:
        raise Untranslatable(f"no native stand-in for the services {sorted(unknown)}")
    clash = set(tuning) & set(compose["x-app"]["environment"])
    if clash:
        raise Untranslatable(f"the run would override what compose sets: {sorted(clash)}")
    image = image_env() | {key: str(workdir / "image" / sub) for key, sub in IMAGE_PATHS.items()}
    plan: list[NativeProcess] = []
    for name in app_services(compose):
        service = services[name]
        once = runs_once(compose, name)
        count = 1 if once else replicas.get(name, 1)
        for index in range(count):
            instance = f"{name}-{index + 1}"
            own_root = workdir / instance
            mounts = _volume_mounts(service, workdir / "volumes")
            env = service_env(
                compose,
                name,
                variables=variables,
                endpoints=endpoints,
                volumes=mounts,
                own_root=own_root,
            )
            own = {key: str(own_root / "var" / sub) for key, sub in INSTANCE_PATHS.items()}
            # Its own home too: gunicorn keeps its control socket there, one per container.
            own["HOME"] = str(own_root / "home")
            command = [str(part) for part in service["command"]]
            port = None
            if "--bind" in command:
                port = ports[name][index]
                command = _bound(command, port)
            paths = [Path(value).parent for value in env.values() if value.startswith(str(workdir))]
            plan.append(
                NativeProcess(
                    service=name,
                    name=instance,
                    command=command,
                    env={**base_env, **image, **own, **env, **tuning},
                    port=port,
                    health_path=_health_path(service) if port else None,
                    once=once,
                    dirs=[*paths, *(Path(value) for value in own.values())],
                )
            )
    return plan
