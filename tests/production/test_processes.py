"""The production processes: the Procfile, gunicorn's configuration and the clock."""

import datetime
import io
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command, get_commands
from django.db import connection
from django.test import Client
from django.utils import timezone
from gunicorn.app.base import Application
from honcho.environ import parse_procfile
from wagtail.models import Page

from coachhouse.management.commands.run_periodic import JOBS
from tests.factories import ArticlePageFactory

PROJECT_DIR = Path(__file__).resolve().parents[2]
# The virtual environment's programs (python, gunicorn): what the Procfile's commands run.
VENV_BIN = Path(sys.executable).parent


def scheduled_article(index, *, title: str):
    """An article its editor scheduled, whose time came an hour ago: offline until a run."""
    article = ArticlePageFactory(parent=index, title=title, live=False)
    article.go_live_at = timezone.now() + datetime.timedelta(hours=1)
    article.save_revision().publish()  # scheduled: Wagtail keeps it offline until then
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    revision = article.get_latest_revision()
    revision.approved_go_live_at = an_hour_ago
    revision.content["go_live_at"] = an_hour_ago.isoformat()
    revision.save(update_fields=["approved_go_live_at", "content"])
    assert Client().get(article.url).status_code == 404
    return article


# The Procfile -------------------------------------------------------------------------------


def procfile() -> dict[str, str]:
    """The Procfile's processes, read as honcho (and so `make production`) reads them."""
    return parse_procfile((PROJECT_DIR / "Procfile").read_text()).processes


def steps(command: str) -> list[list[str]]:
    return [shlex.split(step) for step in command.split("&&")]


def test_the_procfile_declares_release_web_worker_and_clock():
    assert list(procfile()) == ["release", "web", "worker", "clock"]


def test_every_procfile_command_runs_an_installed_program_or_an_existing_manage_py_command():
    commands = get_commands()
    for name, command in procfile().items():
        for program, *args in steps(command):
            assert shutil.which(program, path=str(VENV_BIN)), f"{name}: no {program} in the venv"
            if program == "python":
                assert args[0] == "manage.py"
                assert args[1] in commands, f"{name}: no command manage.py {args[1]}"


