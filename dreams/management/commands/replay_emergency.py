from django.core.management.base import BaseCommand, CommandError

from dreams.storage.journal import UNREPLAYABLE, emergency_records, journal_path
from dreams.storage.replay import emergency_replay


class Command(BaseCommand):
    help = "Replay dreams written to the emergency journal while the database was unreachable."

    def handle(self, *args, **options) -> None:
        summary = emergency_replay()
        waiting = emergency_records()
        stuck = emergency_records(states=(UNREPLAYABLE,))
        self.stdout.write(
            f"Journal {journal_path()}: {summary.replayed} replayed, "
            f"{summary.already_there} already there, {summary.unreplayable} unreplayable now, "
            f"{len(waiting)} still waiting, {len(stuck)} kept as unreplayable."
        )
        for record in stuck:
            self.stderr.write(f"unreplayable {record.id}: {record.error}")
        if waiting:
            raise CommandError("The database did not take every record; run again when it answers.")
