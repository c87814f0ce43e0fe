import io
import signal
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

# Wagtail publishes a scheduled page at the first run after its time: a minute keeps that
# prompt, and every other job does nothing when there is nothing due.
DEFAULT_INTERVAL = 60
# How often the wait between runs looks whether it was asked to stop. Polling a flag the signal
# handler sets is all a handler can safely do (no locks), and stops the clock within this time.
STOP_POLL = 0.25


class Command(BaseCommand):
    help = (
        "Run every periodic job (manage.py run_periodic) every --interval seconds, without "
        "cron: the Procfile's `clock` process. One line per run; a failed run is logged and "
        "the next one runs on time. SIGTERM or Ctrl-C lets the current run finish, then exits."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=DEFAULT_INTERVAL,
            help=f"Seconds from the start of one run to the next (default: {DEFAULT_INTERVAL}).",
        )
        parser.add_argument("--once", action="store_true", help="Run the jobs once, then exit.")

    def handle(self, *args, **options):
        interval = options["interval"]
        if interval <= 0:
            raise CommandError("--interval must be a positive number of seconds.")
        if options["once"]:
            if not self.run_once():
                raise CommandError("The periodic jobs failed.")
            return
        self.stopping = False
        previous = {
            signum: signal.signal(signum, self.stop) for signum in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            self.stdout.write(f"Running the periodic jobs every {interval:g} s.")
            self.stdout.flush()
            while not self.stopping:
                next_run = time.monotonic() + interval
                # A process that lives for weeks drops the connections the database closed (a
                # restart) or that outlived CONN_MAX_AGE, as Django does around each request.
                close_old_connections()
                self.run_once()
                close_old_connections()
                while not self.stopping and time.monotonic() < next_run:
                    time.sleep(min(STOP_POLL, max(0.0, next_run - time.monotonic())))
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("Stopped.")

    def stop(self, signum, frame):
        """SIGTERM or SIGINT: let the current run finish, then leave the loop."""
        self.stopping = True

    def run_once(self) -> bool:
        """Run every periodic job once and log one line saying how it went."""
        out, err = io.StringIO(), io.StringIO()
        started = time.monotonic()
        try:
            call_command("run_periodic", stdout=out, stderr=err)
            failure = None
        except Exception as error:  # log it; the next run may well succeed
            failure = error
        when = f"{timezone.localtime():%Y-%m-%d %H:%M:%S}"
        took = f"{when} periodic jobs, {time.monotonic() - started:.1f} s"
        if failure is None:
            self.stdout.write(f"{took}: {' | '.join(out.getvalue().splitlines())}")
        else:
            details = " | ".join(err.getvalue().splitlines()) or repr(failure)
            self.stderr.write(f"{took}, failed: {details}")
        self.stdout.flush()
        self.stderr.flush()
        return failure is None
