"""Site-wide background tasks."""

from django.core.management import call_command
from django.tasks import task


@task
def run_periodic() -> None:
    """The daily jobs (wait-list expiry, course reminders), for a worker or a scheduler to run."""
    call_command("run_periodic")
