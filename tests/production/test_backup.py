"""Backups that restore: `manage.py backup`, `restore` and the clock's `backup_if_due`.

The round trips run the commands as a deployment does, each in its own process with its own
database (a SQLite file, or a PostgreSQL database made for the test and dropped after it) and
its own MEDIA_ROOT: migrate, load the demo site, back up, lose the database and the media,
restore, and compare every model's row count and a lesson page's HTML with what they were.
"""

import datetime
import io
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.management import call_command, execute_from_command_line
from django.db import connection

from coachhouse.backups import LOCK_KEY, ArchiveName
from tests.s3_server import running_s3_server

PROJECT_DIR = Path(__file__).resolve().parents[2]

# Every model's row count, and the HTML of the demo's free-preview lesson as an anonymous
# visitor gets it. The page is fetched first: a page's first view may make image renditions
# (rows and files), which the backup then holds, so both runs count the same rows.
SNAPSHOT = """
import json

import django

django.setup()

from django.apps import apps
from django.test import Client
from django.test.utils import setup_test_environment

from lessons.models import LessonPage

setup_test_environment()  # Client's host, testserver, is allowed; the demo site is named so
lesson = LessonPage.objects.live().filter(free_preview=True).order_by("path").first()
response = Client().get(lesson.url)
counts = {
    model._meta.label: model._base_manager.count()
    for model in apps.get_models(include_auto_created=True)
    if model._meta.managed and not model._meta.proxy
}
print(json.dumps({
    "status": response.status_code,
    "title": lesson.title,
    "html": response.content.decode(),
    "counts": counts,
}))
"""


