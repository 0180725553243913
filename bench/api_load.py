"""Benchmark the list endpoints under concurrent load, side by side with a floor.

Run: ``.venv/bin/python bench/api_load.py [--database NAME]`` (about 5 min; the first run
also seeds the database, 1-2 min more). Needs PostgreSQL on 127.0.0.1:5432 (user
``postgres``, trust auth). Uses ``wrk`` when it is installed (``apt-get install wrk``),
otherwise a Python thread pool with ``requests`` (``bench/loadgen.py``). Loopback only,
on free ports; every load run is bounded in time.

What it does:

* creates (or reuses) the database ``dreamjourney_bench`` (``--database``), migrates it
  with ``manage.py migrate`` and seeds 100,000 dreams (bulk_create): 100 owners, the bench
  user owns every tenth dream (10,000: the journal), 95,000 are in the public gallery
  (public, approved, with a ready video) so a cursor ~90,000 rows deep exists;
* measures, in-process with Django's test client and ``CaptureQueriesContext``, the SQL
  each request runs (statements and their count) and checks the answers;
* serves the app with gunicorn (2 sync workers, ``CONN_MAX_AGE=60``, ``DEBUG=false``, the
  gallery cache off: every request reads the database) and, beside it with the same
  gunicorn settings, ``bench/floor_app.py``: a minimal WSGI app that replays exactly those
  SQL statements with psycopg and dumps the same JSON;
* loads each with the same concurrency for a fixed time: journal page 1 (token auth),
  gallery page 1, and a gallery page ~90,000 rows deep; reports requests/s and p50/p95
  latency, our/floor ratios, and the deep-page/page-1 latency ratio;
* and, ours only, the HTML pages' first screens (home, gallery, journal signed in with a
  session cookie) against our API call giving the same rows (``page_size`` 6 or 12): the
  page's p50 over the API's.

Writes ``bench/out/api_load.json`` and prints markdown tables.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import requests
from loadgen import WORKERS, free_port, load, start_gunicorn, stop

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

PG = "postgres://postgres@127.0.0.1:5432"
DATABASE = "dreamjourney_bench"
N_DREAMS = 100_000
N_OWNERS = 100
GALLERY_SHARE = 0.95
DEEP_ROWS = 90_000
BENCH_USER = "bench-dreamer"
SIDES = {"ours": 0, "floor": 0}  # ports: free ones, picked at start (two benches may run)
IDLE = {"idle": 1}  # one connection at a time: what a request costs without queueing


def app_env(**extra: str) -> dict[str, str]:
    """The environment gunicorn and the in-process setup run with (production-like)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env |= {
        "DATABASE_URL": f"{PG}/{DATABASE}",
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "EMERGENCY_AUTO_REPLAY": "false",
        # Uncached: every request reads the database, as the floor does.
        "GALLERY_CACHE_SECONDS": "0",
        **extra,
    }
    return env


def ensure_database() -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=app_env(),
        check=True,
    )


