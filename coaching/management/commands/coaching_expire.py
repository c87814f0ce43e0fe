from django.core.management.base import BaseCommand

from coaching.services import waitlist_expire


class Command(BaseCommand):
    help = (
        "Remove wait-list entries left unconfirmed for 7 days and settle expired invitations. "
        "Run it daily (cron or a systemd timer); running it more often is harmless."
    )

    def handle(self, *args, **options):
        result = waitlist_expire()
        self.stdout.write(
            f"Removed {result['unconfirmed_removed']} unconfirmed entries; "
            f"{result['invitations_expired']} invitations expired; "
            f"invited {result['invited']} people in their place."
        )
