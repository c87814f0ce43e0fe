"""Backups that restore: one archive holding the database and the media, and the way back.

`backup_create` writes one archive, `coachhouse-YYYYmmdd-HHMMSS.tar.gz` (UTC), to
BACKUP_LOCATION (a folder, or `s3://bucket/prefix`), then deletes all but the newest
BACKUP_KEEP archives there, never before the new one is completely written. It holds:

- `manifest.json`: when and by which versions it was made, the database vendor, the migrations
  applied, each model's row count, and the media. Media on this server's disk are listed with
  their sizes; media in a bucket (MEDIA_BUCKET) are listed with size, ETag and last-modified
  time, but not copied: the bucket keeps them (turn on its versioning to keep older copies too).
  The counts are taken just before the dump, so on a busy site a row written in between makes
  one differ by that row.
- `database.<extension>`: the dump, made and loaded by django-dbbackup's database connectors
  (`dbbackup.db.base.get_connector`), so no pg_dump plumbing lives here. On PostgreSQL that is
  `pg_dump --format=custom`, loaded by `pg_restore --single-transaction` without owners or
  grants (DBBACKUP_CONNECTORS in the settings), so another database user can restore it; on
  SQLite, a copy made with SQLite's online backup API, safe while the site is writing.
- `media/`: the files themselves, when the media are on this server's disk.

`backup_restore` loads an archive into the configured database, which must have no tables yet
(a new one: `manage.py create_database` makes a missing PostgreSQL database), after checking
that the archive is whole, that it was made from the same kind of database, and that this code
knows every migration it had applied. Media files go back into the default storage; an existing
file that differs is never overwritten unless asked. For media in a bucket it reports the
objects the database refers to that the bucket no longer has.

`backup_create_if_due` is the clock's daily job: a backup when the newest archive is older than
BACKUP_INTERVAL_HOURS, taken by one clock only, even with several running (a lock in the cache,
which is Redis in production).

Django has no documented way to read which migrations a database has applied; this uses
`MigrationLoader`, as Django's own `migrate` and `showmigrations` do.
"""

import contextlib
import io
import json
import logging
import os
import platform
import re
import tarfile
import tempfile
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import django
import wagtail
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError
from dbbackup.db.base import get_connector
from dbbackup.db.exceptions import ConnectorError
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.loader import MigrationLoader
from storages.backends.s3 import S3Storage

from coachhouse.content_version import content_changed

# django-dbbackup sets its command logger to DEBUG, which would print each pg_dump command line
# (without the password, but noise) through the root logger's console handler.
logging.getLogger("dbbackup.command").setLevel(logging.WARNING)

ARCHIVE_NAME = re.compile(r"^coachhouse-(?P<stamp>\d{8}-\d{6})(?:-(?P<sequence>\d+))?\.tar\.gz$")
STAMP_FORMAT = "%Y%m%d-%H%M%S"
MANIFEST = "manifest.json"
MEDIA_FOLDER = "media"
# Raised when the archive's layout changes; a restore refuses archives newer than it knows.
FORMAT = 1
# One clock backs up at a time. A clock that dies mid-backup frees the lock after this long.
LOCK_KEY = "backups:running"
LOCK_SECONDS = 60 * 60
CHUNK = 1024 * 1024
VENDOR_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite", "mysql": "MySQL"}
# What goes into an s3:// location's bucket: never public, never re-encoded on the way.
BUCKET_OPTIONS = {
    "default_acl": None,
    "object_parameters": {"ContentType": "application/gzip"},
    "file_overwrite": True,
    "gzip": False,
    "custom_domain": None,
    "querystring_auth": True,
}
# The connection settings an s3:// location shares with the media bucket.
BUCKET_CONNECTION = (
    ("endpoint_url", "AWS_S3_ENDPOINT_URL"),
    ("region_name", "AWS_S3_REGION_NAME"),
    ("access_key", "AWS_ACCESS_KEY_ID"),
    ("secret_key", "AWS_SECRET_ACCESS_KEY"),
)


class BackupError(Exception):
    """Why a backup or a restore could not be done, in words for the person running it."""


def _silent(line: str) -> None:
    """Progress goes nowhere unless the caller asks for it."""


