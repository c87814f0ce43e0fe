from django.core.management.base import BaseCommand

from accounts.services import email_tasks_requeue_stale


class Command(BaseCommand):
    help = "Queue again the email tasks that a worker which died left running."

    def handle(self, *args, **options):
        count = email_tasks_requeue_stale()
        self.stdout.write(f"Queued {count} email{'s' if count != 1 else ''} again.")