def test_the_release_checks_migrates_collects_and_prepares_media_stopping_at_a_failure():
    # Joined by &&: a failed step fails the release, and the deploy checks come before any
    # change to the database.
    assert steps(procfile()["release"]) == [
        ["python", "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        ["python", "manage.py", "migrate", "--no-input"],
        ["python", "manage.py", "collectstatic", "--no-input"],
        ["python", "manage.py", "prepare_media_bucket"],
    ]


def test_web_runs_the_wsgi_app_with_the_gunicorn_config_file():
    assert steps(procfile()["web"]) == [
        ["gunicorn", "coachhouse.wsgi", "--config", "gunicorn.conf.py"]
    ]


# gunicorn.conf.py ----------------------------------------------------------------------------


class GunicornConfig(Application):
    """gunicorn's own loader, reading gunicorn.conf.py as `gunicorn -c` does."""

    def load_config(self):
        self.load_config_from_file(str(PROJECT_DIR / "gunicorn.conf.py"))

    def load(self):
        raise NotImplementedError("only the configuration is read")


def test_gunicorn_binds_every_interface_on_port_and_runs_web_concurrency_workers(monkeypatch):
    monkeypatch.setenv("PORT", "5123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")

    config = GunicornConfig().cfg

    assert config.bind == ["0.0.0.0:5123"]
    assert config.workers == 3
    assert config.worker_class_str == "sync"


def test_gunicorn_defaults_to_port_8000_and_two_workers_per_cpu_plus_one(monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    cpus = os.process_cpu_count() if hasattr(os, "process_cpu_count") else os.cpu_count()

    config = GunicornConfig().cfg

    assert config.bind == ["0.0.0.0:8000"]
    assert config.workers == 2 * cpus + 1


def test_gunicorn_logs_to_the_standard_streams_and_recycles_workers(monkeypatch):
    config = GunicornConfig().cfg

    assert (config.accesslog, config.errorlog) == ("-", "-")
    assert (config.timeout, config.graceful_timeout) == (30, 30)
    assert config.max_requests == 1000
    assert config.max_requests_jitter > 0


# The clock ----------------------------------------------------------------------------------


def test_run_clock_once_runs_every_periodic_job_and_logs_one_line(site_tree):
    article = scheduled_article(site_tree["index"], title="Out on time")
    Session.objects.create(
        session_key="expired0session0key0expired0session",
        session_data="",
        expire_date=timezone.now() - datetime.timedelta(days=1),
    )
    out = io.StringIO()

    call_command("run_clock", once=True, stdout=out)

    [line] = out.getvalue().splitlines()
    for job in JOBS:
        assert f"{job}: " in line
    assert "publish_due_pages: Published 1 scheduled revision." in line
    assert "Out on time" in Client().get(article.url).content.decode()
    assert not Session.objects.exists()


def test_run_clock_refuses_an_interval_that_is_not_positive():
    with pytest.raises(Exception, match="--interval must be a positive number of seconds"):
        call_command("run_clock", interval=0)


def database_url_for_another_process(tmp_path: Path) -> str:
    """The test database as a URL a second process can open (SQLite's is in memory: a copy)."""
    if connection.vendor == "sqlite":
        copy = tmp_path / "db.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(copy)])
        return f"sqlite:///{copy}"
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def page_is_live(database_url: str, pk: int) -> bool:
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as copy:
            [(live,)] = copy.execute("SELECT live FROM wagtailcore_page WHERE id = ?", [pk])
        return bool(live)
    return Page.objects.get(pk=pk).live


class Clock:
    """`manage.py run_clock --interval 1` in its own process, with the test settings."""

    def __init__(self, database_url: str):
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter, our own manage.py
            [sys.executable, "manage.py", "run_clock", "--interval", "1"],
            cwd=PROJECT_DIR,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "coachhouse.settings.test",
                "DATABASE_URL": database_url,
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # A clock that hangs must fail the test, not hold up the suite.
        self.watchdog = threading.Timer(20, self.process.kill)
        self.watchdog.start()
        self.lines: list[str] = []

    def wait_for(self, count: int, text: str) -> list[str]:
        """Read its log until `count` lines contain `text`; return those lines."""
        found = []
        while len(found) < count:
            line = self.process.stdout.readline()
            assert line, f"the clock exited: {''.join(self.lines)}"
            self.lines.append(line)
            if text in line:
                found.append(line)
        return found

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        rest, _ = self.process.communicate(timeout=10)
        self.watchdog.cancel()
        self.lines.append(rest)
        return self.process.returncode


# Committed rows, for the clock's own process to read; serialized rollback restores Wagtail's
# root page, locale and default site, which the flush after a transactional test removes.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_clock_process_publishes_a_due_page_each_minute_and_stops_cleanly_on_sigterm(
    site_tree, tmp_path
):
    article = scheduled_article(site_tree["index"], title="Out on time")
    database_url = database_url_for_another_process(tmp_path)
    clock = Clock(database_url)
    try:
        first, second = clock.wait_for(2, "periodic jobs, ")
    finally:
        returncode = clock.stop()

    assert "publish_due_pages: Published 1 scheduled revision." in first
    assert "publish_due_pages: Published 0 scheduled revisions." in second
    assert page_is_live(database_url, article.pk)
    assert returncode == 0
    assert clock.lines[-1].strip().endswith("Stopped.")


def test_the_clock_logs_a_failed_run_and_runs_again(tmp_path):
    # A database without tables: every job fails, as they would with the database away.
    clock = Clock(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    try:
        failures = clock.wait_for(2, "failed")
    finally:
        returncode = clock.stop()

    assert "publish_due_pages failed: OperationalError('no such table" in failures[1]
    assert returncode == 0


# make production's database -----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_create_database_creates_a_missing_database_and_leaves_an_existing_one(settings):
    import psycopg

    scratch = "coachhouse_test_create_database"
    db = connection.settings_dict
    server = {"dbname": "postgres", "host": db["HOST"], "port": db["PORT"] or 5432}
    server.update(user=db["USER"], password=db["PASSWORD"] or None, autocommit=True)
    with psycopg.connect(**server) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {scratch}")
    settings.DATABASES = {**settings.DATABASES, "default": {**db, "NAME": scratch}}
    try:
        first, second = io.StringIO(), io.StringIO()
        call_command("create_database", stdout=first)
        with psycopg.connect(**{**server, "dbname": scratch}) as created:
            created.execute("CREATE TABLE kept (id int)")
        call_command("create_database", stdout=second)
        with psycopg.connect(**{**server, "dbname": scratch}) as existing:
            assert existing.execute("SELECT count(*) FROM kept").fetchone() == (0,)
    finally:
        with psycopg.connect(**server) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {scratch}")

    assert first.getvalue().strip() == f"Created the database {scratch}."
    assert second.getvalue().strip() == f"Database {scratch} exists."
