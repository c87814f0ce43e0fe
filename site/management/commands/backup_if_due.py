from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.timesince import timesince

from coachhouse.backups import BackupError, backup_create_if_due, size_text


class Command(BaseCommand):
    help = (
        "The clock's backup: write one (as manage.py backup does) when BACKUP_LOCATION is set "
        "and its newest archive is BACKUP_INTERVAL_HOURS old; otherwise do nothing. One line."
    )

    def handle(self, *args, **options):
        try:
            due = backup_create_if_due()
        except BackupError as error:
            raise CommandError(str(error)) from error
        hours = f"{settings.BACKUP_INTERVAL_HOURS:g}"
        if due.state == "off":
            self.stdout.write(
                "Backups are off: set BACKUP_LOCATION to a folder or s3://bucket/prefix to "
                f"take one every {hours} hours."
            )
        elif due.state == "busy":
            self.stdout.write("Another process is taking the backup.")
        elif due.state == "not_due":
            self.stdout.write(f"Last backup {timesince(due.newest)} ago; next after {hours} hours.")
        else:
            removed = f", removed {len(due.result.removed)} older" if due.result.removed else ""
            self.stdout.write(
                f"Backup written: {due.result.location} ({size_text(due.result.size)}{removed})."
            )