def seed() -> dict:
    """Seed 100,000 dreams once (skipped when the seed is already there); returns facts."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from dreams.models import Dream, ModerationStatus, VideoStatus
    from videos.models import VideoAsset
    from videos.sources import VideoSource

    user_model = get_user_model()
    bench_user = user_model.objects.filter(username=BENCH_USER).first()
    if bench_user is None or Dream.objects.count() != N_DREAMS:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE dreams, video_jobs, video_assets, authtoken_token CASCADE")
        user_model.objects.filter(username__startswith="bench-").delete()
        with transaction.atomic():
            owners = [
                user_model.objects.create_user(username=f"bench-owner-{n}") for n in range(N_OWNERS)
            ]
            bench_user = user_model.objects.create_user(username=BENCH_USER)
            owners[0] = bench_user
            assets = VideoAsset.objects.bulk_create(
                VideoAsset(
                    sha256=f"{n:064x}",
                    file=f"videos/{n:02x}/{n:064x}.mp4",
                    thumbnail=f"thumbnails/{n:02x}/{n:064x}.jpg",
                    bytes=1_234_567,
                    duration=4.0,
                    width=1280,
                    height=720,
                    codec="h264",
                    source_kind=VideoSource.RUNWAY,
                )
                for n in range(256)
            )
            newest = timezone.now() - timedelta(minutes=1)
            in_gallery_every = round(1 / (1 - GALLERY_SHARE))  # 1 in 20 stays private
            batch: list[Dream] = []
            for n in range(N_DREAMS):
                public = n % in_gallery_every != 7
                created = newest - timedelta(seconds=37 * n)
                batch.append(
                    Dream(
                        owner=owners[0] if n % 10 == 0 else owners[1 + n % (N_OWNERS - 1)],
                        title=f"Dream {n}: the lighthouse at the end of the pier",
                        content=(
                            "I walked along a pier that never ended. The sea was made of glass "
                            "and under it whales sang in colours. " * 3
                        ),
                        analysis={
                            "emotions": ["wonder", "calm"],
                            "keywords": ["pier", "glass sea", "whales", "lighthouse"],
                        },
                        video_prompt="A pier over a glass sea, whales singing in colours",
                        video_duration=4,
                        video_status=VideoStatus.READY if public else VideoStatus.NONE,
                        video_asset=assets[n % len(assets)] if public else None,
                        is_public=public,
                        moderation_status=(
                            ModerationStatus.APPROVED if public else ModerationStatus.PENDING
                        ),
                        created_at=created,
                        updated_at=created,
                    )
                )
                if len(batch) == 5_000:
                    Dream.objects.bulk_create(batch)
                    batch = []
            Dream.objects.bulk_create(batch)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"seeded {N_DREAMS:,} dreams in {time.perf_counter() - started:.1f} s")
    token, _ = Token.objects.get_or_create(user=bench_user)
    return {"token": token.key, "journal_size": Dream.objects.filter(owner=bench_user).count()}


def deep_gallery_cursor() -> tuple[str, str]:
    """A cursor for the gallery page that starts ~90,000 rows down, as DRF encodes it.

    DRF's cursor is base64 of ``p=<created_at of the last row seen>``; this builds the
    one a client would hold after paging through 90,000 rows. Returns (cursor, first id).
    """
    from dreams.selectors import dream_gallery_list

    rows = dream_gallery_list().values_list("created_at", "id")
    last_seen_at, _ = rows[DEEP_ROWS - 1]
    _, first_id = rows[DEEP_ROWS]
    encoded = base64.b64encode(urlencode({"p": str(last_seen_at)}).encode("ascii"))
    return encoded.decode("ascii"), str(first_id)


def _in_process(path: str, headers: dict) -> tuple:
    """(response, SQL statements) of one request through Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.get(path, **headers)  # warm: the first request imports, caches fill
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code)
    return response, [q["sql"] for q in queries.captured_queries]


def capture_queries(routes: dict[str, dict]) -> None:
    """Run each route once in-process; record its SQL, query count and answer."""
    for route in routes.values():
        response, statements = _in_process(route["path"], route["headers"])
        body = response.json()
        assert len(body["results"]) == route.get("rows", 20), route["path"]
        route["queries"] = len(statements)
        route["sql"] = statements
        route["ids"] = [d["id"] for d in body["results"]]
        route["bytes"] = len(response.content)


def session_cookie() -> str:
    """A ``Cookie`` header signing the bench user in to the pages (a signed-cookie session)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=BENCH_USER))
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def page_routes(token: str, cookie: str) -> dict[str, dict]:
    """The HTML pages' first screens, each beside the API call that gives the same rows."""
    from dreams.views import HOME_GALLERY_SIZE, PAGE_SIZE

    token_header, cookie_header = {"Authorization": f"Token {token}"}, {"Cookie": cookie}
    gallery_api = "/api/dreams/public/gallery?page_size={}"
    pages = {
        "home page": ("/", {}, gallery_api.format(HOME_GALLERY_SIZE), {}, HOME_GALLERY_SIZE),
        "gallery page": ("/gallery/", {}, gallery_api.format(PAGE_SIZE), {}, PAGE_SIZE),
        "journal page": (
            "/journal/",
            cookie_header,
            f"/api/dreams?page_size={PAGE_SIZE}",
            token_header,
            PAGE_SIZE,
        ),
    }
    routes = {}
    for name, (path, headers, api_path, api_headers, rows) in pages.items():
        response, statements = _in_process(path, _meta(headers))
        cards = response.content.count(b'<article class="card')
        assert cards >= rows, f"{name}: {cards} dreams on the page, expected {rows}"
        api = {"path": api_path, "headers": _meta(api_headers), "rows": rows}
        capture_queries({name: api})
        routes[name] = {
            "path": path,
            "headers": headers,
            "queries": len(statements),
            "bytes": len(response.content),
            "rows": rows,
            "api": {**api, "headers": api_headers},
        }
    return routes


def _meta(headers: dict) -> dict:
    """HTTP headers as the test client takes them (``HTTP_…`` keys)."""
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}


