import os

from django.core.management.base import BaseCommand

from coachhouse.demo.loader import EDITOR_EMAIL, load_demo


class Command(BaseCommand):
    help = "Create the demo site (home, articles, the free course); a second run changes nothing."

    def handle(self, *args, **options):
        report = load_demo(editor_password=os.environ.get("DEMO_EDITOR_PASSWORD") or None)
        if report.created:
            self.stdout.write(
                self.style.SUCCESS("Demo content created: " + ", ".join(report.created))
            )
        else:
            self.stdout.write("Demo content is already in place; nothing changed.")
        if report.editor_password:
            self.stdout.write(
                self.style.WARNING(
                    f"Admin sign-in: {EDITOR_EMAIL} / {report.editor_password}"
                    "  (shown once; set DEMO_EDITOR_PASSWORD to choose it)"
                )
            )
        else:
            self.stdout.write(
                f"Admin sign-in: {EDITOR_EMAIL} with the password shown when it was created "
                "(run with DEMO_EDITOR_PASSWORD=... to set a new one)."
            )
