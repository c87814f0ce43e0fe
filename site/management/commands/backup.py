from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coachhouse.backups import BackupError, backup_create, count_text, size_text


class Command(BaseCommand):
    # A backup is wanted most when something is wrong: no system check may stop one.
    requires_system_checks = []

    help = (
        "Write one backup archive (the database, and the media files or a list of the media "
        "bucket's objects) to BACKUP_LOCATION or --to, then delete all but the newest "
        "BACKUP_KEEP archives there. `manage.py restore ARCHIVE` loads one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            metavar="FOLDER_OR_S3_URL",
            help="A folder, or s3://bucket/prefix (default: BACKUP_LOCATION).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            help=f"How many archives to keep there, newest first (default: BACKUP_KEEP, "
            f"now {settings.BACKUP_KEEP}).",
        )

    def handle(self, *args, **options):
        try:
            result = backup_create(
                location=options["to"], keep=options["keep"], report=self.stdout.write
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        if result.removed:
            self.stdout.write(
                f"Removed {count_text(len(result.removed), 'older backup')}: "
                f"{', '.join(result.removed)}."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Backup written: {result.location} ({size_text(result.size)}).")
        )