# Where archives are kept ---------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class ArchiveName:
    """An archive's name, ordered by when it was made."""

    created: datetime
    sequence: int
    name: str = field(compare=False)

    @classmethod
    def parse(cls, name: str) -> "ArchiveName | None":
        match = ARCHIVE_NAME.match(name)
        if match is None:
            return None
        created = datetime.strptime(match["stamp"], STAMP_FORMAT).replace(tzinfo=UTC)
        return cls(created, int(match["sequence"] or 1), name)

    @classmethod
    def make(cls, created: datetime, sequence: int = 1) -> "ArchiveName":
        stamp = created.astimezone(UTC).strftime(STAMP_FORMAT)
        suffix = f"-{sequence}" if sequence > 1 else ""
        return cls(created, sequence, f"coachhouse-{stamp}{suffix}.tar.gz")


class Folder:
    """A folder on this server. An archive is built beside its final name, then renamed, so a
    half-written one is never mistaken for a backup."""

    def __init__(self, path: Path):
        self.path = path

    def label(self, name: str = "") -> str:
        return str(self.path / name) if name else str(self.path)

    def check(self) -> None:
        media = _media_storage()
        if isinstance(media, FileSystemStorage):
            media_root = Path(media.location).resolve()
            if self.path.resolve().is_relative_to(media_root):
                raise BackupError(
                    f"Keep backups outside MEDIA_ROOT ({media_root}): part of it is served to "
                    "anyone, and each backup would hold the ones before it."
                )
        try:
            self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise BackupError(f"Could not create the folder {self.path}: {error}") from error

    def names(self) -> list[ArchiveName]:
        if not self.path.is_dir():
            return []
        found = (ArchiveName.parse(entry.name) for entry in self.path.iterdir())
        return sorted(name for name in found if name)

    @contextlib.contextmanager
    def workspace(self) -> Iterator[Path]:
        # On the folder's own disk, so the finished archive is renamed into place, not copied.
        with tempfile.TemporaryDirectory(prefix=".coachhouse-partial-", dir=self.path) as work:
            yield Path(work)

    def store(self, built: Path, name: str) -> None:
        with built.open("rb") as archive:
            os.fsync(archive.fileno())
        os.replace(built, self.path / name)
        # The rename itself survives a power cut once the folder is flushed too.
        folder = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    def delete(self, name: str) -> None:
        (self.path / name).unlink(missing_ok=True)

    @contextlib.contextmanager
    def fetch(self, name: str) -> Iterator[Path]:
        path = self.path / name
        if path.is_dir():
            raise BackupError(f"{path} is a folder, not a backup archive.")
        if not path.is_file():
            raise BackupError(f"No backup archive at {path}.")
        yield path


class Bucket:
    """A prefix in an S3-compatible bucket, reached with the media's endpoint and keys."""

    def __init__(self, bucket: str, prefix: str):
        self.bucket, self.prefix = bucket, prefix
        self.storage = S3Storage(
            bucket_name=bucket, location=prefix, **BUCKET_OPTIONS, **_bucket_connection()
        )

    def label(self, name: str = "") -> str:
        return "s3://" + "/".join(part for part in (self.bucket, self.prefix, name) if part)

    def check(self) -> None:
        media = _media_storage()
        if isinstance(media, S3Storage) and media.bucket_name == self.bucket:
            raise BackupError(
                f"Keep backups in a bucket of their own, not in the media bucket {self.bucket}: "
                "pages' images there are public, and a backup should outlive that bucket."
            )

    def names(self) -> list[ArchiveName]:
        with self._reaching():
            _folders, files = self.storage.listdir("")
        found = (ArchiveName.parse(name) for name in files)
        return sorted(name for name in found if name)

    @contextlib.contextmanager
    def workspace(self) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="coachhouse-backup-") as work:
            yield Path(work)

    def store(self, built: Path, name: str) -> None:
        # One upload (multipart when large): the object appears only once it is complete.
        with self._reaching(), built.open("rb") as archive:
            self.storage.save(name, File(archive))

    def delete(self, name: str) -> None:
        with self._reaching():
            self.storage.delete(name)

    @contextlib.contextmanager
    def fetch(self, name: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="coachhouse-restore-") as work:
            local = Path(work) / "archive"
            try:
                with self._reaching(), self.storage.open(name) as remote, local.open("wb") as out:
                    _copy(remote, out)
            except FileNotFoundError:
                raise BackupError(f"No backup archive at {self.label(name)}.") from None
            yield local

    @contextlib.contextmanager
    def _reaching(self):
        try:
            yield
        except (BotoCoreError, ClientError) as error:
            raise BackupError(
                f"Could not use the bucket {self.bucket}: {error}. Check BACKUP_LOCATION, "
                "AWS_S3_ENDPOINT_URL and the access key's rights (list, read, write and delete)."
            ) from error