# --- Main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4, help="load time per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument(
        "--database", default=DATABASE, help="the PostgreSQL database it seeds and uses"
    )
    parser.add_argument(
        "--write", action="store_true", help="also replace its section of bench/RESULTS.md"
    )
    args = parser.parse_args()
    globals()["DATABASE"] = args.database  # app_env() and ensure_database() read it
    SIDES.update(ours=free_port(), floor=free_port())

    OUT.mkdir(parents=True, exist_ok=True)
    media = Path(tempfile.mkdtemp(prefix="bench-media-"))
    os.environ.update(app_env(MEDIA_ROOT=str(media)))
    os.environ["DJANGO_SETTINGS_MODULE"] = "dreamjourney.settings"
    ensure_database()
    import django

    django.setup()
    facts = seed()
    deep_cursor, deep_first_id = deep_gallery_cursor()
    auth = {"Authorization": f"Token {facts['token']}"}
    routes = {
        "journal page 1": {
            "path": "/api/dreams",
            "headers": {"HTTP_AUTHORIZATION": auth["Authorization"]},
        },
        "gallery page 1": {"path": "/api/dreams/public/gallery", "headers": {}},
        "gallery ~90,000 deep": {
            "path": f"/api/dreams/public/gallery?cursor={deep_cursor}",
            "headers": {},
        },
    }
    capture_queries(routes)
    assert routes["gallery ~90,000 deep"]["ids"][0] == deep_first_id, "the cursor is 90,000 deep"
    pages = page_routes(facts["token"], session_cookie())

    floor_config = OUT / "floor_config.json"
    floor_config.write_text(
        json.dumps(
            {
                "routes": {
                    r["path"]: {
                        "statements": r["sql"],
                        "auth": bool(r["headers"]),
                        "keyset": not r["path"].startswith("/api/dreams/public/"),
                    }
                    for r in routes.values()
                },
                "token": facts["token"],
            }
        )
    )
    from django.db import connections

    connections.close_all()

    results = []
    servers = []
    try:
        servers.append(
            start_gunicorn(
                "dreamjourney.wsgi:application",
                SIDES["ours"],
                app_env(MEDIA_ROOT=str(media)),
                chdir=ROOT,
            )
        )
        servers.append(
            start_gunicorn(
                "floor_app:application",
                SIDES["floor"],
                app_env(FLOOR_CONFIG=str(floor_config)),
                chdir=ROOT / "bench",
            )
        )
        warm_up(routes, pages, auth, args)

        def measure(name: str, side: str, path: str, headers: dict, modes: dict, n: int) -> None:
            url = f"http://127.0.0.1:{SIDES[side]}{path}"
            for mode, connections in modes.items():
                measured = load(url, headers, seconds=args.seconds, connections=connections)
                results.append({"scenario": name, "side": side, "mode": mode, **measured})
                print(
                    f"round {n} {name:22} {side:5} c={connections:<3} "
                    f"{measured['rps']:7.0f} req/s  p50 {measured['p50_ms']:6.2f} ms  "
                    f"p95 {measured['p95_ms']:6.2f} ms  errors {measured['errors']}",
                    flush=True,
                )

        both = {**IDLE, "loaded": args.connections}
        # Rounds interleave every scenario and side, so a noisy moment hits all alike.
        for round_number in range(1, args.rounds + 1):
            for name, route in routes.items():
                headers = auth if route["headers"] else {}
                for side in SIDES:
                    measure(name, side, route["path"], headers, both, round_number)
            # Pages are ours alone, each against our API giving the same rows (p50 only).
            for name, page in pages.items():
                measure(name, "ours", page["path"], page["headers"], both, round_number)
                api = page["api"]
                measure(f"{name} API", "ours", api["path"], api["headers"], IDLE, round_number)
    finally:
        for server in servers:
            stop(server)
        shutil.rmtree(media, ignore_errors=True)

    report = summarise(routes, pages, results, facts, args)
    (OUT / "api_load.json").write_text(json.dumps(report, indent=2))
    print()
    print(markdown(report))
    if args.write:
        write_results(report)


