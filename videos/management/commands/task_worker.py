"""Run django_tasks_db's worker loop in several threads of one process.

A video job's steps mostly wait: on RunwayML's API, on the download, on the sandbox's
child decoding the file (on another core). ``db_worker`` runs one step at a time, so a
thousand jobs queue behind each other's waits; here each of ``--threads`` threads runs
``db_worker``'s own loop (claim a ready task with ``SELECT … FOR UPDATE SKIP LOCKED``,
run it, record it), so that many steps are in flight at once. Python runs one thread at
a time, so the process stays under one core whatever the thread count.

SIGTERM or SIGINT: every thread finishes the task it is running and stops (a second
signal exits at once). A thread whose loop fails (the database went away) stops them
all, and the process exits 1 so its supervisor (``supervise_worker``) starts a new one.
"""

from __future__ import annotations

import os
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import (
    Worker,
    valid_backend_name,
    valid_interval,
)

_JOIN_TICK_SECONDS = 0.5


class Command(BaseCommand):
    help = "Run the database task worker with several threads in one process."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--threads",
            type=int,
            default=settings.TASK_WORKER_THREADS,
            help="tasks run at once (default: TASK_WORKER_THREADS, %(default)s)",
        )
        parser.add_argument(
            "--interval",
            type=valid_interval,
            default=1.0,
            help="seconds a thread waits when no task is ready (default %(default)s)",
        )
        parser.add_argument("--queue-name", default="default", help="comma-separated queues")
        parser.add_argument("--backend", default="default", type=valid_backend_name)
        parser.add_argument("--worker-id", default=get_random_string(32))
        parser.add_argument(
            "--no-startup-delay",
            action="store_false",
            dest="startup_delay",
            help="start polling at once rather than after a random delay of up to 1 s",
        )

    def handle(
        self,
        *args,
        threads: int,
        interval: float,
        queue_name: str,
        backend: str,
        worker_id: str,
        startup_delay: bool,
        **options,
    ) -> None:
        if threads < 1:
            self.stderr.write("--threads must be at least 1")
            raise SystemExit(2)
        workers = [
            Worker(
                queue_names=queue_name.split(","),
                interval=interval,
                batch=False,
                backend_name=backend,
                startup_delay=startup_delay,
                max_tasks=None,
                # Each thread claims tasks under its own id: the results say which ran what.
                worker_id=f"{worker_id}-{n}"[:64],
                excluded_queue_names=[],
            )
            for n in range(threads)
        ]
        failed = threading.Event()

        def stop_all() -> None:
            for worker in workers:
                worker.running = False

        def loop(worker: Worker) -> None:
            try:
                worker.run()
            except BaseException:
                failed.set()
                stop_all()
                raise  # threading's excepthook prints the traceback
            finally:
                connections.close_all()  # this thread's connections

        signals = 0

        def on_signal(signum, frame) -> None:
            nonlocal signals
            signals += 1
            if signals > 1:
                os._exit(1)  # asked twice: do not wait for the tasks in flight
            self.stderr.write(f"{signal.strsignal(signum)}: finishing the tasks in flight")
            stop_all()

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, on_signal)
        pool = [
            threading.Thread(target=loop, args=(w,), name=f"task-worker-{n}", daemon=True)
            for n, w in enumerate(workers)
        ]
        for thread in pool:
            thread.start()
        for thread in pool:
            # A timed join, so signals reach the handler above while we wait.
            while thread.is_alive():
                thread.join(_JOIN_TICK_SECONDS)
        if failed.is_set():
            raise SystemExit(1)
