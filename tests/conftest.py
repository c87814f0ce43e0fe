"""Shared fixtures: the site tree, and Chromium for the browser tests."""

import os
import shutil

import pytest

from tests.factories import make_site_tree

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def site_tree(db):
    home, course, lessons, index = make_site_tree(lessons=3)
    return {"home": home, "course": course, "lessons": lessons, "index": index}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        message = (
            "Chromium is missing: install it with `apt-get install -y chromium` (.ci/run does)."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def course_site(db):
    """`site_tree`'s pages (a 3-lesson course, lesson 1 a free preview), on a clean tree.

    Wagtail's first migration leaves a placeholder "Welcome" page with the slug `home` where
    our home page goes, and `make_site_tree` fails on the clash; it is removed first.
    """
    from wagtail.models import Page

    Page.objects.filter(depth=2).exact_type(Page).delete()
    home, course, lessons, index = make_site_tree(lessons=3)
    return {"home": home, "course": course, "lessons": lessons, "index": index}