def destination_for(location: str) -> Folder | Bucket:
    """A folder path, or `s3://bucket/prefix`."""
    if location.startswith("s3://"):
        parts = urlsplit(location)
        if not parts.netloc:
            raise BackupError(f"{location} names no bucket: write s3://bucket/prefix.")
        return Bucket(parts.netloc, parts.path.strip("/"))
    if "://" in location:
        raise BackupError(f"{location} is neither a folder nor an s3://bucket/prefix location.")
    return Folder(Path(location).expanduser())


def _archive_at(location: str) -> tuple[Folder | Bucket, str]:
    """The place an archive's path or s3:// URL names, and its name there."""
    if location.startswith("s3://"):
        parts = urlsplit(location)
        key = PurePosixPath(parts.path.strip("/"))
        if not parts.netloc or not key.name:
            raise BackupError(f"{location} names no archive: write s3://bucket/prefix/name.tar.gz.")
        prefix = "" if key.parent == PurePosixPath(".") else str(key.parent)
        return Bucket(parts.netloc, prefix), key.name
    path = Path(location).expanduser()
    return Folder(path.parent), path.name


def _bucket_connection() -> dict:
    """The media bucket's endpoint, region and keys: from the settings of those names, else
    from the media storage's options. Left out, boto3 finds them itself (an instance role)."""
    media = settings.STORAGES["default"].get("OPTIONS", {})
    found = {}
    for option, setting in BUCKET_CONNECTION:
        value = getattr(settings, setting, None) or media.get(option)
        if value:
            found[option] = value
    # Another provider's S3 API (an endpoint URL) is addressed by path, Amazon's by host. An
    # archive is uploaded in parts: each may take a while, and is retried on its own.
    found["client_config"] = BotoConfig(
        s3={"addressing_style": "path" if found.get("endpoint_url") else "virtual"},
        connect_timeout=5,
        read_timeout=60,
        retries={"mode": "standard", "max_attempts": 5},
    )
    return found


def _media_storage():
    return storages["default"]


# Backing up ----------------------------------------------------------------------------------


@dataclass
class BackupResult:
    """Where the archive went, how big it is, and which older ones were deleted."""

    location: str
    size: int
    removed: list[str]


def backup_create(
    *,
    location: str | None = None,
    keep: int | None = None,
    report: Callable[[str], None] = _silent,
) -> BackupResult:
    """Write one archive of the database and media to `location`, then keep the newest `keep`."""
    location = location or settings.BACKUP_LOCATION
    if not location:
        raise BackupError(
            "Nowhere to write the backup: set BACKUP_LOCATION to a folder or to "
            "s3://bucket/prefix, or pass --to."
        )
    keep = settings.BACKUP_KEEP if keep is None else keep
    if keep < 1:
        raise BackupError("Keep at least one backup: --keep (or BACKUP_KEEP) must be 1 or more.")
    destination = destination_for(location)
    destination.check()
    started = datetime.now(UTC)
    connector = get_connector(DEFAULT_DB_ALIAS)
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "sqlite" and connection.in_atomic_block:
        # SQLite's backup API would wait for this very transaction to end, for ever.
        raise BackupError("A SQLite database cannot be backed up from inside a transaction.")
    with destination.workspace() as work:
        report(f"Counting the rows of the {connection.display_name} database…")
        manifest = {
            "format": FORMAT,
            "created": started.isoformat(),
            "versions": {
                "coachhouse": _version("coachhouse"),
                "django": django.get_version(),
                "wagtail": wagtail.__version__,
                "python": platform.python_version(),
            },
            "database": {
                "vendor": connection.vendor,
                "connector": f"{type(connector).__module__}.{type(connector).__qualname__}",
                "file": f"database.{connector.extension}",
            },
            "migrations": _applied_migrations(),
            "rows": _row_counts(),
        }
        dump = work / manifest["database"]["file"]
        report("Dumping the database…")
        _dump(connector, dump)
        media = _media_storage()
        media_files = []
        if isinstance(media, S3Storage):
            report(f"Listing the media in the bucket {media.bucket_name}…")
            manifest["media"] = _bucket_manifest(media)
        else:
            media_files = _media_files(media)
            total = sum(size for _name, size in media_files)
            report(f"Adding {count_text(len(media_files), 'media file')} ({size_text(total)})…")
            manifest["media"] = {
                "storage": "files",
                "files": [{"name": name, "size": size} for name, size in media_files],
            }
        built = work / "archive.tar.gz"
        _write_archive(built, manifest, dump, media, media_files)
        size = built.stat().st_size
        name = _unused_name(destination, started)
        report(f"Writing {destination.label(name)}…")
        destination.store(built, name)
    removed = backups_prune(destination=destination, keep=keep, written=name)
    return BackupResult(location=destination.label(name), size=size, removed=removed)


