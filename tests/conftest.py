"""Shared fixtures. Browser fixtures live in tests/browser/conftest.py."""

import pytest

from tests.factories import make_site_tree


@pytest.fixture
def site_tree(db):
    """A home page as the site root, a 3-lesson course (lesson 1 a free preview), an index."""
    home, course, lessons, index = make_site_tree(lessons=3)
    return {"home": home, "course": course, "lessons": lessons, "index": index}
