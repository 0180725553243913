"""Run docker-compose.yml's topology natively, drive it, prove it scales out, stop it.

Run: ``make cluster`` (= ``.venv/bin/python bench/cluster.py``), 4-5 minutes on 2 cores.
Needs PostgreSQL and Redis on 127.0.0.1 (as for ``make test``; ``CLUSTER_POSTGRES_URL`` and
``CLUSTER_REDIS_URL`` point elsewhere) and the dev requirements (moto's S3 server, PyYAML).

No container engine runs here, so every compose service becomes a native process with the
same command and the same variables (``tests/support/cluster/topology.py`` reads both from
``docker-compose.yml`` at every run): two ``web`` instances under gunicorn on their own
loopback ports, two ``worker`` instances (``supervise_worker -- rqworker``), ``migrate``
once before them; PostgreSQL is a fresh database, Redis two database numbers nobody uses,
MinIO is moto's S3 server. It then drives 200 dreams with video (demo provider) through
web A and web B in turn, SIGKILLs one worker a third of the way through, and proves:

* every video is stored once in S3 and plays from either web (presigned redirect, ranged);
* every job is finished by whichever worker took it, and the kill loses none;
* throttles and the gallery are shared: a budget spent on A holds on B, an approval on A
  shows in B's gallery on its next request;
* it stops everything it started (process groups, the database, the Redis databases),
  also on Ctrl-C.

Prints a short report (jobs/s, p95 job time, requests/s per web, each proof PASS/FAIL) and
exits non-zero if any proof fails; the logs are then kept and their folder named.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.cluster import ClusterOptions, RunSize, run_cluster  # noqa: E402


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # a SIGTERM cleans up like Ctrl-C does


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dreams", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8, help="concurrent users (1-12)")
    parser.add_argument("--duration", type=int, default=2, help="seconds of video per dream")
    parser.add_argument("--webs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--stale-seconds",
        type=int,
        default=20,
        help="VIDEO_JOB_STALE_SECONDS for the run: how soon a killed worker's job is re-enqueued",
    )
    args = parser.parse_args()
    if args.webs != 2 or args.workers < 2:
        parser.error("the proofs need exactly 2 webs and at least 2 workers")
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()
    try:
        report = run_cluster(
            RunSize(dreams=args.dreams, clients=args.clients, duration=args.duration),
            ClusterOptions(webs=args.webs, workers=args.workers, stale_seconds=args.stale_seconds),
            say=lambda line: print(line, flush=True),
        )
    except KeyboardInterrupt:
        print("interrupted: everything the run started is stopped", file=sys.stderr)
        return 130
    print(f"\n## make cluster ({time.monotonic() - started:.0f} s)\n")
    print(report.text())
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
