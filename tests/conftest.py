"""Shared fixtures. Browser fixtures live in tests/browser/conftest.py."""

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from course import services as course_services
from tests.factories import UserFactory, make_site_tree

POSTGRES_ONLY = (
    "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/coachhouse "
    "(the tests create their own database)"
)


REDIS_ONLY = (
    "needs Redis (the rate limits live in the shared cache): run "
    "REDIS_URL=redis://127.0.0.1:6379/0 make test"
)


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` run only on PostgreSQL, tests marked `redis` only with Redis.

    Without them they are skipped with a message saying how to run them; under CI, which runs
    the suite a second time with PostgreSQL and Redis, they are deselected from the first
    (SQLite, local memory) pass instead, so nothing in CI reports as skipped.
    """
    needs = {
        "postgres": (connection.vendor == "postgresql", POSTGRES_ONLY),
        "redis": (bool(settings.REDIS_URL), REDIS_ONLY),
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
