from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from coachhouse.backups import BackupError, backup_restore, count_text, some


class Command(BaseCommand):
    # A restore is wanted when something has gone wrong: no system check may stand in its way.
    requires_system_checks = []

    help = (
        "Load a backup archive (a path or s3://bucket/prefix/name.tar.gz) into the configured "
        "database, which must be new and empty (manage.py create_database makes a missing "
        "PostgreSQL database), and put its media files back."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The archive: a path or an s3:// URL.")
        parser.add_argument(
            "--replace-media",
            action="store_true",
            help="Overwrite media files that exist with other content (refused otherwise).",
        )

    def handle(self, *args, **options):
        try:
            result = backup_restore(
                archive=options["archive"],
                replace_media=options["replace_media"],
                report=self.stdout.write,
            )
        except BackupError as error:
            raise CommandError(str(error)) from error

        # Models with rows, or every model at --verbosity 2: restored, and in the manifest.
        shown = [row for row in result.rows if row[1] or row[2] or options["verbosity"] > 1]
        differ = [label for label, now, then in result.rows if (now or 0) != (then or 0)]
        made = datetime.fromisoformat(result.created).strftime("%Y-%m-%d %H:%M UTC")
        self.stdout.write(f"Rows per model, restored and in the backup made {made}:")
        width = max((len(label) for label, _now, _then in shown), default=0)
        for label, now, then in shown:
            flag = "" if (now or 0) == (then or 0) else "  <- differs"
            self.stdout.write(f"  {label:<{width}}  {now or 0:>7} of {then or 0:>7}{flag}")
        total = sum(now or 0 for _label, now, _then in result.rows)
        self.stdout.write(f"{total} rows in {count_text(len(result.rows), 'model')}.")

        if result.media_bucket:
            self._bucket_summary(result)
        else:
            self.stdout.write(
                f"Media: {result.media_restored} restored, {result.media_already_there} "
                f"already there, {result.media_replaced} replaced."
            )
        for note in result.notes:
            self.stdout.write(self.style.WARNING(note))
        if result.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    f"This code has {count_text(len(result.pending_migrations), 'migration')} "
                    f"the backup predates ({some(result.pending_migrations)}): run "
                    "manage.py migrate next."
                )
            )
        if differ:
            self.stdout.write(
                self.style.WARNING(
                    f"{count_text(len(differ), 'model')} differ from the manifest (rows written "
                    f"while the backup was taken): {some(differ)}."
                )
            )
        self.stdout.write(self.style.SUCCESS("Restored."))

    def _bucket_summary(self, result):
        if not result.media_missing and not result.media_changed:
            self.stdout.write(
                f"Media: all {count_text(result.media_objects, 'object')} the backup lists are "
                f"in the bucket {result.media_bucket}."
            )
            return
        if result.media_missing:
            missing = len(result.media_missing)
            self.stdout.write(
                self.style.WARNING(
                    f"Media: {missing} of the {count_text(result.media_objects, 'object')} the "
                    f"backup lists {'is' if missing == 1 else 'are'} missing from the bucket "
                    f"{result.media_bucket}: {some(result.media_missing, 10)}."
                )
            )
        if result.media_changed:
            self.stdout.write(
                self.style.WARNING(
                    f"Media: {count_text(len(result.media_changed), 'object')} changed in the "
                    f"bucket since the backup: {some(result.media_changed, 10)}."
                )
            )
