"""Shared fixtures. Browser fixtures live in tests/browser/conftest.py."""

import os
import shutil

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from wagtail.models import Page

from course import services as course_services
from tests.factories import UserFactory, make_site_tree, sign_in_to_admin

POSTGRES_ONLY = (
    "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/coachhouse "
    "(the tests create their own database)"
)


REDIS_ONLY = (
    "needs Redis (the rate limits live in the shared cache): run "
    "REDIS_URL=redis://127.0.0.1:6379/0 make test"
)


CLUSTER_ONLY = (
    "needs PostgreSQL, Redis and nginx (two app servers behind a balancer): install nginx "
    "(apt-get install nginx) and run DATABASE_URL=postgres://postgres@127.0.0.1:5432/coachhouse "
    "REDIS_URL=redis://127.0.0.1:6379/0 make test"
)


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` run only on PostgreSQL, tests marked `redis` only with Redis,
    tests marked `cluster` only with both and nginx.

    Without them they are skipped with a message saying how to run them; under CI, which runs
    the suite a second time with PostgreSQL and Redis, they are deselected from the first
    (SQLite, local memory) pass instead, so nothing in CI reports as skipped.
    """
    needs = {
        "postgres": (connection.vendor == "postgresql", POSTGRES_ONLY),
        "redis": (bool(settings.REDIS_URL), REDIS_ONLY),
        "cluster": (
            connection.vendor == "postgresql"
            and bool(settings.REDIS_URL)
            and bool(shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin")),
            CLUSTER_ONLY,
        ),
    }
    for marker, (available, reason) in needs.items():
        if available:
            continue
        unable = [item for item in items if item.get_closest_marker(marker)]
        if not unable:
            continue
        if os.environ.get("CI"):
            config.hook.pytest_deselected(items=unable)
            items[:] = [item for item in items if not item.get_closest_marker(marker)]
            continue
        for item in unable:
            item.add_marker(pytest.mark.skip(reason=reason))


# Emptying the database after a transactional test -------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def flush_postgresql_by_delete():
    """Empty the tables after a transactional test with DELETE rather than TRUNCATE.

    Django's flush truncates every table, and on PostgreSQL a TRUNCATE of the ~70 tables (new
    files for each table and index) takes about a second, while deleting the few rows a test
    leaves takes a tenth of that. Both leave every table empty and the sequences where they
    were (Django's flush after a test does not reset them). Every foreign key Django makes on
    PostgreSQL is DEFERRABLE INITIALLY DEFERRED, so the order of the deletes does not matter:
    the keys are checked at commit, when nothing is left to point anywhere. A flush that must
    also reset sequences or cascade is left to Django.
    """
    if connection.vendor != "postgresql":
        yield
        return
    operations = type(connection.ops)
    truncate = operations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return ["SET CONSTRAINTS ALL DEFERRED;"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
        ]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(operations, "sql_flush", sql_flush)
        yield


# The site tree ------------------------------------------------------------------------------


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    marked = marker is not None and (
        marker.kwargs.get("transaction", marker.args[0] if marker.args else False)
        or marker.kwargs.get("reset_sequences", False)
    )
    fixtures = getattr(item, "fixturenames", ())
    return bool(marked) or "transactional_db" in fixtures or "live_server" in fixtures


def _shares_the_site_tree(item) -> bool:
    return (
        item is not None
        and "site_tree" in getattr(item, "fixturenames", ())
        and not _is_transactional(item)
    )


class SharedSiteTree:
    """One site tree for a run of consecutive tests of a module that ask for `site_tree`.

    Building the tree (six pages, each saved, indexed and logged through Wagtail) costs more
    than most tests that use it, twice as much on PostgreSQL. As Django's
    `TestCase.setUpTestData` does, it is built once inside a transaction that stays open
    while those tests run, each in its own savepoint that is rolled back after it, and the
    transaction is rolled back after the last of them: every test still starts from the
    freshly built tree and leaves nothing behind. Tests that do not ask for the tree never
    see it (the transaction is rolled back before them), and transactional tests, whose data
    must be committed, build their own.
    """

    def __init__(self):
        self.module = None
        self.atomic = None
        self.blocker = None
        self.pks: dict = {}

    def open(self, item, blocker) -> None:
        if self.module is item.module:
            return
        self.close()
        with blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                home, course, lessons, index = make_site_tree(lessons=3)
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
        self.module, self.atomic, self.blocker = item.module, atomic, blocker
        self.pks = {
            "home": home.pk,
            "course": course.pk,
            "lessons": [lesson.pk for lesson in lessons],
            "index": index.pk,
        }

    def close(self) -> None:
        if self.atomic is None:
            return
        atomic, self.atomic, self.module = self.atomic, None, None
        with self.blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)

    def fresh(self) -> dict:
        """The tree's pages as new objects, so what one test changes in memory is not seen by
        the next (the database is rolled back to the tree after each test)."""
        wanted = [self.pks["home"], self.pks["course"], *self.pks["lessons"], self.pks["index"]]
        pages = {page.pk: page for page in Page.objects.filter(pk__in=wanted).specific()}
        return {
            "home": pages[self.pks["home"]],
            "course": pages[self.pks["course"]],
            "lessons": [pages[pk] for pk in self.pks["lessons"]],
            "index": pages[self.pks["index"]],
        }


_shared_site_tree = SharedSiteTree()


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef, request):
    # Just before pytest-django opens the test's transaction (its databases exist by then),
    # so the test's transaction becomes a savepoint inside the tree's.
    if fixturedef.argname == "_django_db_helper" and _shares_the_site_tree(request.node):
        _shared_site_tree.open(request.node, request.getfixturevalue("django_db_blocker"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        # After the test's own transaction is rolled back: keep the tree only for the next test
        # if it is from the same module and asks for it too, and the run goes on to it.
        keep = (
            _shares_the_site_tree(nextitem)
            and nextitem.module is _shared_site_tree.module
            and not (item.session.shouldstop or item.session.shouldfail)
        )
        if not keep:
            _shared_site_tree.close()


@pytest.fixture
def site_tree(request, db):
    """A home page as the site root, a 3-lesson course (lesson 1 a free preview), an index."""
    if _shared_site_tree.module is request.node.module and _shares_the_site_tree(request.node):
        return _shared_site_tree.fresh()
    home, course, lessons, index = make_site_tree(lessons=3)
    return {"home": home, "course": course, "lessons": lessons, "index": index}


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate limits (allauth's, the wait list's) live in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin client, with the admin's second factor given."""
    return sign_in_to_admin(client, admin_user)


@pytest.fixture
def course(site_tree):
    return site_tree["course"]


@pytest.fixture
def lessons(site_tree):
    return site_tree["lessons"]


@pytest.fixture
def learner(course):
    """A learner enrolled in `course`, with no progress yet."""
    user = UserFactory()
    course_services.enrolment_create(user=user, course=course)
    return user