def warm_up(routes: dict, pages: dict, auth: dict, args) -> None:
    """Check that both sides answer the same pages (and our pages answer), then warm up."""
    for name, route in routes.items():
        headers = auth if route["headers"] else {}
        for side, port in SIDES.items():
            url = f"http://127.0.0.1:{port}{route['path']}"
            answer = requests.get(url, headers=headers, timeout=10)
            answer.raise_for_status()
            ids = [d["id"] for d in answer.json()["results"]]
            assert ids == route["ids"], f"{side} {name}: not the same page"
            load(url, headers, seconds=2, connections=args.connections)
    for page in pages.values():
        api = page["api"]
        for path, headers in ((page["path"], page["headers"]), (api["path"], api["headers"])):
            url = f"http://127.0.0.1:{SIDES['ours']}{path}"
            requests.get(url, headers=headers, timeout=10).raise_for_status()
            load(url, headers, seconds=1, connections=args.connections)


def _median(runs: list[dict]) -> dict:
    keys = ("rps", "p50_ms", "p95_ms", "p99_ms")
    merged = {key: statistics.median(run[key] for run in runs) for key in keys}
    merged["requests"] = sum(run["requests"] for run in runs)
    merged["errors"] = sum(run["errors"] for run in runs)
    return merged


def summarise(routes: dict, pages: dict, results: list[dict], facts: dict, args) -> dict:
    def pick(scenario: str, side: str, mode: str) -> dict:
        return _median(
            [r for r in results if (r["scenario"], r["side"], r["mode"]) == (scenario, side, mode)]
        )

    scenarios = []
    for name, route in routes.items():
        idle = {side: pick(name, side, "idle") for side in SIDES}
        loaded = {side: pick(name, side, "loaded") for side in SIDES}
        scenarios.append(
            {
                "scenario": name,
                "path": route["path"].split("?")[0] + ("?cursor=…" if "?" in route["path"] else ""),
                "queries": route["queries"],
                "response_bytes": route["bytes"],
                "idle": idle,
                "loaded": loaded,
                "throughput_ratio": loaded["ours"]["rps"] / loaded["floor"]["rps"],
                "p50_ratio": idle["ours"]["p50_ms"] / idle["floor"]["p50_ms"],
                "p95_ratio": idle["ours"]["p95_ms"] / idle["floor"]["p95_ms"],
                "loaded_p95_ratio": loaded["ours"]["p95_ms"] / loaded["floor"]["p95_ms"],
            }
        )
    by_name = {s["scenario"]: s for s in scenarios}
    page1, deep = by_name["gallery page 1"], by_name["gallery ~90,000 deep"]
    html = []
    for name, page in pages.items():
        idle, loaded = pick(name, "ours", "idle"), pick(name, "ours", "loaded")
        api = pick(f"{name} API", "ours", "idle")
        html.append(
            {
                "page": name,
                "path": page["path"],
                "api_path": page["api"]["path"],
                "rows": page["rows"],
                "queries": page["queries"],
                "api_queries": page["api"]["queries"],
                "response_bytes": page["bytes"],
                "idle": idle,
                "loaded": loaded,
                "api_idle": api,
                "p50_ratio": idle["p50_ms"] / api["p50_ms"],
                "p95_ratio": idle["p95_ms"] / api["p95_ms"],
            }
        )
    return {
        "dreams": N_DREAMS,
        "journal_size": facts["journal_size"],
        "gallery_size": int(N_DREAMS * GALLERY_SHARE),
        "deep_rows": DEEP_ROWS,
        "workers": WORKERS,
        "connections": args.connections,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "load_generator": "wrk" if shutil.which("wrk") else "python threads + requests",
        "scenarios": scenarios,
        "pages": html,
        # The bench user's key is a credential like any other: it stays out of the report.
        "sql": {
            name: [q.replace(facts["token"], "<token>") for q in route["sql"]]
            for name, route in routes.items()
        },
        "deep_vs_page1": {
            side: {
                "p50": deep["idle"][side]["p50_ms"] / page1["idle"][side]["p50_ms"],
                "p95": deep["idle"][side]["p95_ms"] / page1["idle"][side]["p95_ms"],
                "rps": deep["loaded"][side]["rps"] / page1["loaded"][side]["rps"],
            }
            for side in SIDES
        },
    }


