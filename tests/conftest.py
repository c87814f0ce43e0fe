"""Shared fixtures. Browser fixtures live in tests/browser/conftest.py."""

import os

import pytest
from django.core.cache import cache
from django.db import connection

from course import services as course_services
from tests.factories import UserFactory, make_site_tree

POSTGRES_ONLY = (
    "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/coachhouse "
    "(the tests create their own database)"
)


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` run only on PostgreSQL.

    On SQLite they are skipped with a message saying how to run them; under CI, which runs
    the suite a second time on PostgreSQL, they are deselected from the SQLite pass instead,
    so nothing in CI reports as skipped.
    """
    if connection.vendor == "postgresql":
        return
    postgres_only = [item for item in items if item.get_closest_marker("postgres")]
    if not postgres_only:
        return
    if os.environ.get("CI"):
        config.hook.pytest_deselected(items=postgres_only)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]
        return
    for item in postgres_only:
        item.add_marker(pytest.mark.skip(reason=POSTGRES_ONLY))


@pytest.fixture
def site_tree(db):
    """A home page as the site root, a 3-lesson course (lesson 1 a free preview), an index."""
    home, course, lessons, index = make_site_tree(lessons=3)
    return {"home": home, "course": course, "lessons": lessons, "index": index}


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate limits (allauth's, the wait list's) live in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


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
