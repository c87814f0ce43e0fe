from django.core.management.base import BaseCommand

from course.nudges import nudges_send


class Command(BaseCommand):
    help = (
        "Email learners whose course has gone quiet (Settings → Course reminders), once per "
        "step. Run it daily or hourly (cron or a systemd timer); running it again sends nothing "
        "twice."
    )

    def handle(self, *args, **options):
        self.stdout.write(nudges_send().summary())
