"""The video app's background tasks, where task backends and earlier queues look for them.

They are defined beside the steps they run (``videos.jobs.machine``); this path stays so
tasks queued by earlier releases still resolve.
"""

from videos.jobs.machine import video_job_advance_task, video_job_cancel_at_provider_task

__all__ = ["video_job_advance_task", "video_job_cancel_at_provider_task"]
