from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone
from wagtail.models import Revision


class Command(BaseCommand):
    help = (
        "Publish the pages (and unpublish the expired ones) whose scheduled time has come: "
        "Wagtail's publish_scheduled, saying how many it published."
    )

    def handle(self, *args, **options):
        due = Revision.objects.filter(approved_go_live_at__lte=timezone.now()).count()
        call_command("publish_scheduled", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(f"Published {due} scheduled revision{'s' if due != 1 else ''}.")
