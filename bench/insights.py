"""Benchmark insights on a 10,000-dream journal, against a floor measured in the same run.

Run: ``.venv/bin/python bench/insights.py [--runs 15] [--no-write]`` (under ten seconds;
the first run also seeds, a few seconds more). Needs PostgreSQL: ``DATABASE_URL`` when set,
else ``postgres://postgres@127.0.0.1:5432/dreamjourney_bench_insights`` (created and
migrated when missing). The bench owner's journal is seeded once and reused.

What it measures, each after a warm-up call, ``time.perf_counter`` around each of
``--runs`` calls (p50 and p95):

* **selector**: ``dreams.insights.dream_insights`` for the owner of 10,000 dreams (one
  ``weeks=12`` call: ``QUERY_COUNT`` queries);
* **endpoint**: ``GET /api/insights`` in-process through Django's test client with token
  auth (the token lookup, the selector, the serializer, JSON);
* **floor**: the very SQL statements the selector ran (captured once, with their
  parameters), replayed with psycopg on one open connection: what the database alone
  costs. Each statement is timed too (fewer calls); the heaviest alone is a second floor.

The ratios (ours / floor) say what Django and Python add on top of the database. The
table goes to stdout and, unless ``--no-write``, replaces (or appends) the section
"Insights" of ``bench/RESULTS.md`` (up to the next heading, as ``renderer.py`` does); the
raw numbers go to ``bench/out/insights.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
OUT = BENCH / "out"
RESULTS = BENCH / "RESULTS.md"
HEADING = "## Insights (`bench/insights.py`)"
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dreamjourney_bench_insights"
OWNER = "bench-insights"
N_DREAMS = 10_000
SPAN_DAYS = 1_500  # about four years of nights, most of them with a dream or several
SEED = 14
EMOTIONS = ["joy", "fear", "anxiety", "calm", "wonder", "sadness", "anger", "love", "confusion"]
FAMILIES = {
    "water": ["sea", "river", "rain", "flood", "lake", "wave", "ice", "fountain"],
    "house and rooms": ["door", "stairs", "window", "attic", "corridor", "kitchen", "cellar"],
    "animals": ["fox", "wolf", "whale", "snake", "owl", "horse", "cat", "spider"],
    "people": ["mother", "father", "brother", "stranger", "teacher", "child", "friend"],
    "places": ["city", "forest", "school", "station", "garden", "desert", "island"],
    "flight": ["flying", "falling", "cloud", "bird", "balloon", "wings"],
    "vehicles": ["train", "car", "boat", "bicycle", "plane", "bus"],
    "body": ["teeth", "hands", "eyes", "hair", "voice"],
}


def configure() -> str:
    """Point Django at the bench database (created if it is ours and missing); its URL."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(f"bench/insights.py needs PostgreSQL, not {url.split(':', 1)[0]}")
    if url == DEFAULT_DATABASE_URL:
        server, name = url.rsplit("/", 1)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + "x" * 50,
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "EMERGENCY_AUTO_REPLAY": "false",
            "DJANGO_SETTINGS_MODULE": "dreamjourney.settings",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    return url


def analysis_for(rng: random.Random, n: int) -> object:
    """A varied analysis: symbols with families; old dreams with keywords only; a few broken."""
    if n % 211 == 0:
        return ["not", "an", "object"]
    family_names = list(FAMILIES)
    symbols = []
    for _ in range(rng.randint(2, 6)):
        family = rng.choice(family_names)
        symbols.append({"name": rng.choice(FAMILIES[family]), "family": family})
    analysis = {
        "emotions": rng.sample(EMOTIONS, rng.randint(1, 3)),
        "keywords": [symbol["name"] for symbol in symbols],
        "mood": "eerie",
    }
    if n % 10 != 0:  # one dream in ten was analysed before symbols existed
        analysis["symbols"] = symbols
    return analysis


def seed() -> tuple[object, str]:
    """The bench owner with 10,000 dreams (seeded once); the owner and an API token."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from dreams.models import Dream, ModerationStatus

    user, _ = get_user_model().objects.get_or_create(username=OWNER)
    if Dream.objects.filter(owner=user).count() != N_DREAMS:
        started = time.perf_counter()
        rng = random.Random(SEED)
        today = timezone.localdate()
        with transaction.atomic():
            Dream.objects.filter(owner=user).delete()
            batch = []
            for n in range(N_DREAMS):
                dreamt = today - timedelta(days=int(rng.random() ** 1.3 * SPAN_DAYS))
                public = n % 9 == 0
                batch.append(
                    Dream(
                        owner=user,
                        title=f"Dream {n}",
                        content="I walked along a pier that never ended, and the sea sang.",
                        analysis=analysis_for(rng, n),
                        dreamt_on=dreamt,
                        lucid=rng.random() < 0.15,
                        nightmare=rng.random() < 0.1,
                        is_public=public,
                        moderation_status=(
                            ModerationStatus.APPROVED if public else ModerationStatus.PENDING
                        ),
                    )
                )
                if len(batch) == 2_000:
                    Dream.objects.bulk_create(batch)
                    batch = []
            Dream.objects.bulk_create(batch)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE dreams")
        print(f"seeded {N_DREAMS:,} dreams in {time.perf_counter() - started:.1f} s")
    token, _ = Token.objects.get_or_create(user=user)
    return user, token.key


def timed(calls: dict[str, Callable[[], object]], runs: int) -> dict[str, dict[str, float]]:
    """p50 and p95 ms of each call, measured in interleaved rounds (one call of each in
    turn), so a busy moment on a shared machine weighs on all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():
        call()  # warm-up: imports, plans, caches
    for _ in range(runs):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: _percentiles(sorted(values)) for name, values in samples.items()}