class Site:
    """The site's commands, in their own processes, on one database and media folder."""

    def __init__(self, database_url: str, media_root: Path, **environ: str):
        self.media_root = media_root
        self.environ = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "coachhouse.settings.test",
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(media_root),
            "LOG_LEVEL": "WARNING",
            **environ,
        }
        # A cache of each process's own (local memory), never a shared Redis: the second
        # snapshot must render the page from the restored database, not get the first's copy.
        self.environ.pop("REDIS_URL", None)
        for name in ("BACKUP_LOCATION", "MEDIA_BUCKET"):
            if name not in environ:
                self.environ.pop(name, None)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(  # noqa: S603 - this interpreter, our own manage.py
            [sys.executable, "manage.py", *map(str, args)],
            cwd=PROJECT_DIR,
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if check:
            assert done.returncode == 0, f"manage.py {args[0]}: {done.stdout}{done.stderr}"
        return done

    def snapshot(self) -> dict:
        done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
            [sys.executable, "-c", SNAPSHOT],
            cwd=PROJECT_DIR,
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def media(self) -> dict[str, bytes]:
        return {
            str(path.relative_to(self.media_root)): path.read_bytes()
            for path in sorted(self.media_root.rglob("*"))
            if path.is_file()
        }


def written_archive(stdout: str) -> str:
    """The archive `backup` says it wrote: `Backup written: LOCATION (SIZE).`"""
    [line] = [line for line in stdout.splitlines() if line.startswith("Backup written: ")]
    return line.removeprefix("Backup written: ").rsplit(" (", 1)[0]


def assert_same_site(before: dict, after: dict) -> None:
    assert before["status"] == after["status"] == 200
    assert f"<h1>{before['title']}</h1>" in before["html"]
    assert after["html"] == before["html"]
    assert after["counts"] == before["counts"]
    # The demo's content is there to compare, not empty tables equal to empty tables.
    assert before["counts"]["lessons.LessonPage"] == 8
    assert before["counts"]["wagtailimages.Image"] > 0


# The demo site on SQLite, made once: migrating takes most of the time -----------------------


@pytest.fixture(scope="module")
def demo_sqlite(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    site = Site(f"sqlite:///{folder / 'db.sqlite3'}", folder / "media")
    site.run("migrate", "--no-input", "--skip-checks")
    site.run("load_demo")
    return folder


@pytest.fixture
def demo_site(demo_sqlite, tmp_path) -> Site:
    """A copy of the demo site's database file and media, for this test alone."""
    shutil.copy(demo_sqlite / "db.sqlite3", tmp_path / "db.sqlite3")
    shutil.copytree(demo_sqlite / "media", tmp_path / "media")
    return Site(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "media")


# Round trips -------------------------------------------------------------------------------


def test_a_backup_brings_back_every_row_the_lesson_page_and_the_media_on_sqlite(
    demo_site, tmp_path
):
    before = demo_site.snapshot()
    media_before = demo_site.media()

    backed_up = demo_site.run("backup", "--to", tmp_path / "backups")
    [archive] = (tmp_path / "backups").glob("coachhouse-*.tar.gz")
    assert written_archive(backed_up.stdout) == str(archive)
    (tmp_path / "db.sqlite3").unlink()
    shutil.rmtree(demo_site.media_root)
    restored = demo_site.run("restore", archive)
    after = demo_site.snapshot()

    assert_same_site(before, after)
    assert demo_site.media() == media_before
    assert f"Media: {len(media_before)} restored, 0 already there, 0 replaced." in restored.stdout
    assert "differs" not in restored.stdout
    assert restored.stdout.rstrip().endswith("Restored.")


@pytest.fixture
def throwaway_postgres_url():
    """A PostgreSQL database of its own on the test database's server, dropped afterwards."""
    import psycopg
    from psycopg import sql

    db = connection.settings_dict
    server = {"host": db["HOST"], "port": db["PORT"] or 5432, "user": db["USER"]}
    server["password"] = db["PASSWORD"] or None
    name = f"coachhouse_backup_{uuid.uuid4().hex[:10]}"

    def drop():
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    try:
        yield f"postgres://{user}{password}@{server['host']}:{server['port']}/{name}", drop
    finally:
        drop()


@pytest.mark.postgres
def test_a_backup_brings_back_every_row_the_lesson_page_and_the_media_on_postgresql(
    throwaway_postgres_url, tmp_path
):
    database_url, drop_database = throwaway_postgres_url
    site = Site(database_url, tmp_path / "media")
    site.run("migrate", "--no-input")
    site.run("load_demo")
    before = site.snapshot()
    media_before = site.media()

    archive = written_archive(site.run("backup", "--to", tmp_path / "backups").stdout)
    drop_database()
    shutil.rmtree(site.media_root)
    site.run("create_database")
    restored = site.run("restore", archive)
    after = site.snapshot()

    assert_same_site(before, after)
    assert site.media() == media_before
    assert "Loading the database (PostgreSQL)…" in restored.stdout
    assert "differs" not in restored.stdout


def test_a_backup_to_a_bucket_restores_from_its_s3_url_and_reports_missing_media(
    demo_site, tmp_path
):
    with running_s3_server() as s3:
        backups, media_bucket = s3.create_bucket(), s3.create_bucket()
        # The demo's uploads, moved to the media bucket under the names the database holds.
        client, uploads = s3.client(), demo_site.media()
        for name, data in uploads.items():
            client.put_object(Bucket=media_bucket, Key=name, Body=data)
        shutil.rmtree(demo_site.media_root)
        site = Site(
            demo_site.environ["DATABASE_URL"],
            demo_site.media_root,
            **s3.environ(media_bucket),
            BACKUP_LOCATION=f"s3://{backups}/nightly",
        )

        archive = written_archive(site.run("backup").stdout)
        [key] = s3.keys(backups)
        client.delete_object(Bucket=media_bucket, Key="original_images/home-hero.png")
        (tmp_path / "db.sqlite3").unlink()
        restored = site.run("restore", archive)

    assert archive == f"s3://{backups}/{key}"
    assert key.startswith("nightly/") and ArchiveName.parse(key.removeprefix("nightly/"))
    assert (
        f"Media: 1 of the {len(uploads)} objects the backup lists is missing from the bucket "
        f"{media_bucket}: original_images/home-hero.png."
    ) in restored.stdout
    assert "differs" not in restored.stdout
    assert restored.stdout.rstrip().endswith("Restored.")
    assert not demo_site.media_root.exists()  # bucket media are listed, never copied to disk


# Keeping the newest --------------------------------------------------------------------------


def backup_in_process(**options) -> str:
    out = io.StringIO()
    call_command("backup", stdout=out, **options)
    return written_archive(out.getvalue())


# Committed, as `backup` always sees the database (SQLite's backup refuses an open transaction);
# serialized rollback restores Wagtail's root page and locale, which the flush after it removes.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_backups_keeping_two_leave_the_two_newest(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = tmp_path / "backups"
    (folder / "notes.txt").parent.mkdir()
    (folder / "notes.txt").write_text("not an archive: left alone")

    written = [backup_in_process(to=str(folder), keep=2) for _ in range(3)]

    assert {str(path) for path in folder.glob("coachhouse-*.tar.gz")} == set(written[1:])
    assert (folder / "notes.txt").exists()
    assert not list(folder.glob(".coachhouse-partial-*"))


# Refusals ------------------------------------------------------------------------------------


def manage_py(capsys, *args) -> tuple[int, str]:
    """A command as `python manage.py` runs it, in this process: its exit code and stderr."""
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", *map(str, args)])
    return exited.value.code, capsys.readouterr().err.strip()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_refuses_a_database_that_has_tables(settings, tmp_path, capsys):
    settings.MEDIA_ROOT = tmp_path / "media"
    archive = backup_in_process(to=str(tmp_path / "backups"))

    code, stderr = manage_py(capsys, "restore", archive)

    assert code == 1
    assert stderr.startswith(
        f"CommandError: The database {connection.settings_dict['NAME']} already has "
    )
    assert "tables: a backup is restored only into a new, empty database." in stderr


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_refuses_an_archive_cut_short_before_changing_anything(settings, tmp_path, capsys):
    settings.MEDIA_ROOT = tmp_path / "media"
    archive = Path(backup_in_process(to=str(tmp_path / "backups")))
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])

    code, stderr = manage_py(capsys, "restore", cut)

    assert code == 1
    assert stderr.startswith(f"CommandError: {cut} is damaged and cannot be restored (")


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        ("missing.tar.gz", "No backup archive at {path}."),
        ("notes.txt", "{path} is not a Coachhouse backup: it is not a readable .tar.gz archive."),
    ],
)
def test_restore_refuses_a_missing_file_and_a_file_that_is_not_an_archive(
    tmp_path, capsys, archive, message
):
    (tmp_path / "notes.txt").write_text("Shopping: eggs, flour.")

    code, stderr = manage_py(capsys, "restore", tmp_path / archive)

    assert code == 1
    assert stderr == "CommandError: " + message.format(path=tmp_path / archive)