def markdown(report: dict) -> str:
    lines = [
        f"Throughput at {report['connections']} concurrent connections; latency of one "
        "connection at a time (the cost of a request without queueing); "
        f"{report['seconds']:.0f} s per measurement, median of {report['rounds']} rounds.",
        "",
        "| scenario | SQL queries | ours req/s | floor req/s | ours/floor throughput "
        "| ours p50 / p95 ms | floor p50 / p95 ms | p50 ratio | p95 ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in report["scenarios"]:
        o, f = s["loaded"]["ours"], s["loaded"]["floor"]
        oi, fi = s["idle"]["ours"], s["idle"]["floor"]
        lines.append(
            f"| {s['scenario']} (`{s['path']}`) | {s['queries']} "
            f"| {o['rps']:.0f} | {f['rps']:.0f} | {s['throughput_ratio']:.2f} "
            f"| {oi['p50_ms']:.2f} / {oi['p95_ms']:.2f} | {fi['p50_ms']:.2f} / {fi['p95_ms']:.2f} "
            f"| {s['p50_ratio']:.2f} | {s['p95_ratio']:.2f} |"
        )
    lines += [
        "",
        f"Latency under load ({report['connections']} connections, queueing included):",
        "",
        "| scenario | ours p50 / p95 ms | floor p50 / p95 ms |",
        "|---|---:|---:|",
    ]
    for s in report["scenarios"]:
        o, f = s["loaded"]["ours"], s["loaded"]["floor"]
        lines.append(
            f"| {s['scenario']} | {o['p50_ms']:.1f} / {o['p95_ms']:.1f} "
            f"| {f['p50_ms']:.1f} / {f['p95_ms']:.1f} |"
        )
    d = report["deep_vs_page1"]
    lines += [
        "",
        f"Deep gallery page (~{report['deep_rows']:,} rows down) against page 1: "
        f"ours p50 ×{d['ours']['p50']:.2f}, p95 ×{d['ours']['p95']:.2f}, "
        f"throughput ×{d['ours']['rps']:.2f}; floor p50 ×{d['floor']['p50']:.2f}, "
        f"throughput ×{d['floor']['rps']:.2f} (1.00 = a deep page costs what page 1 costs).",
    ]
    if report.get("pages"):
        lines += [
            "",
            "HTML pages, first screen (ours only), against our API giving the same rows "
            "(one connection at a time; goal: page p50 ≤ 2× the API's):",
            "",
            "| page | dreams | SQL queries (API) | page req/s | page p50 / p95 ms "
            "| API p50 / p95 ms | p50 ratio | p95 ratio |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for p in report["pages"]:
            i, a = p["idle"], p["api_idle"]
            lines.append(
                f"| {p['page']} (`{p['path']}` against `{p['api_path']}`) | {p['rows']} "
                f"| {p['queries']} ({p['api_queries']}) | {p['loaded']['rps']:.0f} "
                f"| {i['p50_ms']:.2f} / {i['p95_ms']:.2f} | {a['p50_ms']:.2f} / {a['p95_ms']:.2f} "
                f"| {p['p50_ratio']:.2f} | {p['p95_ratio']:.2f} |"
            )
    return "\n".join(lines)


HEADING = "## API list endpoints against a floor (`bench/api_load.py`)"


def _abridged(sql: str) -> str:
    """The statement with its column list counted, not spelled out (it is in api_load.json)."""
    match = re.match(r"SELECT (.+?) FROM ", sql)
    if not match:
        return sql
    columns = match.group(1).count(", ") + 1
    return f"SELECT <{columns} columns> FROM " + sql[match.end() :]


def results_section(report: dict) -> str:
    """This bench's section of ``bench/RESULTS.md`` (``run_all.py`` writes it too)."""
    lines = [
        HEADING,
        "",
        f"{report['dreams']:,} dreams in PostgreSQL; the journal user owns "
        f"{report['journal_size']:,}, the gallery holds {report['gallery_size']:,}. gunicorn, "
        f"{report['workers']} sync workers each side; load: {report['load_generator']}; "
        f"medians of {report['rounds']} interleaved rounds. The floor (`bench/floor_app.py`) "
        "runs the same SQL with psycopg and writes the same JSON with nothing in between.",
        "",
        markdown(report),
        "",
        "SQL per request (captured with `CaptureQueriesContext`):",
        "",
    ]
    for name, statements in report["sql"].items():
        lines.append(f"* {name}: {len(statements)} quer{'y' if len(statements) == 1 else 'ies'}")
        lines += [f"  ```sql\n  {_abridged(sql)}\n  ```" for sql in statements]
    return "\n".join(lines)


def write_results(report: dict) -> None:
    """Replace this bench's section of ``bench/RESULTS.md``, leaving the others as they are."""
    from datetime import UTC, datetime

    import sections

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = results_section(report).replace(
        HEADING, f"{HEADING}\n\nRun alone by `bench/api_load.py --write` on {when}.", 1
    )
    sections.write_section("api_load", body, heading=HEADING)


if __name__ == "__main__":
    main()
