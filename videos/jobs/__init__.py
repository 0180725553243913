"""Video jobs: submitting them (``submission``), the worker's state machine (``machine``),
and cancelling, retrying and recovering them (``control``).

A job is a small state machine that the worker advances one step per task run
(``machine.video_job_advance``). Steps are idempotent: a step that runs twice, or is
picked up again after a worker died, does no harm. Nothing sleeps: a step that must
wait re-enqueues itself with ``run_after``. docs/architecture.md draws the states.
"""