def backups_prune(*, destination: Folder | Bucket, keep: int, written: str = "") -> list[str]:
    """Delete all but the newest `keep` archives; other files there are left alone, and so is
    the one just `written`, even if another machine's clock named a later one."""
    archives = destination.names()
    old = [
        archive for archive in archives[: max(0, len(archives) - keep)] if archive.name != written
    ]
    for archive in old:
        destination.delete(archive.name)
    return [archive.name for archive in old]


def _unused_name(destination: Folder | Bucket, created: datetime) -> str:
    """The archive's name; a second backup in the same second gets `-2`, and so on."""
    taken = {archive.name for archive in destination.names()}
    sequence = 1
    while (name := ArchiveName.make(created, sequence).name) in taken:
        sequence += 1
    return name


def _dump(connector, path: Path) -> None:
    try:
        dumped = connector.create_dump()
    except ConnectorError as error:
        raise BackupError(f"The database could not be dumped: {error}") from error
    with dumped, path.open("wb") as out:
        _copy(dumped, out)


def _applied_migrations() -> list[str]:
    """`app_label.migration_name` of each applied migration (neither part can hold a dot)."""
    loader = MigrationLoader(connections[DEFAULT_DB_ALIAS], ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in loader.applied_migrations)


def _counted_models():
    """Every model with a table of its own, many-to-many tables included."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def _row_counts() -> dict[str, int]:
    """Rows per model. A model whose table is not there yet (its migration not run) is left
    out: a backup is wanted most when a deploy went wrong half-way."""
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        tables = set(connection.introspection.table_names())
        counts = {
            model._meta.label: model._base_manager.using(DEFAULT_DB_ALIAS).count()
            for model in _counted_models()
            if model._meta.db_table in tables
        }
    except DatabaseError as error:
        raise BackupError(f"Could not count the rows in the database: {error}") from error
    return dict(sorted(counts.items()))


def _media_files(storage) -> list[tuple[str, int]]:
    """Every file in a storage on disk, with its size, walking its folders."""
    found = []
    pending = [""]
    while pending:
        folder = pending.pop()
        try:
            folders, files = storage.listdir(folder)
        except FileNotFoundError:  # no upload yet: MEDIA_ROOT does not exist
            continue
        pending.extend(f"{folder}{name}/" for name in folders)
        found.extend((f"{folder}{name}", storage.size(f"{folder}{name}")) for name in files)
    return sorted(found)


def _bucket_manifest(storage: S3Storage) -> dict:
    prefix = f"{storage.location}/" if storage.location else ""
    try:
        objects = [
            {
                "name": item.key.removeprefix(prefix),
                "size": item.size,
                "etag": item.e_tag.strip('"'),
                "last_modified": item.last_modified.isoformat(),
            }
            for item in storage.bucket.objects.filter(Prefix=prefix)
        ]
    except (BotoCoreError, ClientError) as error:
        raise BackupError(
            f"Could not list the media bucket {storage.bucket_name}: {error}"
        ) from error
    return {
        "storage": "bucket",
        "bucket": storage.bucket_name,
        "location": storage.location,
        "objects": sorted(objects, key=lambda item: item["name"]),
    }


def _write_archive(path: Path, manifest: dict, dump: Path, media, media_files) -> None:
    # Readable by this user only: it holds every account's email and password hash.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    # The manifest first: a restore reads it, and refuses, before unpacking anything else.
    with (
        open(descriptor, "wb") as out,
        tarfile.open(fileobj=out, mode="w:gz", compresslevel=6) as tar,
    ):
        data = json.dumps(manifest, indent=2).encode()
        tar.addfile(_member(MANIFEST, len(data)), io.BytesIO(data))
        with dump.open("rb") as dumped:
            tar.addfile(_member(dump.name, dump.stat().st_size), dumped)
        for name, size in media_files:
            try:
                with media.open(name, "rb") as file:
                    tar.addfile(_member(f"{MEDIA_FOLDER}/{name}", size), file)
            except (OSError, tarfile.TarError) as error:
                raise BackupError(
                    f"The media file {name} changed or went away during the backup ({error}); "
                    "run it again."
                ) from error


def _member(name: str, size: int) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.size = size
    member.mode = 0o600
    member.mtime = int(datetime.now(UTC).timestamp())
    return member


# Restoring -----------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    """What came back: rows per model against the manifest, and the media."""

    created: str
    rows: list[tuple[str, int | None, int | None]]
    pending_migrations: list[str]
    media_restored: int = 0
    media_already_there: int = 0
    media_replaced: int = 0
    media_bucket: str = ""
    media_objects: int = 0
    media_missing: list[str] = field(default_factory=list)
    media_changed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def backup_restore(
    *,
    archive: str,
    replace_media: bool = False,
    report: Callable[[str], None] = _silent,
) -> RestoreResult:
    """Load an archive (a path or s3:// URL) into the configured, empty database, with its media."""
    place, name = _archive_at(archive)
    with place.fetch(name) as path, tempfile.TemporaryDirectory(prefix="coachhouse-") as work:
        label = place.label(name)
        manifest = _read_manifest(path, label)
        pending = _check_migrations(manifest)
        connector = _check_database_kind(manifest)
        report(f"Unpacking {label}…")
        unpacked = _unpack(path, Path(work), label)
        dump = unpacked / manifest["database"]["file"]
        if not dump.is_file():
            raise BackupError(f"{label} is damaged: it has no database dump.")
        _check_database_empty()
        media = _media_storage()
        files = manifest["media"].get("files", [])
        if manifest["media"].get("storage") == "files":
            _check_media_conflicts(media, files, unpacked, replace_media)
        report(f"Loading the database ({connections[DEFAULT_DB_ALIAS].display_name})…")
        _load(connector, dump)
        result = RestoreResult(created=manifest["created"], rows=[], pending_migrations=pending)
        if manifest["media"].get("storage") == "files":
            report(f"Restoring {count_text(len(files), 'media file')}…")
            _restore_media_files(media, files, unpacked, result)
        else:
            _check_bucket(media, manifest["media"], result)
    # Pages kept in the cache were made from the database before this one.
    content_changed()
    result.rows = _compare_rows(manifest["rows"])
    return result


def _read_manifest(path: Path, label: str) -> dict:
    try:
        with tarfile.open(path, "r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST:
                raise BackupError(f"{label} is not a Coachhouse backup: it has no manifest.json.")
            manifest = json.loads(tar.extractfile(first).read())
    except (tarfile.TarError, EOFError, zlib.error, OSError):
        raise BackupError(
            f"{label} is not a Coachhouse backup: it is not a readable .tar.gz archive."
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{label} is damaged: its manifest.json is not valid JSON.") from None
    if not _well_formed(manifest):
        raise BackupError(f"{label} is not a Coachhouse backup: its manifest is incomplete.")
    if manifest["format"] > FORMAT:
        raise BackupError(
            f"{label} was made by a newer version of the site (archive format "
            f"{manifest['format']}); restore it with that version."
        )
    return manifest


def _well_formed(manifest) -> bool:
    """Whether the manifest has what a restore reads, with names that stay inside the archive."""
    try:
        datetime.fromisoformat(manifest["created"])
        files = [manifest["database"]["file"]]
        files += [f"{MEDIA_FOLDER}/{item['name']}" for item in manifest["media"].get("files", [])]
        return (
            isinstance(manifest["format"], int)
            and isinstance(manifest["database"]["vendor"], str)
            and isinstance(manifest["database"]["connector"], str)
            and manifest["media"]["storage"] in {"files", "bucket"}
            and all(migration.count(".") == 1 for migration in manifest["migrations"])
            and all(isinstance(rows, int) for rows in manifest["rows"].values())
            and all(_inside(name) for name in files)
        )
    except (KeyError, TypeError, AttributeError, ValueError):
        return False


def _inside(name) -> bool:
    path = PurePosixPath(name)
    return isinstance(name, str) and not path.is_absolute() and ".." not in path.parts


def _check_migrations(manifest: dict) -> list[str]:
    """Refuse an archive with migrations this code lacks; return the ones it has yet to run."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    on_disk = loader.disk_migrations
    known = set(on_disk)
    for migration in on_disk.values():
        known.update(migration.replaces)  # squashed since the backup was made, and deleted
    archived = {tuple(migration.split(".")) for migration in manifest["migrations"]}
    unknown = sorted(archived - known)
    if unknown:
        names = some([f"{app}.{name}" for app, name in unknown])
        raise BackupError(
            "This backup was made by a newer version of the site: this code lacks "
            f"{count_text(len(unknown), 'migration')} it had applied ({names}). Restore "
            "it with the version of the code that made it."
        )
    # The graph holds a squashed migration in place of those it replaces; one whose replaced
    # migrations were all applied counts as applied, as `migrate` counts it.
    return [
        f"{app}.{name}"
        for app, name in sorted(set(loader.graph.nodes) - archived)
        if not (on_disk[app, name].replaces and set(on_disk[app, name].replaces) <= archived)
    ]


def _check_database_kind(manifest: dict):
    """The connector to load the dump with, if this site's database is of the archive's kind."""
    connection = connections[DEFAULT_DB_ALIAS]
    archived = manifest["database"]
    if archived["vendor"] != connection.vendor:
        kind = VENDOR_NAMES.get(archived["vendor"], archived["vendor"])
        raise BackupError(
            f"This backup holds a {kind} database, and DATABASE_URL points at "
            f"{connection.display_name}: restore it into a {kind} database."
        )
    connector = get_connector(DEFAULT_DB_ALIAS)
    path = f"{type(connector).__module__}.{type(connector).__qualname__}"
    if archived["connector"] != path:
        raise BackupError(
            f"This backup was dumped by {archived['connector']}, and this site loads dumps with "
            f"{path} (DBBACKUP_CONNECTORS): they do not read each other's dumps."
        )
    return connector


def _check_database_empty() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    name = connection.settings_dict["NAME"]
    try:
        tables = connection.introspection.table_names()
    except DatabaseError as error:
        raise BackupError(
            f"Could not open the database {name}: {error}. For PostgreSQL, create it first: "
            "manage.py create_database."
        ) from error
    if tables:
        raise BackupError(
            f"The database {name} already has {count_text(len(tables), 'table')}: a backup is "
            "restored only into a new, empty database. Point DATABASE_URL at a new one (for "
            "PostgreSQL, manage.py create_database makes it) and run restore again."
        )
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            raise BackupError("Restore into a database file: this SQLite database is in memory.")
        connection.close()
        if Path(f"{name}-wal").exists():
            raise BackupError(
                f"Another process has {name} open (its -wal file is there): stop the site and "
                "its workers, then run restore again."
            )


def _unpack(path: Path, work: Path, label: str) -> Path:
    """Unpack the whole archive, which also proves it is whole, before changing anything."""
    target = work / "unpacked"
    try:
        with tarfile.open(path, "r:gz") as tar:
            # The "data" filter refuses absolute paths, `..`, links and devices.
            tar.extractall(target, filter="data")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupError(f"{label} is damaged and cannot be restored ({error}).") from None
    return target


def _load(connector, dump: Path) -> None:
    try:
        with dump.open("rb") as dumped:
            connector.restore_dump(dumped)
    except ConnectorError as error:
        raise BackupError(f"The database could not be loaded: {error}") from error


def _check_media_conflicts(media, files: list[dict], unpacked: Path, replace: bool) -> None:
    """Refuse before anything changes if an existing media file differs from the archive's."""
    if replace:
        return
    different = [
        item["name"]
        for item in files
        if media.exists(item["name"])
        and not _same_content(media, item["name"], unpacked / MEDIA_FOLDER / item["name"])
    ]
    if different:
        raise BackupError(
            f"{count_text(len(different), 'media file')} already "
            f"{'exists' if len(different) == 1 else 'exist'} with other content "
            f"({some(different)}). Nothing was changed. Empty the media folder, or run "
            "restore with --replace-media to put the backup's copies in their place."
        )


def _restore_media_files(media, files: list[dict], unpacked: Path, result: RestoreResult):
    for item in files:
        name, source = item["name"], unpacked / MEDIA_FOLDER / item["name"]
        if not source.is_file():
            result.notes.append(f"The archive lacks the media file {name} its manifest lists.")
            continue
        if media.exists(name):
            if _same_content(media, name, source):
                result.media_already_there += 1
                continue
            media.delete(name)
            result.media_replaced += 1
        else:
            result.media_restored += 1
        with source.open("rb") as file:
            saved = media.save(name, File(file))
        if saved != name:
            result.notes.append(f"The media file {name} was saved as {saved}.")


def _check_bucket(media, archived: dict, result: RestoreResult) -> None:
    objects = {item["name"]: item for item in archived["objects"]}
    result.media_bucket = archived["bucket"]
    result.media_objects = len(objects)
    if not isinstance(media, S3Storage):
        result.notes.append(
            f"The backup's media are in the bucket {archived['bucket']}, and this site keeps "
            "media on its disk: set MEDIA_BUCKET (and its keys) to use them."
        )
        return
    now = _bucket_manifest(media)
    present = {item["name"]: item for item in now["objects"]}
    result.media_missing = sorted(set(objects) - set(present))
    result.media_changed = sorted(
        name
        for name in set(objects) & set(present)
        if (objects[name]["size"], objects[name]["etag"])
        != (present[name]["size"], present[name]["etag"])
    )


def _same_content(media, name: str, local: Path) -> bool:
    if media.size(name) != local.stat().st_size:
        return False
    with media.open(name, "rb") as stored, local.open("rb") as archived:
        while True:
            mine, theirs = stored.read(CHUNK), archived.read(CHUNK)
            if mine != theirs:
                return False
            if not mine:
                return True


def _compare_rows(archived: dict[str, int]) -> list[tuple[str, int | None, int | None]]:
    """(model, rows now, rows in the manifest) for every model either side knows."""
    now = _row_counts()
    return [
        (label, now.get(label), archived.get(label))
        for label in sorted(now.keys() | archived.keys())
    ]


# The clock's job -----------------------------------------------------------------------------


@dataclass
class DueBackup:
    """What the periodic job did: `off`, `busy` (another clock is at it), `not_due` or `done`."""

    state: str
    newest: datetime | None = None
    result: BackupResult | None = None


def backup_create_if_due(*, now: datetime | None = None) -> DueBackup:
    """Back up when BACKUP_LOCATION is set and its newest archive is older than the interval."""
    location = settings.BACKUP_LOCATION
    if not location:
        return DueBackup("off")
    token = uuid.uuid4().hex
    if not cache.add(LOCK_KEY, token, timeout=LOCK_SECONDS):
        return DueBackup("busy")
    try:
        # Looked at under the lock: a clock that waited for another's backup sees it here.
        destination = destination_for(location)
        archives = destination.names()
        newest = archives[-1].created if archives else None
        now = now or datetime.now(UTC)
        interval = timedelta(hours=settings.BACKUP_INTERVAL_HOURS)
        if newest is not None and now - newest < interval:
            return DueBackup("not_due", newest=newest)
        return DueBackup("done", newest=newest, result=backup_create(location=location))
    finally:
        if cache.get(LOCK_KEY) == token:
            cache.delete(LOCK_KEY)


# Small helpers -------------------------------------------------------------------------------


def _copy(source, target) -> None:
    while chunk := source.read(CHUNK):
        target.write(chunk)


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


def count_text(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def size_text(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return count_text(size, "byte")


def some(names: list[str], shown: int = 3) -> str:
    """The first few names, and how many more."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more
