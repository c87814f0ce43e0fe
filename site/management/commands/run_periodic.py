from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from coachhouse.tasks import run_periodic as run_periodic_task

# Each app's own periodic command, in order. One failing does not stop the others.
# Django's `clearsessions` deletes expired sessions, which nothing else ever removes;
# `email_requeue_stale` sends again the emails of a worker that died while sending;
# `publish_due_pages` runs Wagtail's `publish_scheduled` for pages whose time has come;
# `backup_if_due` takes the day's backup (coachhouse/backups.py), last as it takes longest.
JOBS = (
    "coaching_expire",
    "course_nudges",
    "clearsessions",
    "email_requeue_stale",
    "publish_due_pages",
    "backup_if_due",
)
# What to print for a job that prints nothing itself.
DONE = {"clearsessions": "Removed expired sessions."}


class Command(BaseCommand):
    help = (
        "Run every periodic job: expire the wait list (coaching_expire), send course "
        "reminders (course_nudges), delete expired sessions (clearsessions), queue again the "
        "emails of a worker that died (email_requeue_stale), publish scheduled pages "
        "(publish_due_pages) and take the day's backup (backup_if_due). run_clock runs it every "
        "minute; or run it from cron, hourly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the jobs for the task worker (db_worker) instead of running them here.",
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            result = run_periodic_task.enqueue()
            self.stdout.write(f"Queued for the worker as task {result.id}.")
            return
        failed = []
        for job in JOBS:
            self.stdout.write(f"{job}: ", ending="")
            try:
                call_command(job, stdout=self.stdout, stderr=self.stderr)
                if job in DONE:
                    self.stdout.write(DONE[job])
            except Exception as error:  # report it, run the rest, then fail the command
                self.stderr.write(f"{job} failed: {error!r}")
                failed.append(job)
        if failed:
            raise CommandError(f"Failed: {', '.join(failed)}")
