from datetime import timedelta

from django.core.management.base import BaseCommand

from videos.housekeeping import media_sweep


class Command(BaseCommand):
    help = (
        "Delete staged uploads, demo renders and temp folders that ended processes left "
        "behind, and whatever the apps above registered to sweep with them."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--max-age",
            type=int,
            default=None,
            help="Seconds a leftover must be old (default VIDEO_LEFTOVER_MAX_AGE_SECONDS).",
        )

    def handle(self, *args, max_age: int | None, **options) -> None:
        report = media_sweep(max_age=timedelta(seconds=max_age) if max_age is not None else None)
        self.stdout.write(
            f"Swept {report.staged_files} staged upload(s), {report.demo_renders} demo "
            f"render(s), {report.temp_dirs} temp folder(s)."
        )
        for name, count in report.others.items():
            self.stdout.write(f"Swept {count} {name}.")
