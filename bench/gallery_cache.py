"""The public gallery with a shared cache (Redis), side by side with the floor.

Run: ``.venv/bin/python bench/gallery_cache.py`` (about 2 min; seeding its own database
the first time takes 1-2 min more). Needs PostgreSQL and Redis on 127.0.0.1.

It reuses ``bench/api_load.py``: the same seed (100,000 dreams, 95,000 in the gallery,
in its own database, ``dreamjourney_bench_caching`` by default), the same gunicorn set-up
(2 sync workers each side) and load generator, and the same floor (``floor_app.py``
replaying the SQL of an uncached request). Our side runs with ``CACHE_URL`` pointing at
Redis (a key prefix of its own, removed afterwards), as compose and the cluster do.

Goal (issue 13): gallery page 1 served from the shared cache at ≥ 1.0× the floor's
throughput, the floor running its SQL on every request. Then it checks the other half of
the bargain: a moderator's decision (made here, in another process) shows on the very
next request to the servers. Writes its section of ``bench/RESULTS.md`` (``sections.py``:
between ``<!-- gallery-cache:start -->`` and ``<!-- gallery-cache:end -->``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

import api_load as base
import redis
import requests
import sections

SECTION, HEADING = "gallery-cache", "## The gallery with a shared cache"
GALLERY = "/api/dreams/public/gallery"
REDIS_DB = 13


def measure_all(routes: dict, ports: dict, args) -> list[dict]:
    """Interleaved rounds: every route on both sides, loaded and one connection at a time."""
    results = []
    modes = {"loaded": args.connections, **base.IDLE}
    for round_number in range(1, args.rounds + 1):
        for name, route in routes.items():
            for side, port in ports.items():
                for mode, connections in modes.items():
                    url = f"http://127.0.0.1:{port}{route['path']}"
                    run = base.load(url, {}, seconds=args.seconds, connections=connections)
                    results.append({"scenario": name, "side": side, "mode": mode, **run})
                    print(
                        f"round {round_number} {name:34} {side:5} c={connections:<3} "
                        f"{run['rps']:7.0f} req/s  p50 {run['p50_ms']:6.2f} ms  "
                        f"errors {run['errors']}",
                        flush=True,
                    )
    return results


def summarise(routes: dict, results: list[dict]) -> list[dict]:
    def pick(name: str, side: str, mode: str) -> dict:
        runs = [r for r in results if (r["scenario"], r["side"], r["mode"]) == (name, side, mode)]
        return {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50_ms", "p95_ms")} | {
            "errors": sum(r["errors"] for r in runs)
        }

    rows = []
    for name, route in routes.items():
        ours, floor = pick(name, "ours", "loaded"), pick(name, "floor", "loaded")
        ours_idle, floor_idle = pick(name, "ours", "idle"), pick(name, "floor", "idle")
        rows.append(
            {
                "scenario": name,
                "floor_queries": route["queries"],
                "ours": ours,
                "floor": floor,
                "ours_idle": ours_idle,
                "floor_idle": floor_idle,
                "throughput_ratio": ours["rps"] / floor["rps"],
                "p50_ratio": ours_idle["p50_ms"] / floor_idle["p50_ms"],
            }
        )
    return rows


def change_shows_at_once(ports: dict) -> dict:
    """Unpublish the newest gallery dream here (another process), read page 1 from our
    servers at once, then approve it back; what each server showed."""
    from django.contrib.auth import get_user_model

    from dreams import moderation
    from dreams.models import Dream
    from dreams.selectors import dream_gallery_list

    url = f"http://127.0.0.1:{ports['ours']}{GALLERY}"
    newest = dream_gallery_list().first()
    moderator = get_user_model().objects.get(username=base.BENCH_USER)
    chosen = Dream.objects.filter(pk=newest.pk)
    moderation.dreams_unpublish(queryset=chosen, moderator=moderator)
    try:
        # Two requests: gunicorn's two workers each answer one as a rule.
        after = [requests.get(url, timeout=10).json()["results"][0]["id"] for _ in range(2)]
    finally:
        Dream.objects.filter(pk=newest.pk).update(is_public=True)
        moderation.dreams_approve(queryset=chosen, moderator=moderator)
    back = requests.get(url, timeout=10).json()["results"][0]["id"]
    return {
        "hidden_at_once": all(first != str(newest.pk) for first in after),
        "back_at_once": back == str(newest.pk),
    }


def markdown(rows: list[dict], check: dict, args) -> str:
    lines = [
        f"{HEADING} (`bench/gallery_cache.py`)",
        "",
        "The same seed, servers and floor as `bench/api_load.py`; our side runs with "
        "`CACHE_URL` on Redis (`dreams/caching.py`: anonymous answers tagged with a gallery "
        "version that every change bumps, served by `GalleryFastLaneMiddleware` before "
        "routing and DRF), the floor runs its SQL on every request. Throughput at "
        f"{args.connections} connections, latency at one; {args.seconds:.0f} s per "
        f"measurement, median of {args.rounds} interleaved rounds. Goal: ≥ 1.0× the floor.",
        "",
        "| scenario | floor SQL | ours req/s | floor req/s | ours/floor throughput "
        "| ours p50 / p95 ms | floor p50 / p95 ms | p50 ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        o, f = r["ours_idle"], r["floor_idle"]
        lines.append(
            f"| {r['scenario']} | {r['floor_queries']} | {r['ours']['rps']:.0f} "
            f"| {r['floor']['rps']:.0f} | {r['throughput_ratio']:.2f} "
            f"| {o['p50_ms']:.2f} / {o['p95_ms']:.2f} | {f['p50_ms']:.2f} / {f['p95_ms']:.2f} "
            f"| {r['p50_ratio']:.2f} |"
        )
    hidden = "yes" if check["hidden_at_once"] else "**no**"
    back = "yes" if check["back_at_once"] else "**no**"
    lines += [
        "",
        "A moderator's decision made in another process, then page 1 read from our servers "
        f"at once: unpublished dream gone on the next request: {hidden}; approved again, "
        f"back on the next request: {back}.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4, help="load time per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument("--database", default="dreamjourney_bench_caching")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    base.DATABASE = args.database  # base.app_env() and base.ensure_database() read it

    prefix = f"bench-gallery-{uuid.uuid4().hex[:8]}"
    cache_url = f"rediscache://127.0.0.1:6379/{REDIS_DB}?key_prefix={prefix}"
    media = Path(tempfile.mkdtemp(prefix="bench-media-"))
    # In this process the gallery is not cached (its SQL is what the floor replays), but
    # a moderator's decision here bumps the version in the servers' Redis.
    os.environ.update(base.app_env(MEDIA_ROOT=str(media), CACHE_URL=cache_url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "dreamjourney.settings"
    base.ensure_database()
    import django

    django.setup()
    base.seed()
    deep_cursor, _ = base.deep_gallery_cursor()
    routes = {
        "gallery page 1, shared cache": {"path": GALLERY, "headers": {}},
        "gallery ~90,000 deep, shared cache": {
            "path": f"{GALLERY}?cursor={deep_cursor}",
            "headers": {},
        },
    }
    base.capture_queries(routes)
    floor_config = base.OUT / "gallery_cache_floor.json"
    base.OUT.mkdir(parents=True, exist_ok=True)
    floor_config.write_text(
        json.dumps(
            {
                "routes": {
                    r["path"]: {"statements": r["sql"], "auth": False, "keyset": False}
                    for r in routes.values()
                },
                "token": "",
            }
        )
    )
    from django.db import connections

    connections.close_all()

    ports = {"ours": base.free_port(), "floor": base.free_port()}
    servers = []
    try:
        ours_env = base.app_env(
            MEDIA_ROOT=str(media), CACHE_URL=cache_url, GALLERY_CACHE_SECONDS="60"
        )
        servers.append(
            base.start_gunicorn(
                "dreamjourney.wsgi:application", ports["ours"], ours_env, chdir=base.ROOT
            )
        )
        servers.append(
            base.start_gunicorn(
                "floor_app:application",
                ports["floor"],
                base.app_env(FLOOR_CONFIG=str(floor_config)),
                chdir=base.ROOT / "bench",
            )
        )
        for route in routes.values():  # both sides give the same page; then warm up
            for side, port in ports.items():
                url = f"http://127.0.0.1:{port}{route['path']}"
                ids = [d["id"] for d in requests.get(url, timeout=10).json()["results"]]
                assert ids == route["ids"], f"{side}: not the same page"
                base.load(url, {}, seconds=1, connections=args.connections)
        results = measure_all(routes, ports, args)
        check = change_shows_at_once(ports)
    finally:
        for server in servers:
            base.stop(server)
        shutil.rmtree(media, ignore_errors=True)
        client = redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}")
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()

    rows = summarise(routes, results)
    (base.OUT / "gallery_cache.json").write_text(json.dumps({"rows": rows, **check}, indent=2))
    section = markdown(rows, check, args)
    print()
    print(section)
    if not args.no_write:
        sections.write_section(SECTION, section, heading=HEADING)
        print(f"\nwrote the section into {sections.RESULTS}")
    ok = all(r["throughput_ratio"] >= 1.0 for r in rows[:1]) and all(check.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