# The clock's job -----------------------------------------------------------------------------


def backup_if_due() -> str:
    out = io.StringIO()
    call_command("backup_if_due", stdout=out)
    return out.getvalue().strip()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_periodic_job_backs_up_when_the_newest_archive_is_a_day_old_and_not_before(
    settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_LOCATION = str(tmp_path / "backups")
    (tmp_path / "backups").mkdir()
    yesterday = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=25)
    old = tmp_path / "backups" / ArchiveName.make(yesterday).name
    old.write_bytes(b"")

    due = backup_if_due()
    archives = sorted((tmp_path / "backups").glob("coachhouse-*.tar.gz"))
    not_due = backup_if_due()

    assert due == f"Backup written: {archives[-1]} ({due.rsplit('(', 1)[1]}"
    assert archives[0] == old and len(archives) == 2
    assert not_due.startswith("Last backup 0") and not_due.endswith("next after 24 hours.")
    assert sorted((tmp_path / "backups").glob("coachhouse-*.tar.gz")) == archives


@pytest.mark.django_db
def test_the_periodic_job_leaves_the_backup_to_a_clock_already_taking_it(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_LOCATION = str(tmp_path / "backups")
    cache.add(LOCK_KEY, "another clock", timeout=60)

    assert backup_if_due() == "Another process is taking the backup."
    assert not (tmp_path / "backups").exists()


def test_without_a_backup_location_the_periodic_job_says_backups_are_off(settings):
    settings.BACKUP_LOCATION = ""

    assert backup_if_due() == (
        "Backups are off: set BACKUP_LOCATION to a folder or s3://bucket/prefix to take one "
        "every 24 hours."
    )