def _percentiles(samples: list[float]) -> dict[str, float]:
    return {
        "p50": statistics.median(samples),
        "p95": samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))],
    }


def captured_statements(call: Callable[[], object]) -> list[tuple[str, tuple]]:
    """The SQL ``call`` runs, with its parameters, as the driver received them."""
    from django.db import connection

    statements: list[tuple[str, tuple]] = []

    def record(execute, sql, params, many, context):
        statements.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        call()
    return statements


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed calls per measurement")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    url = configure()
    from django.test import Client

    from common.owners import Owner
    from dreams.insights import QUERY_COUNT, dream_insights

    user, token = seed()
    owner = Owner(user=user)
    found = dream_insights(owner=owner)
    assert found.totals.dreams == N_DREAMS, found.totals

    def selector() -> object:
        return dream_insights(owner=owner)

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")

    def endpoint() -> object:
        response = client.get("/api/insights")
        assert response.status_code == 200, response.status_code
        return response.content

    statements = captured_statements(selector)
    assert len(statements) == QUERY_COUNT, len(statements)
    families = ["totals", "weekly", "streaks", "emotions", "symbols", "recurring symbols"]

    with psycopg.connect(url) as floor:

        def replay(which: list[tuple[str, tuple]]) -> Callable[[], None]:
            def run() -> None:
                for sql, params in which:
                    floor.execute(sql, params).fetchall()

            return run

        main_timings = timed(
            {"selector": selector, "endpoint": endpoint, "floor": replay(statements)}, args.runs
        )
        per_statement = timed(
            {
                family: replay([statement])
                for family, statement in zip(families, statements, strict=True)
            },
            max(5, args.runs // 3),
        )
        heaviest = max(per_statement, key=lambda family: per_statement[family]["p50"])
        report = {
            "dreams": N_DREAMS,
            "runs": args.runs,
            "queries": len(statements),
            **main_timings,
            "per_statement": per_statement,
            "heaviest": heaviest,
        }
    section = markdown(report)
    print(section)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "insights.json").write_text(json.dumps(report, indent=2))
    if not args.no_write:
        write_section(section)
        print(f"\nwrote the section into {RESULTS}")
    return 0


def machine() -> str:
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    return f"{os.cpu_count()} cores; PostgreSQL {postgres}; commit {commit or '?'}"


def markdown(report: dict) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    floor = report["floor"]
    heaviest = report["heaviest"]

    def row(name: str, timing: dict) -> str:
        return (
            f"| {name} | {timing['p50']:.1f} | {timing['p95']:.1f} | "
            f"{timing['p50'] / floor['p50']:.2f} | {timing['p95'] / floor['p95']:.2f} |"
        )

    lines = [
        HEADING,
        "",
        f"Written on {now}. {machine()}.",
        "",
        f"One owner with {report['dreams']:,} dreams over about four years (emotions, "
        "symbols with families, one in ten with keywords only, a few malformed analyses). "
        f"Each figure: p50 / p95 of {report['runs']} calls after a warm-up, in interleaved "
        "rounds. The floor "
        f"replays the selector's own {report['queries']} SQL statements with psycopg on one "
        "open connection: the database's share.",
        "",
        "| what | p50 ms | p95 ms | p50 ÷ floor | p95 ÷ floor |",
        "|---|---:|---:|---:|---:|",
        row("`dream_insights` (selector)", report["selector"]),
        row("`GET /api/insights` (token auth, in-process)", report["endpoint"]),
        row(f"floor: the {report['queries']} statements via psycopg", floor),
        row(f"floor: the heaviest alone ({heaviest})", report["per_statement"][heaviest]),
        "",
        "Per statement via psycopg, p50 ms: "
        + ", ".join(f"{name} {t['p50']:.1f}" for name, t in report["per_statement"].items())
        + ".",
        "",
    ]
    return "\n".join(lines)


def write_section(section: str, path: Path = RESULTS) -> None:
    """Replace this bench's section of RESULTS.md (up to the next heading), or append it."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    start = text.find(HEADING)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        following = text.find("\n## ", start + len(HEADING))
        text = text[:start] + section + ("\n" + text[following + 1 :] if following != -1 else "")
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
